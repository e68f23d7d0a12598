"""``manage.py dossier TS-2026-000123 -o file.pdf``: render a complaint's case file (案卷) now; an inspection
number (``JC-2026-000045``) renders the inspection's case file instead, a mediation number (``TJ-2026-000007``)
the mediation case file, a wage-claim number (``QX-2026-000003``) the wage claim's.

Renders synchronously with the registered ``complaint.dossier`` (or ``inspection.dossier``) template (no
worker needed), writes the file, and records the export in the audit trail with the file's SHA-256."""

import hashlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from casework.models import Complaint
from core.documents import document_kind, render_pdf
from core.models import AuditEvent

KIND = "complaint.dossier"


def _case(number: str):
    """The case a number names and its dossier kind: ``JC-`` inspections, ``TJ-`` mediation cases, the rest
    complaints."""
    if number.startswith("TJ-"):
        from casework.models import MediationCase

        return (MediationCase.objects.select_related("district", "market", "mediator", "source_complaint")
                .filter(number=number).first(), "mediation.dossier")
    if number.startswith("QX-"):
        from casework.models import WageClaim

        return (WageClaim.objects.select_related("district", "market", "officer").filter(number=number).first(),
                "wageclaim.case_file")
    if number.startswith("JC-"):
        from inspections.models import Inspection

        return Inspection.objects.with_list_data().filter(number=number).first(), "inspection.dossier"
    return (Complaint.objects.select_related("district", "market", "responsible", "assignee")
            .filter(number=number).first(), KIND)


class Command(BaseCommand):
    help = "生成投诉、安全检查或劳动争议调解案件的案卷 PDF（案卷封面、概况、当事人、办理过程、文书和附件清单）。"

    def add_arguments(self, parser):
        parser.add_argument("number", help="案件编号，例如 TS-2026-000123；安全检查编号 JC-2026-000045；调解案件编号 TJ-2026-000007")
        parser.add_argument("-o", "--output", help="输出文件路径（默认：<案件编号>.pdf）")
        parser.add_argument("--by", metavar="USERNAME", help="记入审计记录的导出人用户名（可选）")

    def handle(self, *args, number, output=None, by=None, **options):
        complaint, kind = _case(number.strip().upper())  # a complaint or an inspection
        if complaint is None:
            raise CommandError(f"没有编号为 {number} 的案件。")
        user = None
        if by:
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"没有用户名为 {by} 的用户。")
        path = Path(output or f"{complaint.number}.pdf")

        spec = document_kind(kind)
        context = {"title": spec.title_for(complaint), "generated_at": timezone.now(),
                   **spec.context(complaint)}
        pdf = render_pdf(spec.template_name, context)
        try:
            path.write_bytes(pdf)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        digest = hashlib.sha256(pdf).hexdigest()
        with transaction.atomic():
            AuditEvent.record(complaint, AuditEvent.Action.EXPORT, by=user, name="dossier",
                              data={"file": path.name, "sha256": digest, "size": len(pdf), "via": "manage.py dossier"})
        self.stdout.write(self.style.SUCCESS(f"{complaint.number} 案卷已写入 {path}（{len(pdf)} 字节，SHA-256 {digest}）"))
