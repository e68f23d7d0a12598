"""Wage-claim staff pages and public tracking: scoping (district B and partners get 404), bounded queries on
the list, detail, inbox and employer pages, counter intake with several workers, the arbitration limitation
warning, PII reveal, evidence upload, payments from the claim page, the mediation page's link."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from casework.flows import WageClaimFlow
from casework.models import WageClaim
from casework.services import wage as services
from core.models import Attachment, AuditEvent
from tests.casework.wage_helpers import CC, ID, ID_B, do_task, fresh, report, verify
from tests.factories import district

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def claim(db):
    return report().claim


# ---- scoping and query bounds --------------------------------------------------------------------------


def test_district_b_and_partners_get_404_and_nothing_in_lists(claim, other_official, partner):
    client = login(other_official)
    assert client.get(claim.get_absolute_url()).status_code == 404
    assert client.post(f"/staff/wageclaim/claims/{claim.number}/reveal/").status_code == 404
    # Partners are kept out of the whole application (403) and would find nothing in it (404).
    client = login(partner)
    assert client.get(claim.get_absolute_url()).status_code in (403, 404)
    assert client.post(f"/staff/wageclaim/claims/{claim.number}/reveal/").status_code in (403, 404)
    list_page = login(other_official).get("/staff/wageclaim/claims/")
    assert list_page.status_code == 200 and claim.number not in list_page.content.decode()
    assert login(partner).get("/staff/wageclaim/claims/").status_code == 403
    assert not WageClaim.objects.visible_to(partner).exists()


def test_bureau_sees_every_district_and_the_officer_keeps_a_claim_of_another_district(claim, bureau, official):
    haidian = report(district=district("海淀区")).claim
    assert set(WageClaim.objects.visible_to(bureau)) == {claim, haidian}
    assert list(WageClaim.objects.visible_to(official)) == [claim]
    WageClaim.objects.filter(pk=haidian.pk).update(officer=official)
    assert set(WageClaim.objects.visible_to(official)) == {claim, haidian}


def test_list_and_detail_queries_are_bounded(claim, official, django_assert_max_num_queries):
    for i in range(8):
        report(employer_name=f"北京第{i}建筑劳务有限公司", employer_credit_code="")
    client = login(official)
    client.get("/staff/wageclaim/claims/")
    with django_assert_max_num_queries(16):
        body = client.get("/staff/wageclaim/claims/").content.decode()
    assert claim.number in body and "5500.35" in body
    client.get(claim.get_absolute_url())
    with django_assert_max_num_queries(30):
        assert client.get(claim.get_absolute_url()).status_code == 200


def test_inbox_and_queue_show_the_employer_with_bounded_queries(claim, official, intake,
                                                                django_assert_max_num_queries):
    for _ in range(6):
        report()
    client = login(intake)
    client.get("/staff/wageclaim/queue/")
    with django_assert_max_num_queries(25):
        body = client.get("/staff/wageclaim/queue/").content.decode()
    assert claim.number in body and "北京某某建筑劳务有限公司" in body
    assert "多次涉案（7件）" in body  # threshold 3: seven claims of one employer


def test_list_filters(claim, official):
    other = report(employer_name="北京另一家公司", employer_credit_code="", employment_ongoing=False,
                   employment_ended_on=timezone.localdate() - timedelta(days=340)).claim
    client = login(official)
    body = client.get("/staff/wageclaim/claims/", {"q": "另一家"}).content.decode()
    assert other.number in body and claim.number not in body
    body = client.get("/staff/wageclaim/claims/", {"limitation": "on"}).content.decode()
    assert other.number in body and claim.number not in body
    body = client.get("/staff/wageclaim/claims/", {"status": "closed"}).content.decode()
    assert claim.number not in body
    body = client.get("/staff/wageclaim/claims/", {"q": CC}).content.decode()
    assert claim.number in body and other.number not in body


# ---- intake ----------------------------------------------------------------------------------------------


def _intake_post(**over):
    data = {
        "channel": "counter", "district": district("朝阳区").pk, "employer_name": "北京某某物流有限公司",
        "employer_credit_code": CC.lower(), "work_place": "十里堡仓库", "description": "拖欠三个月工资",
        "period_start": "2026-05-01", "period_end": "2026-08-31", "employment_ended_on": "2026-09-01",
        "workers-TOTAL_FORMS": "3", "workers-INITIAL_FORMS": "0", "workers-MIN_NUM_FORMS": "0",
        "workers-MAX_NUM_FORMS": "50",
        "workers-0-name": "王师傅", "workers-0-id_number": ID, "workers-0-phone": "13912345678",
        "workers-0-amount_owed": "3000.10",
        "workers-1-name": "李师傅", "workers-1-id_number": ID_B.lower(), "workers-1-amount_owed": "0.20",
        "workers-1-priority": "on",
    }
    data.update(over)
    return data


def test_counter_intake_records_several_workers_with_exact_amounts(intake):
    client = login(intake)
    assert client.get("/staff/wageclaim/intake/").status_code == 200
    response = client.post("/staff/wageclaim/intake/", _intake_post())
    claim = WageClaim.objects.get()
    assert response.status_code == 302 and response["Location"] == claim.get_absolute_url()
    assert claim.channel == "counter" and claim.employer_credit_code == CC and claim.created_by == intake
    assert [(w.name, w.amount_owed, w.priority) for w in claim.workers.all()] == [
        ("王师傅", Decimal("3000.10"), False), ("李师傅", Decimal("0.20"), True)]
    assert claim.total_owed == Decimal("3000.30")
    assert claim.employment_ended_on == date(2026, 9, 1) and claim.limitation_date == date(2027, 9, 1)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "3000.30" in page and "王*" in page and ID not in page


def test_counter_intake_refuses_bad_rows_and_keeps_input(intake):
    client = login(intake)
    response = client.post("/staff/wageclaim/intake/", _intake_post(**{"workers-0-id_number": "110105199003071230"}))
    assert response.status_code == 200 and not WageClaim.objects.exists()
    assert "校验位" in response.content.decode() and "北京某某物流有限公司" in response.content.decode()
    response = client.post("/staff/wageclaim/intake/", _intake_post(**{"workers-0-amount_owed": "12.345"}))
    assert response.status_code == 200 and not WageClaim.objects.exists()
    empty = {k: v for k, v in _intake_post().items() if not k.startswith("workers-0") and not k.startswith("workers-1")}
    response = client.post("/staff/wageclaim/intake/", empty)
    assert response.status_code == 200 and "至少登记一位" in response.content.decode()
    response = client.post("/staff/wageclaim/intake/", _intake_post(district=district("海淀区").pk))
    assert response.status_code == 200 and not WageClaim.objects.exists()


def test_inspectors_and_partners_cannot_register_claims(inspector, partner):
    assert login(inspector).get("/staff/wageclaim/intake/").status_code == 403
    assert login(partner).get("/staff/wageclaim/intake/").status_code == 403


# ---- limitation warning ----------------------------------------------------------------------------------


def test_limitation_date_is_one_year_after_employment_ended_and_none_while_ongoing(db):
    claim = WageClaim(employment_ended_on=date(2026, 3, 15))
    assert claim.limitation_date == date(2027, 3, 15)
    assert WageClaim(employment_ended_on=date(2024, 2, 29)).limitation_date == date(2025, 2, 28)
    assert WageClaim(employment_ongoing=True).limitation_date is None
    assert WageClaim().limitation_date is None  # end date unknown
    today = date(2027, 1, 14)
    assert claim.limitation_days_left(today) == 60 and claim.limitation_warning(today) == "near"
    assert claim.limitation_warning(date(2027, 1, 13)) == ""
    assert claim.limitation_warning(date(2027, 3, 15)) == "near"  # the last day still counts
    assert claim.limitation_warning(date(2027, 3, 16)) == "passed"


def test_claim_page_shows_the_limitation_prominently_when_near_or_passed(official):
    today = timezone.localdate()
    near = report(employment_ended_on=today - timedelta(days=330)).claim
    passed = report(employment_ended_on=today - timedelta(days=400)).claim
    far = report(employment_ended_on=today - timedelta(days=100)).claim
    ongoing = report(employment_ongoing=True).claim
    client = login(official)
    body = client.get(near.get_absolute_url()).content.decode()
    assert 'gc-limitation--near' in body and "仲裁时效将于" in body
    body = client.get(passed.get_absolute_url()).content.decode()
    assert 'gc-limitation--passed' in body and "仲裁时效已于" in body
    for quiet in (far, ongoing):
        assert "gc-limitation--" not in client.get(quiet.get_absolute_url()).content.decode()
    assert "仍存续" in client.get(ongoing.get_absolute_url()).content.decode()
    # A closed claim no longer warns.
    assert WageClaim(employment_ended_on=today - timedelta(days=400), status="closed").limitation_warning() == ""


# ---- actions on the claim page ---------------------------------------------------------------------------


def test_reveal_shows_full_pii_once_and_is_audited(claim, official, intake):
    client = login(official)
    assert ID not in client.get(claim.get_absolute_url()).content.decode()
    client.post(f"/staff/wageclaim/claims/{claim.number}/reveal/")
    assert ID in client.get(claim.get_absolute_url()).content.decode()
    assert AuditEvent.objects.for_object(claim).filter(action="view_pii", actor=official).count() == 1
    assert login(intake).post(f"/staff/wageclaim/claims/{claim.number}/reveal/").status_code == 403


def test_evidence_upload_is_checked_by_content_and_listed(claim, intake):
    from tests.core.filesamples import EXE_BYTES, PDF_BYTES, upload

    client = login(intake)
    client.post(f"/staff/wageclaim/claims/{claim.number}/evidence/",
                {"file": upload("考勤表.pdf", PDF_BYTES), "description": "考勤记录"})
    client.post(f"/staff/wageclaim/claims/{claim.number}/evidence/", {"file": upload("欠条.pdf", EXE_BYTES)})
    attachments = list(Attachment.objects.for_object(claim))
    assert [a.description for a in attachments] == ["考勤记录"]
    assert "考勤表.pdf" in client.get(claim.get_absolute_url()).content.decode()


def test_coordination_and_payments_from_the_claim_page(claim, intake, mediator, official):
    claim = verify(claim, intake)
    client = login(mediator)
    client.post(f"/staff/wageclaim/claims/{claim.number}/coordinate/", {"place": "朝阳零工市场"})
    assert fresh(claim).status == "coordinating"
    a, b = claim.workers.all()
    response = client.post(f"/staff/wageclaim/claims/{claim.number}/settle/",
                           {f"paid_{a.pk}": "3000.10", f"paid_{b.pk}": "2500.26"})  # more than owed
    assert response.status_code == 302 and fresh(claim).status == "coordinating"
    client.post(f"/staff/wageclaim/claims/{claim.number}/settle/",
                {f"paid_{a.pk}": "3000.10", f"paid_{b.pk}": "2500.25", "note": "当场支付"})
    claim = fresh(claim)
    assert claim.status == "settled" and claim.total_paid == claim.total_owed == Decimal("5500.35")
    do_task(official, claim, WageClaimFlow.close, {"outcome": "fully_recovered"})
    assert fresh(claim).status == "closed"


def test_adding_a_worker_during_verification(claim, intake):
    client = login(intake)
    client.post(f"/staff/wageclaim/claims/{claim.number}/workers/",
                {"worker-name": "赵师傅", "worker-amount_owed": "100.01", "worker-priority": "on"})
    assert fresh(claim).total_owed == Decimal("5600.36")


def test_case_file_is_requested_and_audited(claim, official):
    from core.models import GeneratedDocument

    login(official).post(f"/staff/wageclaim/claims/{claim.number}/case-file/")
    assert GeneratedDocument.objects.for_object(claim).filter(kind="wageclaim.case_file").exists()
    assert AuditEvent.objects.for_object(claim).filter(action="export", name="case_file").exists()


def test_mediation_page_links_to_conversion_and_then_to_the_claim(official, mediator, intake):
    from tests.casework.test_wage_flow import _failed_mediation

    case = _failed_mediation(official, mediator)
    client = login(intake)
    body = client.get(case.get_absolute_url()).content.decode()
    assert f"/staff/wageclaim/from-mediation/{case.number}/" in body
    claim = services.wageclaim_create_from_mediation(case=case, by=intake)
    body = client.get(case.get_absolute_url()).content.decode()
    assert claim.number in body and "from-mediation" not in body


def test_complaint_page_links_to_its_claim(intake):
    from tests.casework.helpers import submit

    complaint = submit(amount=Decimal("800.00")).complaint
    from casework.services import complaint_accept

    complaint_accept(complaint=complaint, by=intake)
    claim = WageClaim.objects.get(source_complaint=complaint)
    assert claim.number in login(intake).get(complaint.get_absolute_url()).content.decode()


# ---- public tracking -------------------------------------------------------------------------------------


def test_workers_track_a_counter_claim_with_the_code_and_their_phone(db, client):
    submission = report()
    response = client.post("/track/", {"code": submission.tracking_code, "last4": "9999"})
    assert response.status_code == 200 and "不正确" in response.content.decode()
    response = client.post("/track/", {"code": submission.tracking_code, "last4": "5678"})
    assert response.status_code == 302 and response["Location"] == "/track/wage/"
    body = client.get("/track/wage/").content.decode()
    claim = submission.claim
    assert claim.number in body and "5500.35" in body and "已登记，待核实" in body
    assert "王师傅" not in body and ID not in body and "13912345678" not in body
    client.post("/track/leave/")
    assert client.get("/track/wage/").status_code == 302


def test_unfounded_claim_shows_the_public_reply_not_the_internal_reason(db, client, intake, official):
    submission = report()
    claim = submission.claim
    services.wageclaim_start_verification(claim=claim, by=intake)
    services.wageclaim_find_unsubstantiated(claim=claim, by=official, reason="内部：证人证言矛盾",
                                            public_reply="经核实，工资已结清。")
    client.post("/track/", {"code": submission.tracking_code, "last4": "5678"})
    body = client.get("/track/wage/").content.decode()
    assert "经核实，工资已结清。" in body and "证人证言矛盾" not in body


def test_the_applications_menu_links_the_claim_list_and_intake(official, bureau):
    body = login(official).get("/staff/wageclaim/claims/").content.decode()
    assert 'href="/staff/wageclaim/claims/"' in body and 'href="/staff/wageclaim/intake/"' in body
    body = login(bureau).get("/staff/wageclaim/claims/").content.decode()
    assert 'href="/staff/wageclaim/claims/"' in body and 'href="/staff/wageclaim/intake/"' not in body
