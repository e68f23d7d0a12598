"""Mediator workload for the district official: open cases per mediator of the district (by state, overdue),
reassignment from the page respecting the conflict check, bounded queries, district scoping."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from casework import services
from casework.models import MediationCase, MediatorConflict
from core.models import AuditEvent
from tests.casework.test_mediation import CC, apply, draft, fresh
from tests.factories import Role, UserFactory

pytestmark = pytest.mark.django_db

URL = "/staff/mediation/workload/"


def login(user):
    client = Client()
    client.force_login(user)
    return client


def assigned(official, mediator, *, session=False, **over):
    case = apply(**over)
    services.mediation_accept(case=case, by=official)
    services.mediation_assign(case=case, by=official, mediator=mediator)
    if session:
        services.mediation_schedule_session(case=case, by=mediator, place="调解室",
                                            scheduled_at=timezone.now() + timedelta(days=1))
    return fresh(case)


def row(page, user):
    return page.split(f'data-mediator="{user.pk}">')[1].split("</tr>")[0]


def cells(page, user):
    import re

    return [re.sub(r"<[^>]+>", "", "<td" + c).strip() for c in row(page, user).split("<td")[2:]]


@pytest.fixture
def second(chaoyang):
    return UserFactory(username="t_mediator2", roles=[Role.MEDIATOR], district=chaoyang)


def test_counts_by_state_and_overdue_per_mediator_of_the_district(official, mediator, second, haidian,
                                                                 other_official):
    other_district = UserFactory(username="t_mediator_b", roles=[Role.MEDIATOR], district=haidian)
    assigned(official, mediator)  # assigned, not yet in session
    late = assigned(official, mediator, session=True)
    MediationCase.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))  # sweep not run yet
    signed = assigned(official, mediator, session=True)
    draft(signed, mediator)
    services.mediation_record_signatures(case=signed, by=mediator, applicant=True, respondent=True, mediator=True,
                                         seal=True)
    services.mediation_sign_agreement(case=signed, by=mediator)
    assigned(official, second, session=True)
    closed = assigned(official, second, session=True)
    services.mediation_fail(case=closed, by=second, failure_reason="party_refused")  # closed: not counted
    services.mediation_accept(case=apply(), by=official)  # waiting for a mediator

    page = login(official).get(URL).content.decode()
    # total, assigned, mediating, agreement awaiting performance, overdue, priority applicants (apply() sets one)
    assert cells(page, mediator) == ["3", "1", "1", "1", "1", "3"]
    assert cells(page, second) == ["1", "0", "1", "0", "0", "1"]
    assert "已受理待指派调解员：1 件" in page
    assert f'data-mediator="{other_district.pk}"' not in page
    b_page = login(other_official).get(URL).content.decode()
    assert f'data-mediator="{other_district.pk}"' in b_page and f'data-mediator="{mediator.pk}"' not in b_page
    assert late.number not in b_page


def test_mediators_and_intake_officers_may_not_open_it(mediator, intake):
    assert login(mediator).get(URL).status_code == 403
    assert login(intake).get(URL).status_code == 403


def test_reassign_from_the_page_and_the_conflict_check_refuses_a_related_mediator(official, mediator, second):
    case = assigned(official, mediator, session=True)
    MediatorConflict.objects.create(mediator=second, credit_code=CC, note="曾在该公司任职")
    client = login(official)
    page = client.get(URL).content.decode()
    options = page.split(f'data-case="{case.number}"')[1].split("</select>")[0]
    assert "（需回避）" in options and "（现调解员）" in options

    response = client.post(f"{URL}{case.number}/reassign/", {"mediator": second.pk, "reason": "均衡工作量"})
    assert response.status_code == 409 and "应当回避" in case_row(response, case)
    assert fresh(case).mediator == mediator

    MediatorConflict.objects.all().delete()
    response = client.post(f"{URL}{case.number}/reassign/", {"mediator": second.pk, "reason": "均衡工作量"})
    assert "已改派给" in client.get(response["Location"]).content.decode()
    case = fresh(case)
    assert case.mediator == second
    event = AuditEvent.objects.for_object(case).get(name="reassign")
    assert event.actor == official and event.reason == "均衡工作量" and event.data == {"from": mediator.pk,
                                                                                   "to": second.pk}


def case_row(response, case):
    return response.content.decode().split(f'data-case="{case.number}"')[1].split("</tr>")[0]


def test_reassign_needs_a_reason_and_a_running_mediation(official, mediator, second):
    case = assigned(official, mediator, session=True)
    client = login(official)
    response = client.post(f"{URL}{case.number}/reassign/", {"mediator": second.pk, "reason": ""})
    assert response.status_code == 409 and "请说明改派理由" in case_row(response, case)
    assert fresh(case).mediator == mediator
    waiting = apply()
    services.mediation_accept(case=waiting, by=official)
    response = client.post(f"{URL}{waiting.number}/reassign/", {"mediator": second.pk, "reason": "x"})
    # The case is not in the running list: the page says at the top which case was refused and why.
    alert = response.content.decode().split('id="reassign-refused"')[1].split("</div>")[0]
    assert response.status_code == 409 and waiting.number in alert and "只有调解进行中的案件可以改派调解员" in alert


def test_a_refused_reassignment_is_shown_again_with_what_was_typed(official, mediator, second, chaoyang):
    """A refusal (here the conflict check, recorded after the page was loaded) keeps the chosen mediator and
    the typed reason in the case's row, says why there and at the top, and keeps the page and filter."""
    case = assigned(official, mediator, session=True)
    MediatorConflict.objects.create(mediator=second, party_name="某某物流有限公司", note="亲属在该公司任职")
    MediationCase.objects.filter(pk=case.pk).update(respondent_name="某某物流有限公司")
    client = login(official)
    reason = "原调解员休假，<b>均衡</b>工作量"
    response = client.post(f"{URL}{case.number}/reassign/?mediator={mediator.pk}",
                           {"mediator": second.pk, "reason": reason})
    assert response.status_code == 409 and fresh(case).mediator == mediator
    row = case_row(response, case)
    assert 'value="原调解员休假，&lt;b&gt;均衡&lt;/b&gt;工作量"' in row  # kept, escaped
    assert f'<option value="{second.pk}" disabled selected>' in row
    assert "该调解员与本案当事人存在登记的关联关系，应当回避。" in row and 'aria-invalid="true"' in row
    assert f'/reassign/?mediator={mediator.pk}"' in row  # the next try goes back to the same filtered page
    top = response.content.decode().split('id="reassign-refused"')[1].split("</div>")[0]
    assert f"{case.number} 未改派" in top
    assert not AuditEvent.objects.for_object(case).filter(name="reassign").exists()

    # No mediator chosen: the reason stays, the error names the field.
    response = client.post(f"{URL}{case.number}/reassign/", {"mediator": "", "reason": "均衡工作量"})
    row = case_row(response, case)
    assert response.status_code == 409 and 'value="均衡工作量"' in row and "请选择调解员。" in row

    # A mediator of another district (a forged or stale choice) is refused with the district rule.
    response = client.post(f"{URL}{case.number}/reassign/", {"mediator": mediator.pk + 10_000, "reason": "x"})
    assert response.status_code == 409 and "调解员须为本区的调解员。" in case_row(response, case)

    # In English the refusal is translated too. (LocaleMiddleware leaves the request's language active in this
    # thread; the override puts Chinese back for what follows.)
    client.cookies["django_language"] = "en"
    with translation.override("zh-hans"):
        response = client.post(f"{URL}{case.number}/reassign/", {"mediator": second.pk, "reason": reason})
    client.cookies["django_language"] = "zh-hans"
    row = case_row(response, case)
    assert response.status_code == 409 and "应当回避" not in row and "must step aside" in row

    MediatorConflict.objects.all().delete()
    response = client.post(f"{URL}{case.number}/reassign/?mediator={mediator.pk}",
                           {"mediator": second.pk, "reason": "均衡工作量"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?mediator={mediator.pk}"
    assert fresh(case).mediator == second


def test_other_districts_case_is_404_for_reassignment(official, mediator, second, other_official):
    case = assigned(official, mediator, session=True)
    response = login(other_official).post(f"{URL}{case.number}/reassign/", {"mediator": second.pk, "reason": "x"})
    assert response.status_code == 404


def test_query_count_does_not_grow_with_mediators_and_cases(official, mediator, chaoyang,
                                                            django_assert_max_num_queries):
    client = login(official)
    assigned(official, mediator, session=True)
    client.get(URL)
    with django_assert_max_num_queries(20) as small:
        client.get(URL)
    for n in range(4):
        extra = UserFactory(username=f"t_mediator_x{n}", roles=[Role.MEDIATOR], district=chaoyang)
        MediatorConflict.objects.create(mediator=extra, party_name=f"某公司{n}")
        for _ in range(2):
            assigned(official, extra, session=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(URL).content.decode()
    assert page.count('data-case="') == 9


def test_the_case_page_reassignment_form_also_comes_back_with_what_was_typed(official, mediator, second):
    case = assigned(official, mediator, session=True)
    MediatorConflict.objects.create(mediator=second, credit_code=CC, note="曾在该公司任职")
    response = login(official).post(f"/staff/mediation/cases/{case.number}/reassign/",
                                    {"mediator": second.pk, "reason": "原调解员休假"})
    page = response.content.decode()
    form = page.split('action="/staff/mediation/cases/%s/reassign/"' % case.number)[1].split("</form>")[0]
    assert response.status_code == 409 and fresh(case).mediator == mediator
    assert 'value="原调解员休假"' in form and f'<option value="{second.pk}" selected>' in form
    assert "应当回避" in form
