"""`manage.py verify_audit`: walk the audit hash chain; exit 0 when it holds, 1 naming the first broken row.

Meant for cron / monitoring as well as by hand, so the summary is printed in Chinese and English and the
exit status alone tells the result."""

from django.core.management.base import BaseCommand, CommandError

from core.models import AuditEvent

_REASONS_ZH = {
    "prev_hash does not match the previous row": "prev_hash 与上一条记录的哈希不一致（记录被删除、插入或重排）",
    "content does not match its hash": "记录内容与其哈希不一致（记录被篡改）",
}


class Command(BaseCommand):
    help = "核验审计日志哈希链 / Verify the audit log hash chain (exit 0 if intact, 1 if broken)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000,
                            help="每批读取的记录数 / rows read per batch")

    def handle(self, *args, batch_size, **options):
        checked, broken, reason = AuditEvent.verify_chain(batch_size=batch_size)
        if broken is None:
            self.stdout.write(self.style.SUCCESS(
                f"审计链完整：已核验 {checked} 条记录。\n"
                f"Audit chain intact: {checked} events verified."
            ))
            return
        obj = f"{broken.content_type.app_label}.{broken.content_type.model} #{broken.object_id}"
        if broken.object_repr:
            obj += f" ({broken.object_repr})"
        raise CommandError(
            f"审计链断裂：第一条异常记录 #{broken.pk}（操作 {broken.action}，对象 {obj}）："
            f"{_REASONS_ZH.get(reason, reason)}；此前 {checked} 条记录完好。\n"
            f"Audit chain broken at event #{broken.pk} (action {broken.action}, object {obj}): {reason}; "
            f"{checked} events before it are intact.",
            returncode=1,
        )
