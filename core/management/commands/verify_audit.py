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
        parser.add_argument(
            "--anchor", action="append", default=[], metavar="HASH",
            help="此前记录的链尾哈希，须仍在链中（可重复）/ a head hash noted earlier that must still be in "
                 "the chain (repeatable)",
        )

    def handle(self, *args, batch_size, anchor, **options):
        checked, broken, reason = AuditEvent.verify_chain(batch_size=batch_size)
        if broken is None:
            # The chain alone cannot show that its newest rows were cut off; a head hash kept elsewhere
            # (printed here, checked with --anchor) can.
            missing = [h for h in anchor if not AuditEvent.objects.filter(hash=h).exists()]
            if missing:
                raise CommandError(
                    f"审计链被截断：锚定哈希 {', '.join(missing)} 已不在链中（记录被删除）。\n"
                    f"Audit chain truncated: anchor hash {', '.join(missing)} is no longer in the chain.",
                    returncode=1,
                )
            head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
            self.stdout.write(self.style.SUCCESS(
                f"审计链完整：已核验 {checked} 条记录。\n"
                f"Audit chain intact: {checked} events verified."
            ))
            if head:
                self.stdout.write(f"链尾 / head: #{head[0]} {head[1]}")
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
