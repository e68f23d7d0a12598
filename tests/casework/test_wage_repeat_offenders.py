"""Repeat offenders (issue 5): one employer matched across wage claims, complaints and mediation cases by credit
code, and by normalised name when a case has no code; flagged at the configurable threshold in the wage list,
the complaint list and the mediation list; the employer page lists the cases, amounts claimed and recovered,
limited to what the viewer may see."""

from decimal import Decimal

import pytest
from django.test import Client

from casework.employers import employer_key
from casework.models import EmployerMention, WageClaim
from casework.repeat_offenders import EmployerRef, counts_for
from casework.services import Applicant, Claim, mediation_apply
from casework.services import wage as services
from core.validators import credit_code_check_char
from tests.casework.helpers import submit
from tests.casework.wage_helpers import CC, ID, report
from tests.factories import district

pytestmark = pytest.mark.django_db

OTHER_CC = "91110105MA01QTHR9" + credit_code_check_char("91110105MA01QTHR9")


def login(user):
    client = Client()
    client.force_login(user)
    return client


def mediation(name, code="", amount="1000.00", **over):
    data = dict(channel="oral", district=district("朝阳区"), respondent_name=name, respondent_credit_code=code,
                matters="拖欠工资", reasons="完工不结账", applicants=[Applicant(name="王", id_number=ID)],
                claims=[Claim(kind="unpaid_wages", amount=Decimal(amount))])
    data.update(over)
    return mediation_apply(**data)


def test_employer_key_normalises_width_spaces_punctuation_case_and_company_form():
    assert employer_key("北京 宏远（建筑）劳务有限责任公司") == employer_key("北京宏远(建筑)劳务有限公司") == "北京宏远建筑劳务"
    assert employer_key("ＡＢＣ　Ｌｏｇｉｓｔｉｃｓ股份有限公司") == "abclogistics"
    assert employer_key("北京宏远建筑劳务") == "北京宏远建筑劳务"
    assert employer_key("北京宏远建筑劳务有限公司") != employer_key("北京宏达建筑劳务有限公司")
    assert employer_key("有限公司") == "有限公司"  # never reduced to nothing


def test_every_case_type_is_indexed_and_kept_current(official):
    claim = report().claim
    complaint = submit(respondent_name="北京某某建筑劳务有限责任公司", respondent_credit_code="").complaint
    operator_complaint = submit(respondent_kind="operator", respondent_name="某市场运营公司").complaint
    case = mediation("北京某某建筑劳务有限公司", CC)
    mentions = {(m.content_type.model, m.object_id): m for m in EmployerMention.objects.all()}
    assert set(mentions) == {("wageclaim", claim.pk), ("complaint", complaint.pk), ("mediationcase", case.pk)}
    assert {m.key for m in mentions.values()} == {"北京某某建筑劳务"}
    assert mentions[("wageclaim", claim.pk)].credit_code == CC
    assert ("complaint", operator_complaint.pk) not in mentions  # an operator is not an employer here


def test_matching_with_a_credit_code_joins_name_variants_and_codeless_cases(official):
    a = report(employer_name="北京宏远建筑劳务有限公司").claim
    b = report(employer_name="宏远劳务（北京）").claim  # another name, same code
    submit(respondent_name="北京宏远建筑劳务有限责任公司", respondent_credit_code="")  # same name, no code
    mediation("北京宏远建筑劳务有限公司", OTHER_CC)  # same name but ANOTHER code: another employer
    ref = EmployerRef.of(a.employer_name, CC)
    assert counts_for([ref], official)[ref] == 3
    client = login(official)
    body = client.get("/staff/wageclaim/claims/").content.decode()
    assert body.count("多次涉案（3件）") == 2  # both claims flagged, linked to the employer page
    assert f"/staff/wageclaim/employers/code/{CC}/" in body
    page = client.get(f"/staff/wageclaim/employers/code/{CC}/")
    body = page.content.decode()
    assert page.status_code == 200 and a.number in body and b.number in body
    assert 'class="gc-total-cases">3<' in body
    assert 'class="gc-claimed">11000.70<' in body  # two claims of 5500.35; the complaint states no amount


def test_matching_without_a_credit_code_by_normalised_name_across_case_types(official, settings):
    settings.GIGCASE_REPEAT_OFFENDER_THRESHOLD = 3
    claim = report(employer_name="北京 鑫鑫餐饮 有限公司", employer_credit_code="",
                   workers=[services.Worker(name="赵", amount_owed=Decimal("100.10"))]).claim
    complaint = submit(respondent_name="北京鑫鑫餐饮有限责任公司", respondent_credit_code="", category="wage_arrears",
                       amount=Decimal("200.20")).complaint
    mediation("北京鑫鑫餐饮有限公司", amount="300.30")
    client = login(official)
    assert "多次涉案（3件）" in client.get("/staff/wageclaim/claims/").content.decode()
    assert "多次涉案（3件）" in client.get("/staff/complaint/cases/").content.decode()
    assert "多次涉案（3件）" in client.get("/staff/mediation/cases/").content.decode()
    page = client.get(f"/staff/wageclaim/employers/name/{claim.employer_key}/").content.decode()
    assert claim.number in page and complaint.number in page
    assert 'class="gc-claimed">600.60<' in page and 'class="gc-recovered">0.00<' in page
    settings.GIGCASE_REPEAT_OFFENDER_THRESHOLD = 4
    assert "多次涉案" not in client.get("/staff/wageclaim/claims/").content.decode()


def test_a_converted_complaint_is_counted_once_and_recovered_money_is_summed(official, intake):
    complaint = submit(respondent_name="北京某某建筑劳务有限公司", respondent_credit_code=CC,
                       amount=Decimal("1800.50")).complaint
    from casework.services import complaint_accept

    complaint_accept(complaint=complaint, by=intake)
    claim = WageClaim.objects.get(source_complaint=complaint)
    services.wageclaim_start_verification(claim=claim, by=intake)
    services.wageclaim_verify(claim=claim, by=intake, note="属实")
    services.wageclaim_start_coordination(claim=claim, by=official, place="市场")
    services.wageclaim_settle(claim=claim, by=official, paid={claim.workers.get().pk: Decimal("1000.25")})
    page = login(official).get(f"/staff/wageclaim/employers/code/{CC}/").content.decode()
    assert 'class="gc-claimed">1800.50<' in page and 'class="gc-recovered">1000.25<' in page


def test_counts_and_the_employer_page_follow_the_viewers_district(official, other_official, bureau):
    report()
    report()
    report(district=district("海淀区"))
    ref = EmployerRef.of("北京某某建筑劳务有限公司", CC)
    assert counts_for([ref], official)[ref] == 2
    assert counts_for([ref], other_official)[ref] == 1
    assert counts_for([ref], bureau)[ref] == 3
    url = f"/staff/wageclaim/employers/code/{CC}/"
    assert 'class="gc-total-cases">3<' in login(bureau).get(url).content.decode()
    assert 'class="gc-total-cases">1<' in login(other_official).get(url).content.decode()
    assert login(official).get(f"/staff/wageclaim/employers/code/{OTHER_CC}/").status_code == 404


def test_employer_page_queries_are_bounded(official, django_assert_max_num_queries):
    for _ in range(5):
        report()
        submit(respondent_credit_code=CC)
        mediation("北京某某建筑劳务有限公司", CC)
    client = login(official)
    url = f"/staff/wageclaim/employers/code/{CC}/"
    client.get(url)
    with django_assert_max_num_queries(25):
        assert 'class="gc-total-cases">15<' in client.get(url).content.decode()


def test_complaint_and_mediation_lists_stay_bounded_with_badges(official, django_assert_max_num_queries):
    for i in range(6):
        submit(respondent_credit_code=CC)
        mediation(f"北京第{i}劳务有限公司")
    client = login(official)
    client.get("/staff/complaint/cases/")
    client.get("/staff/mediation/cases/")
    with django_assert_max_num_queries(20):
        assert "多次涉案（6件）" in client.get("/staff/complaint/cases/").content.decode()
    with django_assert_max_num_queries(20):
        assert "多次涉案" not in client.get("/staff/mediation/cases/").content.decode()


def test_rebuild_command_restores_mentions_lost_to_a_bulk_import(official):
    import io

    from django.core.management import call_command

    report()
    submit(respondent_credit_code=CC)
    EmployerMention.objects.all().delete()
    call_command("rebuild_employer_index", stdout=io.StringIO())
    assert EmployerMention.objects.filter(credit_code=CC).count() == 2
