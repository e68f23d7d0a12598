"""The inspection documents (PDF): 检查记录 (the inspection record with its photos) hangs on the Inspection;
整改通知书 and 复查意见书 hang on the RectificationNotice, so the operator's staff may download them (file
downloads follow ``visible_to`` of the record a document hangs on).

Photos are embedded as ``data:`` URIs read from private storage: the PDF renderer fetches nothing else."""

import base64

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents import register_document
from core.models import Attachment

from .models import Finding, Inspection, NoticeItemResponse, RectificationNotice, Section

#: Photos per finding or answer embedded in a PDF (the rest are listed by name): keeps the file small.
MAX_PHOTOS = 4


def _data_uri(attachment: Attachment) -> str | None:
    if attachment.mime_type not in ("image/jpeg", "image/png"):
        return None
    with attachment.file.open("rb") as fh:
        return f"data:{attachment.mime_type};base64," + base64.b64encode(fh.read()).decode("ascii")


def _photos(model, ids) -> dict:
    ct = ContentType.objects.get_for_model(model)
    result = {}
    for attachment in Attachment.objects.filter(content_type=ct, object_id__in=list(ids)).order_by("pk"):
        photos = result.setdefault(attachment.object_id, [])
        if len(photos) < MAX_PHOTOS:
            uri = _data_uri(attachment)
            if uri:
                photos.append({"uri": uri, "name": attachment.original_name})
    return result


def bureau_name(inspection: Inspection) -> str:
    return f"{inspection.district.name}人力资源和社会保障局"


def _base(inspection: Inspection, case_number: str) -> dict:
    return {
        "inspection": inspection,
        "market": inspection.market,
        "operator": inspection.market.operator,
        "case_number": case_number,
        "bureau": bureau_name(inspection),
        "hotline": settings.GIGCASE_PUBLIC_HOTLINE,
        "issued_on": timezone.now(),
    }


def record_context(inspection: Inspection) -> dict:
    findings = list(inspection.findings.select_related("item").order_by("item__sort_order", "item_id"))
    photos = _photos(Finding, [f.pk for f in findings])
    sections = {}
    for finding in findings:
        sections.setdefault(Section(finding.item.section).label, []).append(
            {"finding": finding, "photos": photos.get(finding.pk, [])})
    counts = {r: sum(1 for f in findings if f.result == r) for r in Finding.Result.values}
    return {**_base(inspection, inspection.number), "sections": list(sections.items()), "counts": counts,
            "checklist": inspection.checklist}


def _notice_rows(notice: RectificationNotice, *, with_responses: bool):
    items = list(notice.items.select_related("finding__item").prefetch_related("responses"))
    finding_photos = _photos(Finding, [i.finding_id for i in items])
    response_photos = {}
    if with_responses:
        response_photos = _photos(NoticeItemResponse, [r.pk for i in items for r in i.responses.all()])
    return [{"item": item, "photos": finding_photos.get(item.finding_id, []),
             "responses": [{"response": r, "photos": response_photos.get(r.pk, [])} for r in item.responses.all()]}
            for item in items]


def notice_context(notice: RectificationNotice) -> dict:
    return {**_base(notice.inspection, notice.number), "notice": notice,
            "rows": _notice_rows(notice, with_responses=False)}


def reinspection_context(notice: RectificationNotice) -> dict:
    return {**_base(notice.inspection, notice.number), "notice": notice,
            "rows": _notice_rows(notice, with_responses=True)}


KINDS = {
    "inspection.record": ("inspections/pdf/inspection_record.html", _("安全检查记录"), record_context),
    "inspection.notice": ("inspections/pdf/rectification_notice.html", _("整改通知书"), notice_context),
    "inspection.reinspection": ("inspections/pdf/reinspection_opinion.html", _("复查意见书"), reinspection_context),
}

for _kind, (_template, _title, _context) in KINDS.items():
    register_document(_kind, template_name=_template, title=_title, context=_context)
