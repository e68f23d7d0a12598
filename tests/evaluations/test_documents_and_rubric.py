"""The evaluation PDFs (评价报告, 整改通知, 退出决定书, 案卷) embed the CJK font and name what they must; the
rubric is versioned like the checklists (a published version is frozen, a new draft copies it); the
deadlines' sweep flags an operator that misses its self-assessment."""

import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import deadlines
from core.models import Deadline, GeneratedDocument, Notification
from evaluations import services
from evaluations.models import Evaluation, Indicator, Rubric
from tests.evaluations.helpers import (approve, client_for, create_and_open, make_contract, operator_staff,
                                       public_body, walk_to_approval)

pytestmark = pytest.mark.django_db


def _text_and_fonts(doc):
    if not shutil.which("pdffonts"):
        pytest.fail("pdffonts (poppler-utils) is not installed")
    path = doc.file.path
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "Noto" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts  # embedded
    return subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout


def _doc(evaluation, kind):
    doc = GeneratedDocument.objects.get(content_type=ContentType.objects.get_for_model(Evaluation),
                                        object_id=evaluation.pk, kind=kind)
    assert doc.status == "ready", doc.error
    return doc


def test_report_and_exit_decision(official, reviewer, bureau, contract, contract_staff,
                                  django_capture_on_commit_callbacks):
    evaluation = create_and_open(official, contract=contract)
    walk_to_approval(evaluation, operator_user=contract_staff, scorer=official, reviewer=reviewer, points="20")
    with django_capture_on_commit_callbacks(execute=True):
        approve(bureau, evaluation, opinion="不合格，予以退出。")
    report = _text_and_fonts(_doc(evaluation, "evaluation.report"))
    for text in (evaluation.number, "人员队伍与业务培训", "佐证材料", "staff_training.pdf", official.get_full_name(),
                 reviewer.get_full_name(), bureau.get_full_name(), "40.00"):
        assert text in report, text
    decision = _text_and_fonts(_doc(evaluation, "evaluation.exit"))
    assert "退出决定书" in decision and contract.number in decision and "终止" in decision
    # The operator may download its documents; another operator may not.
    doc = _doc(evaluation, "evaluation.exit")
    from django.urls import reverse

    url = reverse("files:document_download", args=[doc.pk])
    assert client_for(contract_staff).get(url).status_code == 200
    other = operator_staff(make_contract().operator, username="t_other_docs")
    assert client_for(other).get(url).status_code == 404


def test_rectification_notice_and_dossier(official, reviewer, bureau, django_capture_on_commit_callbacks):
    operator, market = public_body()
    staff = operator_staff(operator)
    evaluation = create_and_open(official, operator=operator, markets=[market])
    walk_to_approval(evaluation, operator_user=staff, scorer=official, reviewer=reviewer, points="20")
    with django_capture_on_commit_callbacks(execute=True):
        approve(bureau, evaluation, requirements="重新配备专职工作人员。")
    notice = _text_and_fonts(_doc(evaluation, "evaluation.rectification"))
    assert "重新配备专职工作人员" in notice and "整改计划" in notice
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(official).post(f"/staff/evaluation/evaluations/{evaluation.number}/dossier/")
    assert response.status_code == 302
    dossier = _text_and_fonts(_doc(evaluation, "evaluation.dossier"))
    assert "提交评分" in dossier and "审批：限期整改" in dossier and "评价报告" in dossier


def test_report_on_request_before_approval(official, reviewer, contract, contract_staff,
                                           django_capture_on_commit_callbacks):
    evaluation = create_and_open(official, contract=contract)
    walk_to_approval(evaluation, operator_user=contract_staff, scorer=official, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(reviewer).post(f"/staff/evaluation/evaluations/{evaluation.number}/report/").status_code == 302
    assert "85.00" in _text_and_fonts(_doc(evaluation, "evaluation.report"))
    response = client_for(contract_staff).post(f"/staff/evaluation/evaluations/{evaluation.number}/report/")
    assert response.status_code == 302
    assert GeneratedDocument.objects.filter(kind="evaluation.report").count() == 1  # the operator may not


# ---- rubric versions ------------------------------------------------------------------------------------


def test_a_published_rubric_is_frozen_and_a_new_draft_copies_it(official):
    rubric = services.current_rubric()
    assert rubric.is_frozen and sum(i.weight for i in rubric.indicators.all()) == 100
    indicator = rubric.indicators.first()
    indicator.weight = Decimal("20")
    with pytest.raises(ValidationError):
        indicator.save()
    with pytest.raises(ValidationError):
        indicator.delete()
    draft = services.rubric_new_draft(rubric=rubric, by=None, note="调整权重")
    assert draft.number == rubric.number + 1 and not draft.is_frozen
    assert [i.code for i in draft.indicators.all()] == [i.code for i in rubric.indicators.all()]
    changed = draft.indicators.get(code="satisfaction")
    changed.weight = Decimal("20")
    changed.save()
    with pytest.raises(ValidationError, match="100"):
        services.rubric_publish(rubric=draft, by=None)
    other = draft.indicators.get(code="staff_training")
    other.weight = Decimal("5")
    other.save()
    services.rubric_publish(rubric=draft, by=None)
    assert services.current_rubric() == draft
    # An evaluation keeps the version it was created with.
    contract = make_contract()
    evaluation = services.evaluation_create(by=official, period_start=datetime.date(2026, 1, 1),
                                            period_end=datetime.date(2026, 6, 30), contract=contract)
    assert evaluation.rubric == draft
    assert Rubric.objects.get(pk=rubric.pk).indicators.get(code="satisfaction").weight == 15
    assert Indicator.objects.filter(rubric=draft, code="satisfaction").get().weight == 20


# ---- deadlines --------------------------------------------------------------------------------------------


def test_a_missed_self_assessment_is_flagged_and_the_district_told(official, contract):
    evaluation = create_and_open(official, contract=contract)
    deadline = Deadline.objects.for_object(evaluation).get()
    deadlines.sweep(now=deadline.due_at + datetime.timedelta(minutes=1))
    evaluation.refresh_from_db()
    assert evaluation.is_overdue
    assert Notification.objects.filter(recipient=official, subject__contains=evaluation.number,
                                       subject__startswith="逾期").exists()
    assert timezone.now() < deadline.due_at  # swept with a future clock; nothing else moved
