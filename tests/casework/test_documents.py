"""The complaint documents: every kind renders a PDF with an embedded CJK font; the letters say what the
rules require (reasons and other routes, every missing item at once); the case file lists the timeline,
each document and attachment with its SHA-256, and masks personal data."""

import hashlib
import io
from datetime import datetime, timezone as dt_timezone

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from casework import services
from casework.documents import KINDS, resubmit_due
from casework.models import Complaint
from casework.templatetags.casework_tags import cn_date, cn_datetime
from core.documents import render_document_now, request_document
from core.models import Attachment, GeneratedDocument
from tests.casework.helpers import submit
from tests.core.test_documents import pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db


def png(name="欠条.png"):
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 10)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def render(complaint, kind) -> tuple[GeneratedDocument, bytes]:
    doc = render_document_now(request_document(complaint, kind=kind))
    assert doc.status == GeneratedDocument.Status.READY, doc.error
    with doc.file.open("rb") as fh:
        data = fh.read()
    return doc, data


def fresh(complaint):
    return Complaint.objects.get(pk=complaint.pk)


@pytest.fixture
def complaint(db):
    return fresh(submit(files=[png()]).complaint)


@pytest.fixture
def accepted(complaint, intake):
    return services.complaint_accept(complaint=complaint, by=intake)


@pytest.fixture
def investigating(accepted, official, mediator):
    services.complaint_assign(complaint=accepted, by=official, assignee=mediator)
    return services.complaint_start_investigation(complaint=accepted, by=mediator)


def in_state(kind, request):
    """A complaint in the state in which ``kind`` is issued."""
    c = request.getfixturevalue("complaint")
    intake, official, mediator = (request.getfixturevalue(n) for n in ("intake", "official", "mediator"))
    if kind == "complaint.acceptance":
        return fresh(services.complaint_accept(complaint=c, by=intake))
    if kind == "complaint.rejection":
        services.complaint_propose_rejection(complaint=c, by=intake, reason="不属于本局管辖\n投诉事项发生在两年以前")
        return fresh(services.complaint_approve_rejection(complaint=c, by=official))
    if kind == "complaint.info_request":
        return fresh(services.complaint_request_info(complaint=c, by=intake, missing_items=["工资条", "用工单位地址"]))
    c = request.getfixturevalue("investigating")
    if kind == "complaint.referral":
        return fresh(services.complaint_refer(complaint=c, by=mediator, target="labour_inspection",
                                              organization="朝阳区劳动保障监察大队",
                                              public_reply="已转劳动保障监察大队依法查处。"))
    services.complaint_resolve(complaint=c, by=mediator, outcome="内部：约谈老板", public_reply="工资已于当日补发。")
    return fresh(services.complaint_close(complaint=c))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_a_pdf_with_an_embedded_cjk_font(kind, request, tmp_path):
    complaint = in_state(kind, request)
    doc, data = render(complaint, kind)
    assert data.startswith(b"%PDF-")
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    fonts = pdf_fonts(data, tmp_path)
    assert any("WenQuanYi" in f["name"] and f["emb"] == "yes" for f in fonts), fonts
    text = pdf_text(data, tmp_path)
    assert complaint.number in text  # the page header
    assert str(doc.title) in text or kind == "complaint.dossier"


def test_rejection_letter_lists_each_reason_and_where_else_to_go(request, tmp_path):
    complaint = in_state("complaint.rejection", request)
    _doc, data = render(complaint, "complaint.rejection")
    text = pdf_text(data, tmp_path)
    assert "不予受理通知书" in text
    assert "不属于本局管辖" in text and "投诉事项发生在两年以前" in text
    assert "劳动人事争议仲裁" in text and "12333" in text and "人民法院" in text
    assert "朝阳区人力资源和社会保障局" in text


def test_info_request_lists_every_item_once_with_the_resubmission_date(request, tmp_path):
    complaint = in_state("complaint.info_request", request)
    _doc, data = render(complaint, "complaint.info_request")
    text = pdf_text(data, tmp_path)
    assert "工资条" in text and "用工单位地址" in text
    assert "一次性告知" in text
    due_at, _provisional = resubmit_due(complaint)
    assert due_at > complaint.info_requested_at
    assert f"请于{cn_date(due_at)}前" in text


def test_acceptance_notice_gives_the_dates_in_chinese(request, tmp_path):
    complaint = in_state("complaint.acceptance", request)
    _doc, data = render(complaint, "complaint.acceptance")
    text = pdf_text(data, tmp_path)
    assert f"受理日期为{cn_date(complaint.accepted_at)}" in text
    assert "60个工作日" in text


def test_outcome_letter_carries_the_public_reply_not_the_internal_outcome(request, tmp_path):
    complaint = in_state("complaint.outcome", request)
    _doc, data = render(complaint, "complaint.outcome")
    text = pdf_text(data, tmp_path)
    assert "工资已于当日补发" in text and "约谈老板" not in text


def test_dossier_lists_timeline_documents_and_attachments_with_sha256_and_masks_pii(accepted, intake, tmp_path):
    services.complaint_add_note(complaint=accepted, by=intake, body="已电话联系用工单位负责人")
    acceptance, _ = render(accepted, "complaint.acceptance")
    attachment = Attachment.objects.for_object(accepted).get()
    _doc, data = render(fresh(accepted), "complaint.dossier")
    text = pdf_text(data, tmp_path)

    assert "投诉举报案卷" in text
    # timeline from the audit chain: creation, acceptance (with the officer), the document
    assert "创建" in text and "受理" in text and "待受理→已受理" in text
    assert intake.get_full_name() in text
    assert acceptance.sha256 in text and "受理通知书" in text
    assert attachment.sha256 in text and attachment.original_name in text
    assert "已电话联系用工单位负责人" in text
    # PII masked
    assert "139****5678" in text and "13912345678" not in text
    assert "王**" in text and "王师傅" not in text


def test_cn_date_is_beijing_time():
    late_utc = datetime(2026, 11, 25, 17, 30, tzinfo=dt_timezone.utc)  # 01:30 on the 26th in Beijing
    assert cn_date(late_utc) == "2026年11月26日"
    assert cn_datetime(late_utc) == "2026年11月26日 01:30"
    assert cn_date(None) == ""
