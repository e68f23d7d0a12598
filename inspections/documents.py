"""The inspection documents (PDF): 检查记录 (the inspection record with its photos) hangs on the Inspection;
整改通知书 and 复查意见书 hang on the RectificationNotice, so the operator's staff may download them (file
downloads follow ``visible_to`` of the record a document hangs on). The case file (案卷) of the whole case
hangs on the Inspection: staff only.

Photos are embedded as ``data:`` URIs read from private storage: the PDF renderer fetches nothing else."""

import base64

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents import audit_timeline, register_document
from core.models import Attachment, AuditEvent, GeneratedDocument

from .models import Finding, Inspection, NoticeItem, NoticeItemResponse, RectificationNotice, Section

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


#: Readable names of the audit trail's event names on an inspection, its notice and their parts.
EVENT_LABELS = {
    "start": _("开始检查"),
    "submit": _("提交检查记录"),
    "pass_": _("检查合格"),
    "require_rectification": _("需整改"),
    "issue_notice": _("下达整改通知"),
    "record_response": _("运营机构已反馈"),
    "respond": _("反馈整改情况"),
    "start_reinspection": _("开始复查"),
    "confirm_rectified": _("整改完成"),
    "accept": _("整改合格"),
    "reissue": _("复查不通过，继续整改"),
    "escalate": _("升级督办"),
    "decide_escalation": _("督办决定"),
    "close": _("办结"),
    "cancel": _("取消检查"),
    "attach": _("上传照片"),
    "overdue": _("整改逾期"),
    "dossier": _("导出案卷"),
    "retry": _("重新生成文书"),
    "deadline_start": _("期限开始"),
    "deadline_met": _("期限已完成"),
    "deadline_cancel": _("期限取消"),
    "deadline_extend": _("期限延长"),
    "deadline_suspend": _("期限中止"),
    "deadline_resume": _("期限恢复"),
}

_STATE_LABELS = {**dict(Inspection.Status.choices), **{f"notice:{k}": v for k, v in
                                                       RectificationNotice.Status.choices}}


def _case_objects(inspection: Inspection) -> dict:
    """Every record of the case, by model: the inspection, its findings, its notice with items and answers."""
    findings = list(inspection.findings.all())
    notice = RectificationNotice.objects.filter(inspection=inspection).first()
    items = list(notice.items.all()) if notice else []
    responses = list(NoticeItemResponse.objects.filter(item__in=items)) if items else []
    return {Inspection: [inspection], Finding: findings, RectificationNotice: [notice] if notice else [],
            NoticeItem: items, NoticeItemResponse: responses}


def _for_objects(queryset, objects: dict):
    """``queryset`` (AuditEvent, Attachment or GeneratedDocument) narrowed to rows hung on any of
    ``objects`` (model → instances), in one query."""
    condition = Q(pk__in=[])
    for model, instances in objects.items():
        if instances:
            condition |= Q(content_type=ContentType.objects.get_for_model(model),
                           object_id__in=[str(o.pk) if queryset.model is AuditEvent else o.pk for o in instances])
    return queryset.filter(condition)


def _event_label(event) -> str:
    if event.name in EVENT_LABELS:
        return str(EVENT_LABELS[event.name])
    if event.name in KINDS:  # a document event is named by its kind
        return str(KINDS[event.name][1])
    return event.name


def _state_label(model, state: str) -> str:
    if not state:
        return ""
    key = f"notice:{state}" if model is RectificationNotice else state
    return str(_STATE_LABELS.get(key, state))


def dossier_context(inspection: Inspection) -> dict:
    """The inspection case file (案卷): cover, summary, findings with photos, the notice's items with the
    operator's answers and the inspector's verdicts, the whole audit trail of the case (oldest first, each
    row with its hash in the chain) and every document and photo with its SHA-256."""
    objects = _case_objects(inspection)
    models_by_ct = {ContentType.objects.get_for_model(m).pk: m for m in objects}
    notice = objects[RectificationNotice][0] if objects[RectificationNotice] else None
    subjects = {Inspection: _("检查"), Finding: _("检查项目"), RectificationNotice: _("整改通知"),
                NoticeItem: _("整改事项"), NoticeItemResponse: _("整改反馈")}
    timeline = audit_timeline(
        _for_objects(AuditEvent.objects.all(), objects).select_related("actor").order_by("id"),
        event_label=_event_label,
        state_label=lambda event, state: _state_label(models_by_ct.get(event.content_type_id), state),
        subject_label=lambda event: subjects.get(models_by_ct.get(event.content_type_id), ""),
    )
    documents = (_for_objects(GeneratedDocument.objects.all(), objects).exclude(kind="inspection.dossier")
                 .order_by("created_at", "pk"))
    attachments = _for_objects(Attachment.objects.all(), objects).order_by("uploaded_at", "pk")
    return {
        **record_context(inspection),
        "case_number": inspection.number,
        "notice": notice,
        "rows": _notice_rows(notice, with_responses=True) if notice else [],
        "timeline": timeline,
        "documents": list(documents),
        "attachments": list(attachments),
    }


KINDS = {
    "inspection.record": ("inspections/pdf/inspection_record.html", _("安全检查记录"), record_context),
    "inspection.notice": ("inspections/pdf/rectification_notice.html", _("整改通知书"), notice_context),
    "inspection.reinspection": ("inspections/pdf/reinspection_opinion.html", _("复查意见书"), reinspection_context),
    "inspection.dossier": ("inspections/pdf/inspection_dossier.html", _("案卷"), dossier_context),
}

for _kind, (_template, _title, _context) in KINDS.items():
    register_document(_kind, template_name=_template, title=_title, context=_context)
