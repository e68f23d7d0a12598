"""Referrals of wage claims (issue 5): every transition and refusal, the consent gate (个人信息保护法 Art. 23),
the packet (a partner sees only the chosen fields and workers), partner scoping and revoke ending access at
once, the acceptance-deadline escalation, the labour-inspection clocks, the PDFs and bounded queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import Organization
from casework.models import Referral, ReferralConsent
from casework.services import referrals as rs
from core import deadlines
from core.documents import render_document_now
from core.fsm import TransitionRefused
from core.models import Attachment, AuditEvent, Deadline, GeneratedDocument, Notification
from core.uploads import attach_file
from tests.casework.referral_helpers import (ID1, ID3, consent_all, fresh, org, partner_of, pdf_upload,
                                             sent_referral, verified_claim)
from tests.core.test_documents import pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def aid():
    return org(Organization.Kind.LEGAL_AID, "朝阳区法律援助中心（测试）")


@pytest.fixture
def aid_user(aid):
    return partner_of(aid, "t_aid")


@pytest.fixture
def other_aid_user():
    return partner_of(org(Organization.Kind.LEGAL_AID, "海淀区法律援助中心（测试）"), "t_aid_other")


@pytest.fixture
def claim(official):
    return verified_claim(by=official)


@pytest.fixture
def draft(claim, intake, aid):
    return rs.referral_draft(claim=claim, by=intake, kind=Referral.Kind.LEGAL_AID, target=aid,
                             summary="请为劳动者提供法律援助。")


@pytest.fixture
def sent(claim, intake, official, aid):
    return sent_referral(claim, officer=intake, official=official, target=aid)


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


# ---- drafting -------------------------------------------------------------------------------------------

def test_draft_takes_the_minimum_fields_and_every_worker_by_default(draft, claim):
    assert draft.status == Referral.Status.DRAFTED
    assert draft.packet_fields == ["employer", "facts", "amounts", "worker_name", "worker_phone"]
    assert set(draft.workers.all()) == set(claim.workers.all())
    assert draft.district_id == claim.district_id and draft.number.startswith("YS-")


def test_draft_refuses_an_organisation_of_the_wrong_kind(claim, intake):
    inspection = org(Organization.Kind.LABOUR_INSPECTION)
    with pytest.raises(ValidationError) as exc:
        rs.referral_draft(claim=claim, by=intake, kind=Referral.Kind.LEGAL_AID, target=inspection, summary="x")
    assert "target" in exc.value.message_dict


def test_draft_refuses_an_unverified_claim(intake, official, aid):
    from casework.services import wage as ws

    claim = verified_claim(by=official)
    unverified = ws.wageclaim_report(channel="counter", district=claim.district, employer_name="某公司",
                                     workers=[ws.Worker(name="甲", id_number="", phone="", amount_owed=Decimal("1"))],
                                     description="未核实", by=official).claim
    with pytest.raises(ValidationError) as exc:
        rs.referral_draft(claim=unverified, by=intake, kind=Referral.Kind.LEGAL_AID, target=aid, summary="x")
    assert exc.value.code == "claim_not_referable"


def test_police_transfer_needs_the_suspected_offence(claim, intake):
    police = org(Organization.Kind.POLICE, "朝阳分局（测试）")
    with pytest.raises(ValidationError) as exc:
        rs.referral_draft(claim=claim, by=intake, kind=Referral.Kind.POLICE, target=police, summary="拒不支付")
    assert "crime_basis" in exc.value.message_dict


def test_a_user_without_the_permission_cannot_draft(claim, inspector, aid):
    with pytest.raises(PermissionDenied):
        rs.referral_draft(claim=claim, by=inspector, kind=Referral.Kind.LEGAL_AID, target=aid, summary="x")


# ---- consent gate -----------------------------------------------------------------------------------------

def test_send_is_refused_without_approval(draft, intake):
    consent_all(draft, intake)
    with pytest.raises(ValidationError) as exc:
        rs.referral_send(referral=draft, by=intake)
    assert exc.value.code == "not_approved"
    assert fresh(draft).status == Referral.Status.DRAFTED


def test_send_without_every_workers_consent_is_refused_naming_them_and_nothing_changes(draft, intake, official,
                                                                                      claim):
    first = draft.workers.order_by("pk").first()
    rs.referral_record_consent(referral=draft, by=intake, worker=first, method=ReferralConsent.Method.VERBAL,
                               note="当面告知，本人同意。")
    rs.referral_approve(referral=draft, by=official)
    with pytest.raises(ValidationError) as exc:
        rs.referral_send(referral=draft, by=intake)
    message = " ".join(exc.value.messages)
    assert exc.value.code == "consent_missing"
    assert "赵小军" in message and "孙秘密" in message and "王建国" not in message
    assert "朝阳区法律援助中心（测试）" in message and "第二十三条" in message
    referral = fresh(draft)
    assert referral.status == Referral.Status.DRAFTED and referral.sent_at is None
    assert not Deadline.objects.for_object(referral).exists()
    assert not GeneratedDocument.objects.for_object(referral).exists()
    claim.refresh_from_db()
    assert claim.status == "verified"
    assert referral.consents.count() == 1  # the consent already recorded is kept


def test_consent_given_to_another_organisation_does_not_count(claim, intake, official, aid):
    other = org(Organization.Kind.LEGAL_AID, "另一法律援助中心")
    first = rs.referral_draft(claim=claim, by=intake, kind=Referral.Kind.LEGAL_AID, target=other, summary="x")
    consent_all(first, intake)
    second = rs.referral_draft(claim=claim, by=intake, kind=Referral.Kind.LEGAL_AID, target=aid, summary="x")
    rs.referral_approve(referral=second, by=official)
    assert len(second.workers_without_consent()) == 3
    with pytest.raises(ValidationError):
        rs.referral_send(referral=second, by=intake)


def test_only_the_packets_workers_need_consent(claim, intake, official, aid):
    wang = claim.workers.get(name="王建国")
    referral = rs.referral_draft(claim=claim, by=intake, kind=Referral.Kind.LEGAL_AID, target=aid, summary="x",
                                 workers=[wang])
    consent_all(referral, intake)
    rs.referral_approve(referral=referral, by=official)
    assert rs.referral_send(referral=referral, by=intake).status == Referral.Status.SENT


def test_signed_form_consent_needs_the_form_and_verbal_needs_the_record(draft, intake):
    worker = draft.workers.first()
    with pytest.raises(ValidationError) as exc:
        rs.referral_record_consent(referral=draft, by=intake, worker=worker,
                                   method=ReferralConsent.Method.SIGNED_FORM)
    assert "form_file" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        rs.referral_record_consent(referral=draft, by=intake, worker=worker, method=ReferralConsent.Method.VERBAL)
    assert "note" in exc.value.message_dict
    consent = rs.referral_record_consent(referral=draft, by=intake, worker=worker,
                                         method=ReferralConsent.Method.SIGNED_FORM, form_file=pdf_upload())
    assert Attachment.objects.for_object(consent).count() == 1
    assert consent.organization_id == draft.target_id


def test_police_transfer_needs_no_consent(claim, intake, official):
    police = org(Organization.Kind.POLICE, "朝阳分局（测试）")
    referral = rs.referral_draft(claim=claim, by=intake, kind=Referral.Kind.POLICE, target=police,
                                 summary="经责令支付仍拒不支付", crime_basis="涉嫌拒不支付劳动报酬罪（刑法第二百七十六条之一）")
    assert not referral.needs_consent
    rs.referral_approve(referral=referral, by=official)
    referral = rs.referral_send(referral=referral, by=intake)
    assert referral.status == Referral.Status.SENT
    deadline = Deadline.objects.for_object(referral).get(kind=rs.ACCEPT_KIND)
    assert deadline.unit == Deadline.Unit.CALENDAR and deadline.days == 3


# ---- sending and the partner's answers ----------------------------------------------------------------

def test_send_starts_the_3_working_day_clock_marks_the_claim_and_tells_the_partner(aid_user, sent, claim):
    assert sent.status == Referral.Status.SENT and sent.sent_at
    deadline = Deadline.objects.for_object(sent).get(kind=rs.ACCEPT_KIND)
    assert (deadline.days, deadline.unit, deadline.status) == (3, Deadline.Unit.WORKING, Deadline.Status.RUNNING)
    assert fresh(sent).due_at == deadline.due_at
    claim.refresh_from_db()
    assert claim.status == "referred"
    assert GeneratedDocument.objects.for_object(sent).filter(kind="referral.letter").count() == 1
    assert Notification.objects.filter(recipient=aid_user, object_id=sent.pk).exists()


def test_only_the_named_organisation_accepts(sent, other_aid_user, official, aid_user):
    for outsider in (other_aid_user, official):
        with pytest.raises(PermissionDenied):
            rs.referral_accept(referral=sent, by=outsider)
    referral = rs.referral_accept(referral=sent, by=aid_user, partner_case_number="朝法援〔2026〕88号")
    assert referral.status == Referral.Status.ACCEPTED and referral.accepted_by == aid_user
    assert Deadline.objects.for_object(referral).get(kind=rs.ACCEPT_KIND).status == Deadline.Status.MET
    assert GeneratedDocument.objects.for_object(referral).filter(kind="referral.receipt").count() == 1
    with pytest.raises(TransitionRefused):
        rs.referral_accept(referral=referral, by=aid_user)


def test_decline_needs_a_reason_and_the_officer_refers_again(sent, aid_user, claim, intake, official):
    with pytest.raises(ValidationError):
        rs.referral_decline(referral=sent, by=aid_user, reason="  ")
    referral = rs.referral_decline(referral=sent, by=aid_user, reason="不属于本中心受理范围")
    assert referral.status == Referral.Status.DECLINED and referral.decline_reason == "不属于本中心受理范围"
    assert not Deadline.objects.for_object(referral).running().exists()
    with pytest.raises(TransitionRefused):
        rs.referral_accept(referral=referral, by=aid_user)
    again = sent_referral(claim, officer=intake, official=official, target=org(Organization.Kind.LEGAL_AID, "第二中心"))
    assert again.status == Referral.Status.SENT and claim.referrals.count() == 2


def test_progress_outcome_and_done(sent, aid_user, intake):
    with pytest.raises(TransitionRefused):
        rs.referral_add_update(referral=sent, by=aid_user, note="还没接收")
    rs.referral_accept(referral=sent, by=aid_user)
    update = rs.referral_add_update(referral=sent, by=aid_user, note="已约谈用人单位。", files=[pdf_upload("约谈笔录.pdf")])
    assert fresh(sent).status == Referral.Status.IN_PROGRESS
    assert Attachment.objects.for_object(update).count() == 1
    rs.referral_add_update(referral=sent, by=aid_user, note="已申请仲裁。")
    assert sent.updates.count() == 2
    with pytest.raises(TransitionRefused):
        rs.referral_complete(referral=sent, by=intake)
    with pytest.raises(ValidationError):
        rs.referral_report_outcome(referral=sent, by=aid_user, recovered_amount="-1", case_stage="arbitration",
                                   closing_reason="partly_recovered")
    referral = rs.referral_report_outcome(referral=sent, by=aid_user, recovered_amount="9600.75",
                                          case_stage="arbitration", closing_reason="partly_recovered", note="仲裁调解")
    referral = fresh(referral)
    assert referral.status == Referral.Status.OUTCOME_REPORTED
    assert referral.recovered_amount == Decimal("9600.75") and isinstance(referral.recovered_amount, Decimal)
    assert GeneratedDocument.objects.for_object(referral).filter(kind="referral.outcome").count() == 1
    done = rs.referral_complete(referral=referral, by=intake)
    assert done.status == Referral.Status.DONE
    with pytest.raises(TransitionRefused):
        rs.referral_revoke(referral=done, by=intake, reason="迟了")


def test_outcome_is_refused_before_acceptance_and_after_done(sent, aid_user):
    with pytest.raises(TransitionRefused):
        rs.referral_report_outcome(referral=sent, by=aid_user, recovered_amount="1", case_stage="negotiation",
                                   closing_reason="fully_recovered")


@pytest.mark.parametrize("stage", ["drafted", "sent", "accepted", "in_progress", "outcome_reported"])
def test_the_district_revokes_at_any_state_before_done(stage, claim, intake, official, aid, aid_user):
    referral = rs.referral_draft(claim=claim, by=intake, kind=Referral.Kind.LEGAL_AID, target=aid, summary="x")
    if stage != "drafted":
        consent_all(referral, intake)
        rs.referral_approve(referral=referral, by=official)
        rs.referral_send(referral=referral, by=intake)
    if stage in ("accepted", "in_progress", "outcome_reported"):
        rs.referral_accept(referral=referral, by=aid_user)
    if stage in ("in_progress", "outcome_reported"):
        rs.referral_add_update(referral=referral, by=aid_user, note="进展")
    if stage == "outcome_reported":
        rs.referral_report_outcome(referral=referral, by=aid_user, recovered_amount="0", case_stage="negotiation",
                                   closing_reason="not_recovered")
    assert fresh(referral).status == stage
    with pytest.raises(PermissionDenied):  # an intake officer may draft but not revoke
        rs.referral_revoke(referral=referral, by=intake, reason="撤回")
    with pytest.raises(ValidationError):
        rs.referral_revoke(referral=referral, by=official, reason="")
    revoked = rs.referral_revoke(referral=referral, by=official, reason="劳动者已自行与用人单位和解")
    assert revoked.status == Referral.Status.REVOKED
    assert not Deadline.objects.for_object(revoked).running().exists()


def test_only_the_official_approves(draft, intake, official):
    with pytest.raises(PermissionDenied):
        rs.referral_approve(referral=draft, by=intake)
    assert rs.referral_approve(referral=draft, by=official).approved_by == official


def test_every_transition_is_in_the_audit_trail(sent, aid_user, intake):
    rs.referral_accept(referral=sent, by=aid_user)
    rs.referral_report_outcome(referral=sent, by=aid_user, recovered_amount="100", case_stage="negotiation",
                               closing_reason="fully_recovered")
    rs.referral_complete(referral=sent, by=intake)
    names = list(AuditEvent.objects.for_object(sent).filter(action="transition").values_list("name", flat=True))
    assert names == ["send", "accept", "report_outcome", "complete"]


# ---- deadlines ---------------------------------------------------------------------------------------------

def test_acceptance_overdue_escalates_to_the_district_official_exactly_once(sent, official):
    deadline = Deadline.objects.for_object(sent).get(kind=rs.ACCEPT_KIND)
    later = deadline.due_at + timedelta(seconds=1)
    first = deadlines.sweep(now=later)
    second = deadlines.sweep(now=later + timedelta(hours=1))
    assert first["overdue"] >= 1 and second["overdue"] == 0
    referral = fresh(sent)
    assert referral.is_overdue
    alerts = Notification.objects.filter(recipient=official, object_id=referral.pk, subject__startswith="移送逾期")
    assert alerts.count() == 1
    assert AuditEvent.objects.for_object(referral).filter(action="deadline", name="overdue").count() == 1


def test_accepting_clears_the_overdue_flag(sent, aid_user):
    deadline = Deadline.objects.for_object(sent).get(kind=rs.ACCEPT_KIND)
    deadlines.sweep(now=deadline.due_at + timedelta(seconds=1))
    assert fresh(sent).is_overdue
    assert not rs.referral_accept(referral=sent, by=aid_user).is_overdue


def test_labour_inspection_tracks_5_and_60_plus_30_working_days(claim, intake, official):
    brigade = org(Organization.Kind.LABOUR_INSPECTION, "朝阳区劳动保障监察大队（测试）")
    inspector_user = partner_of(brigade, "t_brigade")
    referral = sent_referral(claim, officer=intake, official=official, target=brigade,
                             kind=Referral.Kind.LABOUR_INSPECTION)
    accept = Deadline.objects.for_object(referral).get(kind=rs.ACCEPT_KIND)
    assert (accept.days, accept.unit) == (5, Deadline.Unit.WORKING)
    rs.referral_accept(referral=referral, by=inspector_user)
    investigate = Deadline.objects.for_object(referral).get(kind=rs.INVESTIGATE_KIND)
    assert (investigate.days, investigate.unit, investigate.status) == (60, Deadline.Unit.WORKING, "running")
    due_before = investigate.due_at
    with pytest.raises(ValidationError):
        rs.referral_extend_investigation(referral=referral, by=inspector_user, reason="")
    extended = rs.referral_extend_investigation(referral=referral, by=inspector_user, reason="案情复杂，经局负责人批准")
    assert extended.extended_days == 30 and extended.due_at > due_before
    with pytest.raises(ValidationError) as exc:
        rs.referral_extend_investigation(referral=referral, by=inspector_user, reason="再延")
    assert exc.value.code == "extended"
    rs.referral_report_outcome(referral=referral, by=inspector_user, recovered_amount="10600.75",
                               case_stage="administrative", closing_reason="fully_recovered")
    assert Deadline.objects.for_object(referral).get(kind=rs.INVESTIGATE_KIND).status == Deadline.Status.MET


# ---- the packet and partner scoping -------------------------------------------------------------------

@pytest.fixture
def narrow(claim, intake, official, aid):
    """A packet with two of three workers, no ID numbers, no facts, and one of two evidence files."""
    shown = attach_file(claim, pdf_upload("工资条.pdf"), by=intake)
    attach_file(claim, pdf_upload("内部核实记录.pdf"), by=intake)
    workers = list(claim.workers.exclude(name="孙秘密"))
    return sent_referral(claim, officer=intake, official=official, target=aid, workers=workers,
                         packet_fields=["employer", "amounts", "worker_name", "worker_phone"], attachments=[shown])


def test_partner_sees_only_the_packet(narrow, aid_user, claim):
    body = client_for(aid_user).get(narrow.get_partner_url()).content.decode()
    assert "王建国" in body and "13912345678" in body and "9600.75" in body  # full phone: they consented
    assert "北京速达建筑劳务有限公司" in body and "工资条.pdf" in body
    for secret in ("孙秘密", "13712345678", ID1, ID3, "望京工地做木工", "内部核实记录.pdf", claim.number):
        assert secret not in body, secret


def test_partner_file_downloads_only_packet_files(narrow, aid_user, claim):
    c = client_for(aid_user)
    shown = narrow.attachments.get()
    hidden = Attachment.objects.for_object(claim).exclude(pk=shown.pk).get()
    assert c.get(f"/staff/partner/cases/{narrow.number}/files/{shown.pk}/").status_code == 200
    assert c.get(f"/staff/partner/cases/{narrow.number}/files/{hidden.pk}/").status_code == 404
    # The core download route knows the claim's files belong to a claim, which partners never see.
    assert c.get(f"/files/a/{shown.pk}/").status_code == 404
    assert c.get(f"/files/a/{hidden.pk}/").status_code == 404


def test_partner_of_another_organisation_and_district_b_get_404(sent, other_aid_user, other_official, operator_user):
    assert client_for(other_aid_user).get(sent.get_partner_url()).status_code == 404
    assert sent.number not in client_for(other_aid_user).get("/staff/partner/inbox/").content.decode()
    assert client_for(other_official).get(sent.get_absolute_url()).status_code == 404
    assert client_for(other_official).get(sent.get_partner_url()).status_code == 403
    assert client_for(operator_user).get(sent.get_partner_url()).status_code == 403
    assert client_for(operator_user).get(sent.get_absolute_url()).status_code == 403


def test_partner_never_reaches_the_claim_or_the_staff_referral_page(sent, aid_user, claim):
    c = client_for(aid_user)
    assert c.get(sent.get_absolute_url()).status_code == 403
    assert c.get(claim.get_absolute_url()).status_code in (403, 404)


def test_revoke_answers_403_on_the_partners_next_request(sent, aid_user, official):
    c = client_for(aid_user)
    assert c.get(sent.get_partner_url()).status_code == 200
    letter = render_document_now(GeneratedDocument.objects.for_object(sent).get(kind="referral.letter"))
    assert c.get(f"/files/d/{letter.pk}/").status_code == 200
    rs.referral_revoke(referral=sent, by=official, reason="劳动者撤回")
    assert c.get(sent.get_partner_url()).status_code == 403
    assert c.post(f"/staff/partner/cases/{sent.number}/accept/", {}).status_code == 403
    assert c.get(f"/files/d/{letter.pk}/").status_code == 404
    listing = c.get("/staff/partner/inbox/?tab=ended").content.decode()
    assert sent.number in listing and "王建国" not in listing


def test_decline_and_done_end_access_too(sent, aid_user, claim, intake, official, aid):
    c = client_for(aid_user)
    assert c.post(f"/staff/partner/cases/{sent.number}/decline/", {"reason": "超出受理范围"}).status_code == 302
    assert c.get(sent.get_partner_url()).status_code == 403
    done = sent_referral(claim, officer=intake, official=official, target=aid)
    rs.referral_accept(referral=done, by=aid_user)
    rs.referral_report_outcome(referral=done, by=aid_user, recovered_amount="1", case_stage="negotiation",
                               closing_reason="fully_recovered")
    assert c.get(done.get_partner_url()).status_code == 200
    rs.referral_complete(referral=done, by=intake)
    assert c.get(done.get_partner_url()).status_code == 403


def test_partner_journey_through_the_views(sent, aid_user):
    c = client_for(aid_user)
    inbox = c.get("/staff/partner/inbox/").content.decode()
    assert sent.number in inbox
    assert c.post(f"/staff/partner/cases/{sent.number}/accept/", {"partner_case_number": "援2026-1"}).status_code == 302
    r = c.post(f"/staff/partner/cases/{sent.number}/update/", {"note": "已联系劳动者", "file": pdf_upload("委托书.pdf")})
    assert r.status_code == 302
    assert c.post(f"/staff/partner/cases/{sent.number}/outcome/", {"recovered_amount": "", "case_stage": "arbitration",
                                                            "closing_reason": "partly_recovered"}).status_code == 400
    r = c.post(f"/staff/partner/cases/{sent.number}/outcome/", {
        "recovered_amount": "6400.50", "case_stage": "arbitration", "closing_reason": "partly_recovered",
        "note": "仲裁调解结案"})
    assert r.status_code == 302
    referral = fresh(sent)
    assert referral.status == "outcome_reported" and referral.recovered_amount == Decimal("6400.50")
    update_file = Attachment.objects.for_object(referral.updates.get()).get()
    assert c.get(f"/staff/partner/cases/{sent.number}/files/{update_file.pk}/").status_code == 200
    assert c.get(f"/files/a/{update_file.pk}/").status_code == 200


def test_staff_journey_through_the_views(claim, intake, official, aid):
    c = client_for(intake)
    page = c.get(f"/staff/referral/new/{claim.number}/")
    assert page.status_code == 200 and "最小必要" in page.content.decode()
    workers = list(claim.workers.values_list("pk", flat=True))
    r = c.post(f"/staff/referral/new/{claim.number}/", {
        "kind": "legal_aid", "target": aid.pk, "summary": "请提供法律援助", "packet_fields": ["employer", "worker_name"],
        "workers": workers})
    assert r.status_code == 302
    referral = claim.referrals.get()
    assert referral.packet_fields == ["employer", "worker_name"]
    r = c.post(f"/staff/referral/cases/{referral.number}/send/")
    assert "批准" in " ".join(m.message for m in r.wsgi_request._messages)
    assert client_for(official).post(f"/staff/referral/cases/{referral.number}/approve/").status_code == 302
    c.post(f"/staff/referral/cases/{referral.number}/send/")
    assert fresh(referral).status == "drafted"  # no consent yet
    body = c.get(referral.get_absolute_url()).content.decode()
    assert "尚未同意" in body
    for worker in claim.workers.all():
        r = c.post(f"/staff/referral/cases/{referral.number}/consent/", {
            "worker": worker.pk, "method": "signed_form", "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "form_file": pdf_upload()})
        assert r.status_code == 302, r.content.decode()[:2000]
    c.post(f"/staff/referral/cases/{referral.number}/send/")
    assert fresh(referral).status == "sent"
    assert c.post(f"/staff/referral/cases/{referral.number}/revoke/", {"reason": "x"}).status_code == 302
    assert fresh(referral).status == "sent"  # intake may not revoke
    revoke = client_for(official).post(f"/staff/referral/cases/{referral.number}/revoke/", {"reason": "已和解"})
    assert revoke.status_code == 302
    assert fresh(referral).status == "revoked"


# ---- documents -----------------------------------------------------------------------------------------

def test_letter_names_the_organisation_the_consents_and_only_the_packet(narrow, tmp_path):
    letter = render_document_now(GeneratedDocument.objects.for_object(narrow).get(kind="referral.letter"))
    assert letter.status == "ready", letter.error
    pdf = letter.file.open("rb").read()
    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts and all(f["emb"] == "yes" for f in fonts)
    assert any("WenQuanYi" in f["name"] for f in fonts)
    text = pdf_text(pdf, tmp_path)
    assert "移送函" in text and "朝阳区法律援助中心（测试）" in text and "第二十三条" in text
    assert "王建国" in text and "口头同意" in text and "9600.75" in text
    for secret in ("孙秘密", "13712345678", ID1, "望京工地做木工", "内部核实记录"):
        assert secret not in text, secret


def test_police_letter_states_the_legal_basis_instead_of_consent(claim, intake, official, tmp_path):
    police = org(Organization.Kind.POLICE, "朝阳分局（测试）")
    referral = rs.referral_draft(claim=claim, by=intake, kind=Referral.Kind.POLICE, target=police,
                                 summary="经责令支付仍拒不支付", crime_basis="涉嫌拒不支付劳动报酬罪")
    rs.referral_approve(referral=referral, by=official)
    rs.referral_send(referral=referral, by=intake)
    letter = render_document_now(GeneratedDocument.objects.for_object(referral).get(kind="referral.letter"))
    text = pdf_text(letter.file.open("rb").read(), tmp_path)
    assert "涉嫌犯罪案件移送函" in text and "第二百七十六条之一" in text and "第十三条" in text


def test_receipt_and_outcome_report_render(sent, aid_user, tmp_path):
    rs.referral_accept(referral=sent, by=aid_user, partner_case_number="援2026-9")
    rs.referral_report_outcome(referral=sent, by=aid_user, recovered_amount="1234.56", case_stage="litigation",
                               closing_reason="partly_recovered")
    for kind, words in (("referral.receipt", ["受理回执", "援2026-9"]), ("referral.outcome", ["1234.56", "诉讼"])):
        doc = render_document_now(GeneratedDocument.objects.for_object(sent).get(kind=kind))
        assert doc.status == "ready", doc.error
        pdf = doc.file.open("rb").read()
        assert all(f["emb"] == "yes" for f in pdf_fonts(pdf, tmp_path))
        text = pdf_text(pdf, tmp_path)
        assert all(w in text for w in words), kind


# ---- query counts -------------------------------------------------------------------------------------

def test_lists_and_details_have_bounded_queries(claim, intake, official, aid, aid_user,
                                                django_assert_max_num_queries):
    referrals = [sent_referral(claim, officer=intake, official=official, target=aid) for _ in range(4)]
    for r in referrals[:2]:
        rs.referral_accept(referral=r, by=aid_user)
        rs.referral_add_update(referral=r, by=aid_user, note="进展", files=[pdf_upload("进展.pdf")])
    staff, partner = client_for(official), client_for(aid_user)
    staff.get("/staff/referral/cases/")
    partner.get("/staff/partner/inbox/")
    with django_assert_max_num_queries(15):
        assert referrals[0].number in staff.get("/staff/referral/cases/").content.decode()
    with django_assert_max_num_queries(30):
        assert staff.get(referrals[0].get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(15):
        assert referrals[3].number in partner.get("/staff/partner/inbox/").content.decode()
    with django_assert_max_num_queries(25):
        assert partner.get(referrals[0].get_partner_url()).status_code == 200
