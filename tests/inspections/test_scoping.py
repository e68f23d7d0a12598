"""Who sees which inspection and notice: district staff their district, operators only their markets'
notices (another operator's notice answers 404, ADR 0001), and list/detail pages with bounded queries."""

import json

import pytest
from django.test import Client

from inspections.models import Finding, Inspection, RectificationNotice
from tests.factories import MarketFactory, Role, UserFactory, district
from tests.inspections.helpers import client_for, file_and_submit, issue, operator_for, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(inspector):
    inspection = plan(inspector)
    file_and_submit(inspector, inspection, fail=inspection.checklist.items.first())
    notice = issue(inspector, inspection)
    return inspection, notice


def test_visible_to_by_role(failed, official, other_official, bureau, partner, operator_user):
    inspection, notice = failed
    own_operator = operator_for(inspection.market)
    assert list(Inspection.objects.visible_to(official)) == [inspection]
    assert not Inspection.objects.visible_to(other_official).exists()
    assert Inspection.objects.visible_to(bureau).filter(pk=inspection.pk).exists()
    assert not Inspection.objects.visible_to(own_operator).exists()
    assert not Inspection.objects.visible_to(partner).exists()
    assert list(RectificationNotice.objects.visible_to(own_operator)) == [notice]
    assert not RectificationNotice.objects.visible_to(operator_user).exists()
    assert not RectificationNotice.objects.visible_to(other_official).exists()
    assert Finding.objects.visible_to(own_operator).count() == 1  # only the failed finding on the notice
    assert not Finding.objects.visible_to(operator_user).exists()


def test_another_operators_notice_answers_404(failed, operator_user):
    _inspection, notice = failed
    client = client_for(operator_user)
    assert client.get(notice.get_absolute_url()).status_code == 404
    assert client.post(notice.get_absolute_url(), {}).status_code == 404
    assert notice.number not in client.get("/staff/inspection/notices/").content.decode()


def test_own_operator_sees_the_notice_and_the_finding_photo(failed):
    inspection, notice = failed
    operator = operator_for(inspection.market)
    client = client_for(operator)
    page = client.get(notice.get_absolute_url())
    assert page.status_code == 200 and "反馈整改情况" in page.content.decode()
    assert notice.number in client.get("/staff/inspection/notices/").content.decode()
    from core.models import Attachment

    photo = Attachment.objects.get(object_id=notice.items.get().finding_id, content_type__model="finding")
    assert client.get(photo_url(photo)).status_code == 200
    # the inspection page itself is the bureau's
    assert client.get(inspection.get_absolute_url()).status_code == 404


def photo_url(attachment):
    from django.urls import reverse

    return reverse("files:attachment_download", args=[attachment.pk])


def test_district_b_gets_404_on_inspection_pages(failed, other_official):
    inspection, _notice = failed
    client = client_for(other_official)
    assert client.get(inspection.get_absolute_url()).status_code == 404
    assert client.get(inspection.notice.get_absolute_url()).status_code == 404
    assert inspection.number not in client.get("/staff/inspection/inspections/?status=all").content.decode()


def test_draft_endpoint_refuses_other_users(inspector, official):
    inspection = plan(inspector)
    response = client_for(official).post(f"/staff/inspection/inspections/{inspection.number}/draft/",
                                         json.dumps({"answers": {}}), content_type="application/json")
    assert response.status_code == 403


def test_inspection_list_query_count_is_bounded(inspector, official, django_assert_max_num_queries):
    for _ in range(6):
        file_and_submit(inspector, plan(inspector), fail=None)
        plan(inspector)
    client = client_for(official)
    with django_assert_max_num_queries(20):
        response = client.get("/staff/inspection/inspections/?status=all")
    assert response.status_code == 200 and response.content.decode().count("JC-") >= 12


def test_detail_and_notice_pages_query_count_is_bounded(failed, official, django_assert_max_num_queries):
    inspection, notice = failed
    client = client_for(official)
    with django_assert_max_num_queries(45):
        assert client.get(inspection.get_absolute_url()).status_code == 200
    operator = operator_for(inspection.market)
    client = client_for(operator)
    with django_assert_max_num_queries(30):
        assert client.get(notice.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/staff/inspection/notices/").status_code == 200
