"""An evaluation of a contract covers only the contract's term (服务期, to its termination date when it ended
early): the creation page refuses a period outside it with a translated message on the field at fault and
keeps what was typed; the service and the model refuse it too; the default follow-up period stops at the
term's end."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from evaluations import services
from evaluations.flows import EvaluationFlow
from evaluations.models import Evaluation
from procurement.models import ServiceContract
from tests.evaluations.helpers import (approve, client_for, create_and_open, do_task, make_contract,
                                       operator_staff, walk_to_approval)

pytestmark = pytest.mark.django_db

NEW = "/staff/evaluation/evaluations/new/"
D = datetime.date


def refusal_codes(exc):
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def test_the_page_refuses_a_period_before_the_contract_and_keeps_the_data(official, contract):
    response = client_for(official).post(NEW, {"contract": contract.pk, "period_start": "2025-12-01",
                                               "period_end": "2026-03-31"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["period_start"] == ["评价期间起早于合同服务期（2026年1月1日至2026年12月31日）。"]
    assert "period_end" not in form.errors
    body = response.content.decode()
    assert 'value="2025-12-01"' in body and 'value="2026-03-31"' in body
    assert f'<option value="{contract.pk}" selected>' in body
    assert not Evaluation.objects.exists()


def test_the_page_refuses_a_period_after_the_contract_in_english_too(official, contract):
    data = {"contract": contract.pk, "period_start": "2026-07-01", "period_end": "2027-01-31"}
    response = client_for(official).post(NEW, data)
    assert response.context["form"].errors["period_end"] == [
        "评价期间止晚于合同服务期（2026年1月1日至2026年12月31日）。"]
    english = client_for(official).post(NEW, data, HTTP_ACCEPT_LANGUAGE="en")
    message = english.context["form"].errors["period_end"][0]
    assert message.startswith("The evaluation period ends after the contract's service period") and "2026年12月31日" in message
    assert not Evaluation.objects.exists()


def test_a_period_on_the_terms_edges_is_accepted(official, contract):
    response = client_for(official).post(NEW, {"contract": contract.pk, "period_start": "2026-01-01",
                                               "period_end": "2026-12-31"})
    assert response.status_code == 302, response.context["form"].errors
    assert Evaluation.objects.get().period_end == D(2026, 12, 31)


def test_the_service_refuses_a_period_outside_the_term(official, contract):
    with pytest.raises(ValidationError) as refused:
        services.evaluation_create(by=official, period_start=D(2025, 10, 1), period_end=D(2027, 3, 31),
                                   contract=contract)
    assert refusal_codes(refused.value) == {"period_start": ["period_outside_contract"],
                                            "period_end": ["period_outside_contract"]}
    assert not Evaluation.objects.exists()


def test_a_terminated_contract_ends_on_its_termination_date(official, contract):
    ServiceContract.objects.filter(pk=contract.pk).update(status="terminated", terminated_on=D(2026, 5, 31),
                                                          termination_kind="mutual", termination_reason="协商解除")
    contract.refresh_from_db()
    assert contract.term == (D(2026, 1, 1), D(2026, 5, 31))
    with pytest.raises(ValidationError) as refused:
        services.evaluation_create(by=official, period_start=D(2026, 1, 1), period_end=D(2026, 6, 30),
                                   contract=contract)
    assert refused.value.message_dict == {"period_end": ["评价期间止晚于合同终止日期（2026年5月31日）。"]}
    evaluation = services.evaluation_create(by=official, period_start=D(2026, 1, 1), period_end=D(2026, 5, 31),
                                            contract=contract)
    assert evaluation.period_end == D(2026, 5, 31)


def test_the_model_refuses_a_period_outside_the_term(official, contract):
    evaluation = services.evaluation_create(by=official, period_start=D(2026, 1, 1), period_end=D(2026, 6, 30),
                                            contract=contract)
    evaluation.clean()  # inside: nothing to say
    evaluation.period_end = D(2027, 6, 30)
    with pytest.raises(ValidationError) as refused:
        evaluation.clean()
    assert refusal_codes(refused.value) == {"period_end": ["period_outside_contract"]}


def test_a_public_body_has_no_contract_term(official):
    from tests.evaluations.helpers import public_body

    operator, market = public_body()
    evaluation = services.evaluation_create(by=official, period_start=D(2020, 1, 1), period_end=D(2030, 12, 31),
                                            operator=operator, markets=[market])
    evaluation.clean()
    assert evaluation.contract is None


def test_the_default_follow_up_period_stops_at_the_end_of_the_term(official, reviewer, bureau):
    today = datetime.date.today()
    contract = make_contract(end_date=today + datetime.timedelta(days=30))
    staff = operator_staff(contract.operator, username="t_term_op")
    evaluation = create_and_open(official, contract=contract, period=(D(2026, 1, 1), D(2026, 6, 30)))
    walk_to_approval(evaluation, operator_user=staff, scorer=official, reviewer=reviewer, points="60")
    approve(bureau, evaluation, requirements="补齐培训台账。")
    complete_by = today + datetime.timedelta(days=60)
    response = client_for(staff).post(f"/staff/evaluation/evaluations/{evaluation.number}/plan/",
                                      {"plan": "一、建立培训台账。", "complete_by": complete_by.isoformat()})
    assert response.status_code == 302
    # An explicit period past the term is refused on the task's form, which keeps what was typed.
    late_end = (contract.end_date + datetime.timedelta(days=1)).isoformat()
    response = do_task(official, evaluation, EvaluationFlow.follow_up,
                       {"period_start": today.isoformat(), "period_end": late_end}, expect_redirect=False)
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["period_end"]] == ["period_outside_contract"]
    assert response.context["form"]["period_end"].value() == late_end
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.FOLLOW_UP_PENDING
    # The default period: from the approval to the planned completion date, cut at the contract's end.
    do_task(official, evaluation, EvaluationFlow.follow_up, {})
    follow_up = evaluation.follow_ups.get()
    assert follow_up.period_start == today and follow_up.period_end == contract.end_date < complete_by
