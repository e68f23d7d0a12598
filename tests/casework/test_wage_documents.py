"""Wage-claim PDFs: the case file (案卷) embeds the CJK font, masks every worker's PII, prints the exact amounts
and totals, the evidence's SHA-256 and the audit timeline; the referral block appears only with referrals;
the reply letter of an unfounded claim carries the public reply and the arbitration limitation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from casework import wage_documents
from casework.services import wage as services
from core.documents import render_document_now, request_document
from core.models import GeneratedDocument
from core.uploads import attach_file
from tests.casework.wage_helpers import CC, ID, report
from tests.core.filesamples import PDF_BYTES, upload
from tests.core.test_documents import pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db


def render(claim, kind, by=None):
    doc = render_document_now(request_document(claim, kind=kind, by=by))
    assert doc.status == GeneratedDocument.Status.READY, doc.error
    return doc.file.open("rb").read()


def test_case_file_masks_pii_and_shows_amounts_evidence_hash_and_timeline(tmp_path, intake, mediator):
    claim = report(employment_ended_on=timezone.localdate() - timedelta(days=30)).claim
    evidence = attach_file(claim, upload("考勤表.pdf", PDF_BYTES), by=intake, description="考勤记录")
    services.wageclaim_start_verification(claim=claim, by=intake)
    services.wageclaim_verify(claim=claim, by=intake, note="考勤与聊天记录一致")
    services.wageclaim_start_coordination(claim=claim, by=mediator, place="朝阳零工市场")
    first = claim.workers.first()
    services.wageclaim_settle(claim=claim, by=mediator, paid={first.pk: Decimal("3000.10")})
    data = render(claim, "wageclaim.case_file", by=intake)
    assert any("WenQuanYi" in f["name"] and f["emb"] == "yes" for f in pdf_fonts(data, tmp_path))
    text = pdf_text(data, tmp_path)
    assert claim.number in text and "北京某某建筑劳务有限公司" in text and CC in text
    assert "王师傅" not in text and "王**" in text and ID not in text and "13912345678" not in text
    assert "3000.10" in text and "2500.25" in text and "5500.35" in text  # per worker and the total
    assert evidence.sha256 in text
    for step in ("开始核实", "核实成立", "开始协调", "确认支付", "登记支付金额"):
        assert step in text
    assert "移送记录" not in text


def test_case_file_includes_the_referral_block_when_the_referral_module_contributes(tmp_path, monkeypatch):
    claim = report().claim
    monkeypatch.setattr(wage_documents, "extra_case_file_context", [lambda c: {"referrals": ["x"]}])
    text = pdf_text(render(claim, "wageclaim.case_file"), tmp_path)
    assert "移送记录" in text


def test_unsubstantiated_letter_carries_the_public_reply_and_the_limitation(tmp_path, intake, official):
    ended = timezone.localdate() - timedelta(days=100)
    claim = report(employment_ended_on=ended).claim
    services.wageclaim_start_verification(claim=claim, by=intake)
    services.wageclaim_find_unsubstantiated(claim=claim, by=official, reason="内部：证据矛盾",
                                            public_reply="经核实，用工单位已足额支付您的工资。")
    doc = GeneratedDocument.objects.for_object(claim).get(kind="wageclaim.unsubstantiated")
    data = render_document_now(doc).file.open("rb").read()
    text = pdf_text(data, tmp_path)
    limit = claim.limitation_date
    assert "经核实，用工单位已足额支付您的工资。" in text and "证据矛盾" not in text
    assert f"{limit.year}年{limit.month}月{limit.day}日" in text and "第二十七条" in text
    assert "王师傅" in text  # the letter is addressed to the worker


def test_dossier_command_renders_a_wage_claim_case_file(tmp_path):
    import io

    from django.core.management import call_command

    claim = report().claim
    out = tmp_path / "qx.pdf"
    call_command("dossier", claim.number.lower(), "-o", str(out), stdout=io.StringIO())
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "欠薪线索案卷" in text and claim.number in text and "5500.35" in text
