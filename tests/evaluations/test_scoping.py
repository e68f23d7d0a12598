"""Who sees which evaluation: district staff their district, the bureau all, operator staff only their own
operator's (another operator's answers 404), partners nothing; and the list and detail pages stay within a
fixed number of queries."""

import pytest

from evaluations.models import Evaluation
from tests.evaluations.helpers import client_for, create_and_open, make_contract, operator_staff, self_assess
from tests.factories import MarketFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(official, other_official):
    """One evaluation in 朝阳区 and one in 海淀区, of different operators."""
    a = create_and_open(official, contract=make_contract())
    hd_market = MarketFactory(district=district("海淀区"))
    b = create_and_open(other_official, contract=make_contract(hd_market.operator, [hd_market]))
    return a, b


def test_visible_to_by_role(pair, official, other_official, inspector, bureau, partner):
    a, b = pair
    assert set(Evaluation.objects.visible_to(official)) == {a}
    assert set(Evaluation.objects.visible_to(inspector)) == {a}
    assert set(Evaluation.objects.visible_to(other_official)) == {b}
    assert set(Evaluation.objects.visible_to(bureau)) == {a, b}
    assert not Evaluation.objects.visible_to(partner).exists()
    staff_a = operator_staff(a.operator)
    assert set(Evaluation.objects.visible_to(staff_a)) == {a}


def test_another_operator_gets_404(pair):
    a, b = pair
    staff_b = operator_staff(b.operator)
    for url in (a.get_absolute_url(), f"/staff/evaluation/evaluations/{a.number}/self-assessment/",
                f"/staff/evaluation/evaluations/{a.number}/plan/"):
        assert client_for(staff_b).get(url).status_code == 404, url
    assert client_for(staff_b).get(b.get_absolute_url()).status_code == 200


def test_district_b_gets_404(pair, other_official):
    a, _ = pair
    assert client_for(other_official).get(a.get_absolute_url()).status_code == 404
    assert client_for(other_official).post(f"/staff/evaluation/evaluations/{a.number}/cancel/",
                                           {"reason": "x"}).status_code == 404


def test_operator_page_hides_the_source_case_links(pair, official):
    a, _ = pair
    staff_a = operator_staff(a.operator)
    self_assess(staff_a, a)
    body = client_for(staff_a).get(a.get_absolute_url()).content.decode()
    assert a.number in body and "/staff/complaint/" not in body and "当前待办" not in body


def test_list_query_count_is_bounded(official, django_assert_max_num_queries):
    for _ in range(3):
        create_and_open(official, contract=make_contract())
    client = client_for(official)
    client.get("/staff/evaluation/evaluations/")  # warm the session and permission caches
    with django_assert_max_num_queries(14):
        response = client.get("/staff/evaluation/evaluations/?status=all")
    assert response.status_code == 200 and response.content.decode().count("PJ-2026-") >= 3
    for _ in range(5):
        create_and_open(official, contract=make_contract())
    with django_assert_max_num_queries(14):
        client.get("/staff/evaluation/evaluations/?status=all")


def test_detail_query_count_is_bounded(official, django_assert_max_num_queries):
    evaluation = create_and_open(official, contract=make_contract())
    staff = operator_staff(evaluation.operator)
    self_assess(staff, evaluation)
    client = client_for(official)
    client.get(evaluation.get_absolute_url())
    with django_assert_max_num_queries(30):
        response = client.get(evaluation.get_absolute_url())
    assert response.status_code == 200
    operator_client = client_for(staff)
    operator_client.get(evaluation.get_absolute_url())
    with django_assert_max_num_queries(24):
        assert operator_client.get(evaluation.get_absolute_url()).status_code == 200
