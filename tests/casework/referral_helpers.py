"""Builders for referral tests: a verified wage claim (through the wage services), receiving organisations and
their partner users, and a referral driven to any state through the referral services."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organization
from casework.models import Referral, ReferralConsent
from casework.services import referrals as rs
from core.validators import credit_code_check_char, resident_id_check_digit
from tests.factories import OrganizationFactory, Role, UserFactory, district

ID1 = "11010519900307123" + resident_id_check_digit("11010519900307123")
ID2 = "11010519880512234" + resident_id_check_digit("11010519880512234")
ID3 = "11010519750101345" + resident_id_check_digit("11010519750101345")
CC = "91110105MA01ABCD1" + credit_code_check_char("91110105MA01ABCD1")


def pdf_upload(name="同意书.pdf"):
    from tests.core.filesamples import PDF_BYTES, upload

    return upload(name, PDF_BYTES)


def verified_claim(*, by, district_name="朝阳区", workers=None, description="2026年9月至10月在望京工地做木工，工资未结。"):
    """A wage claim in state ``verified`` with three workers by default: filed through the wage services and
    verified through the flow's task (so the flow waits for a referral, then offers the close task)."""
    from casework.services import wage as ws

    workers = workers or [
        ws.Worker(name="王建国", id_number=ID1, phone="13912345678", amount_owed=Decimal("6400.50")),
        ws.Worker(name="赵小军", id_number=ID2, phone="13812345678", amount_owed=Decimal("3200.25")),
        ws.Worker(name="孙秘密", id_number=ID3, phone="13712345678", amount_owed=Decimal("1000.00")),
    ]
    claim = ws.wageclaim_report(
        channel="counter", district=district(district_name), employer_name="北京速达建筑劳务有限公司",
        employer_credit_code=CC, employer_address="朝阳区望京街道某某路8号", work_place="望京SOHO装修项目",
        description=description, period_start=date(2026, 9, 1), period_end=date(2026, 10, 31),
        employment_ongoing=False, employment_ended_on=date(2026, 10, 31), workers=workers, by=by).claim
    from tests.casework.wage_helpers import verify  # through the flow's real task views

    return verify(claim, by)


def org(kind=Organization.Kind.LEGAL_AID, name=None):
    return OrganizationFactory(name=name or f"测试{kind}单位", kind=kind, district=None)


def partner_of(organization, username):
    return UserFactory(username=username, roles=[Role.LEGAL_AID], district=None, organization=organization)


def consent_all(referral, by, method=ReferralConsent.Method.VERBAL):
    for worker in referral.workers.all():
        rs.referral_record_consent(referral=referral, by=by, worker=worker, method=method,
                                   given_at=timezone.now(), note="电话告知移送单位名称及提供的信息，本人同意。",
                                   form_file=pdf_upload() if method == ReferralConsent.Method.SIGNED_FORM else None)


def sent_referral(claim, *, officer, official, target, kind=Referral.Kind.LEGAL_AID, **draft):
    referral = rs.referral_draft(claim=claim, by=officer, kind=kind, target=target,
                                 summary="请为劳动者提供法律援助，追索拖欠工资。", **draft)
    consent_all(referral, officer)
    rs.referral_approve(referral=referral, by=official)
    return rs.referral_send(referral=referral, by=officer)


def fresh(referral):
    return Referral.objects.get(pk=referral.pk)


__all__ = ["ID1", "ID2", "ID3", "CC", "pdf_upload", "verified_claim", "org", "partner_of", "consent_all",
           "sent_referral", "fresh"]
