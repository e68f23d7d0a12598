"""The complaint and mediation applications' menus link their full case lists (全部投诉, 全部调解案件), as the
wage-claim menu does, and the pages only those with the permission may open: the intake forms and the
mediators' workload. The lists themselves are scoped (tests/accounts/test_scoping_routes.py)."""

import re

import pytest
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


def menu(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return "".join(re.findall(r"<vf-page-menu-navigation.*?</vf-page-menu-navigation>", response.content.decode(),
                              re.S))


def links(html):
    return set(re.findall(r'href="(/staff/(?:complaint|mediation)/[^"]*)"', html))


COMPLAINT = {"/staff/complaint/cases/", "/staff/complaint/cases/new/"}
MEDIATION = {"/staff/mediation/cases/", "/staff/mediation/intake/", "/staff/mediation/workload/"}


def test_the_district_official_gets_the_lists_the_intake_forms_and_the_workload(official):
    html = menu(official, "/staff/complaint/inbox/")
    assert COMPLAINT <= links(html) and "全部投诉" in html and "登记投诉" in html
    html = menu(official, "/staff/mediation/inbox/")
    assert MEDIATION <= links(html)
    for label in ("全部调解案件", "登记调解申请", "调解员工作量"):
        assert label in html


def test_each_role_gets_only_the_links_it_may_open(intake, mediator, bureau):
    assert links(menu(intake, "/staff/complaint/inbox/")) >= COMPLAINT
    assert links(menu(mediator, "/staff/mediation/inbox/")) & MEDIATION == {
        "/staff/mediation/cases/", "/staff/mediation/intake/"}
    # the bureau reads the lists city-wide but registers nothing and assigns no mediator
    assert links(menu(bureau, "/staff/complaint/cases/")) & COMPLAINT == {"/staff/complaint/cases/"}
    assert links(menu(bureau, "/staff/mediation/cases/")) & MEDIATION == {"/staff/mediation/cases/"}


def test_the_menu_links_are_in_english_too(official):
    client = Client()
    client.force_login(official)
    client.cookies["django_language"] = "en"
    # LocaleMiddleware leaves the request's language active in this thread: put Chinese back afterwards.
    with translation.override("zh-hans"):
        html = client.get("/staff/mediation/inbox/").content.decode()
    assert "全部调解案件" not in html and "All mediation cases" in html
