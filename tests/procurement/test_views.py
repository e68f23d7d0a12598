"""Staff pages: projects, selection round, contracts. Driven through the real views; bounded query counts;
operator staff see only their own contracts, read-only; the contract summary PDF embeds a CJK font."""

import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.test import Client

import config.urls  # noqa: F401
from core.models import GeneratedDocument
from procurement import services
from procurement.models import Candidate, PaymentMilestone, SelectionRound, ServiceContract
from tests.factories import OperatorFactory, Role, ServiceContractFactory, UserFactory, district
from tests.procurement.helpers import active_contract, project, review, score_all, selection

pytestmark = pytest.mark.django_db

CONTRACTS = "/staff/procurement/contract/list/"
PROJECTS = "/staff/procurement/project/list/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def staff_of(operator):
    return UserFactory(username=f"op_staff_{operator.pk}", roles=[Role.OPERATOR], district=None,
                       organization=operator.organization)


def _contract_with_history(official):
    contract = active_contract(official)
    for i in range(3):
        services.milestone_add(contract=contract, by=official, title=f"第{i + 1}期", amount=Decimal("1000.10"),
                               period_start=datetime.date(2026, 1 + i * 3, 1),
                               period_end=datetime.date(2026, 3 + i * 3, 28))
    renewal = services.contract_renew(contract=contract, by=official, amount="1300000.00",
                                      end_date=datetime.date(2027, 12, 31))
    return contract, renewal


def test_contract_list_and_detail_query_bounds(official, bureau, django_assert_max_num_queries):
    for _ in range(4):
        _contract_with_history(official)
    contract, _renewal = _contract_with_history(official)
    client = client_for(official)
    with django_assert_max_num_queries(14):
        page = client.get(CONTRACTS)
    assert page.status_code == 200 and contract.number in page.content.decode()
    with django_assert_max_num_queries(24):
        page = client.get(contract.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200 and "续签记录" in body and "3000.30" in body
    bureau_client = client_for(bureau)
    with django_assert_max_num_queries(14):
        assert bureau_client.get(CONTRACTS + "?status=active&district=%d" % district().pk).status_code == 200


def test_project_and_round_pages_query_bounds(official, django_assert_max_num_queries):
    rnd, candidates, members = selection(official, operators=4, panel=3)
    candidates = review(official, rnd, candidates)
    score_all(members, candidates, [["80", "81", "82", "83"]] * 3)
    client = client_for(official)
    with django_assert_max_num_queries(14):
        page = client.get(PROJECTS)
    assert page.status_code == 200 and rnd.project.name in page.content.decode()
    with django_assert_max_num_queries(16):
        assert client.get(rnd.project.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(20):
        page = client.get(rnd.get_absolute_url())
    assert page.status_code == 200 and "82.00" in page.content.decode()
    expert = client_for(members[0].user)
    with django_assert_max_num_queries(20):
        assert expert.get(rnd.get_absolute_url()).status_code == 200


def test_operator_sees_only_its_own_contracts_read_only(official):
    own = active_contract(official)
    other = active_contract(official)
    client = client_for(staff_of(own.operator))
    listing = client.get(CONTRACTS).content.decode()
    assert own.number in listing and other.number not in listing
    page = client.get(own.get_absolute_url())
    assert page.status_code == 200 and "暂停履行" not in page.content.decode()
    assert client.post(own.get_absolute_url(), {"action": "suspend", "reason": "x"}).status_code == 403
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.post(other.get_absolute_url(), {"action": "suspend", "reason": "x"}).status_code == 404
    assert client.get(PROJECTS).status_code == 403
    own.refresh_from_db()
    assert own.status == ServiceContract.Status.ACTIVE


def test_other_district_gets_404(official, other_official):
    contract = active_contract(official)
    rnd, _c, _m = selection(official, operators=0, panel=0)
    client = client_for(other_official)
    assert client.get(contract.get_absolute_url()).status_code == 404
    assert client.get(rnd.get_absolute_url()).status_code == 404
    assert client.get(rnd.project.get_absolute_url()).status_code == 404
    assert contract.number not in client.get(CONTRACTS).content.decode()


def test_contract_actions_through_the_page(official):
    contract = ServiceContractFactory(district=official.district)
    client = client_for(official)
    url = contract.get_absolute_url()
    assert client.post(url, {"action": "activate"}).status_code == 302
    page = client.post(url, {"action": "suspend", "reason": ""}, follow=True).content.decode()
    assert "请写明暂停原因" in page
    client.post(url, {"action": "suspend", "reason": "整改期间"})
    client.post(url, {"action": "resume"})
    client.post(url, {"action": "milestone", "title": "第一期", "amount": "250000.55", "period_start": "2026-01-01",
                      "period_end": "2026-03-31"})
    milestone = contract.milestones.get()
    assert milestone.amount == Decimal("250000.55")
    page = client.post(url, {"action": "approve", "milestone": milestone.pk}, follow=True).content.decode()
    assert "尚无经市局审批通过的绩效评价" in page
    milestone.refresh_from_db()
    assert milestone.status == PaymentMilestone.Status.PLANNED
    response = client.post(url, {"action": "renew", "amount": "1300000.00", "end_date": "2027-12-31"})
    renewal = ServiceContract.objects.get(previous=contract)
    assert response["Location"] == renewal.get_absolute_url()
    client.post(url, {"action": "terminate", "kind": "exit", "on_date": "2026-06-30", "reason": "绩效评价不合格"})
    contract.refresh_from_db()
    assert (contract.status, contract.termination_kind) == (ServiceContract.Status.TERMINATED, "exit")
    assert client.post(url, {"action": "resume"}).status_code == 403  # not offered any more


def test_selection_through_the_round_page(official):
    proj = project(official)
    client = client_for(official)
    response = client.post(proj.get_absolute_url(), {"title": "2026年遴选", "opens_on": "2026-01-01",
                                                      "closes_on": "2026-01-31"})
    rnd = SelectionRound.objects.get(project=proj)
    assert response["Location"] == rnd.get_absolute_url()
    url = rnd.get_absolute_url()
    a, b = OperatorFactory(licence_number="L1"), OperatorFactory()
    for op, lic in ((a, "L1"), (b, "")):
        client.post(url, {"action": "apply", "operator": op.pk, "credit_code": op.credit_code, "licence_number": lic})
    experts = [UserFactory(username=f"ex{i}", roles=[Role.DISTRICT_OFFICIAL], district=district()) for i in range(2)]
    client.post(url, {"action": "panel", "user": experts[0].pk, "declared_relations": ""})
    client.post(url, {"action": "panel", "user": experts[1].pk, "declared_relations": a.name})
    client.post(url, {"action": "close"})
    ca, cb = Candidate.objects.get(operator=a), Candidate.objects.get(operator=b)
    client.post(url, {"action": "qualify", "candidate": ca.pk})
    client.post(url, {"action": "qualify", "candidate": cb.pk})
    cb.refresh_from_db()
    assert cb.qualification == "disqualified"
    page = client.get(url).content.decode()
    assert "未提供人力资源服务许可证" in page and "回避：" in page
    expert_page = client_for(experts[1]).get(url).content.decode()
    assert "已申报关联关系，回避" in expert_page
    assert "提交评分" in client_for(experts[0]).get(url).content.decode()
    client_for(experts[0]).post(url, {"action": "score", "candidate": ca.pk, "score": "88.5", "comment": "好"})
    refused = client_for(experts[1]).post(url, {"action": "score", "candidate": ca.pk, "score": "99"}, follow=True)
    assert "须回避" in refused.content.decode()
    client.post(url, {"action": "award"})
    rnd.refresh_from_db()
    assert rnd.status == SelectionRound.Status.AWARDED and rnd.winner == ca
    assert rnd.ranking == [{"candidate": ca.pk, "operator": a.name, "mean": "88.50", "scores": 1, "rank": 1,
                            "tied": False}]
    assert ServiceContract.objects.get(selection_round=rnd).operator == a


def test_a_staff_member_off_the_panel_cannot_score(official, inspector):
    rnd, (c,), _members = selection(official, operators=1, panel=1)
    review(official, rnd, [c])
    response = client_for(inspector).post(rnd.get_absolute_url(), {"action": "score", "candidate": c.pk,
                                                                    "score": "80"})
    assert response.status_code == 403
    assert not c.scores.exists()


def test_contract_summary_pdf_embeds_cjk_font(official, django_capture_on_commit_callbacks):
    contract, _renewal = _contract_with_history(official)
    client = client_for(official)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(contract.get_absolute_url(), {"action": "summary"})
    doc = GeneratedDocument.objects.get(kind="procurement.contract_summary", object_id=contract.pk)
    assert doc.status == "ready", doc.error
    if not shutil.which("pdffonts"):
        pytest.fail("pdffonts (poppler-utils) is required")
    fonts = subprocess.run(["pdffonts", doc.file.path], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts and " yes yes " in fonts, fonts
    text = subprocess.run(["pdftotext", doc.file.path, "-"], capture_output=True, text=True, check=True).stdout
    assert contract.number in text and contract.operator.name in text and "3000.30" in text
    assert "合同生效" in text and "草稿 → 履行中" in text  # the audit trail, in words
    # the operator's staff may download their own contract's summary
    from django.urls import reverse

    assert client_for(staff_of(contract.operator)).get(
        reverse("files:document_download", args=[doc.pk])).status_code == 200
