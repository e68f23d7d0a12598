"""The casework list pages on core.lists.FilteredListView (complaints, mediation cases, wage claims, referrals):
each filter narrows the list the way the page offers it, the select shows the value in use, the page links keep
the filters, and the records stay scoped to the user. Query bounds live with each app's tests."""

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

import config.urls  # noqa: F401  (viewflow wires node URL namespaces when the URLconf loads)
from accounts.models import Organization
from casework.models import Complaint, MediationCase, Referral, WageClaim
from casework.services import complaint_withdraw, mediation_withdraw
from casework.services import referrals as referral_services
from casework.services import wage as wage_services
from tests.casework.helpers import submit
from tests.casework.referral_helpers import org, sent_referral, verified_claim
from tests.casework.test_mediation import apply
from tests.casework.wage_helpers import CC, report
from tests.factories import district

pytestmark = pytest.mark.django_db

COMPLAINTS = "/staff/complaint/cases/"
MEDIATION = "/staff/mediation/cases/"
WAGE_CLAIMS = "/staff/wageclaim/claims/"
REFERRALS = "/staff/referral/cases/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def listed(client, url):
    """The numbers of the records the list page at ``url`` shows, in order (from the page it renders)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [obj.number for obj in response.context["page"].object_list]


def page_links(client, url):
    """The query strings of the page's pager links."""
    return [html.unescape(link) for link in re.findall(r'href="\?([^"]*page=\d+)"', client.get(url).content.decode())]


# ---- complaints ------------------------------------------------------------------------------------------


def test_complaint_list_filters(official, mediator):
    plain = submit().complaint
    urgent = submit(priority=True, category="illegal_fees", respondent_name="京城速聘信息服务部").complaint
    late = submit(respondent_name="远方劳务公司").complaint
    Complaint.objects.filter(pk=late.pk).update(is_overdue=True)
    withdrawn = submit().complaint
    complaint_withdraw(complaint=withdrawn, reason="已私下解决")
    Complaint.objects.filter(pk=plain.pk).update(assignee=mediator)
    haidian = submit(district=district("海淀区")).complaint
    client = client_for(official)
    open_ones = listed(client, COMPLAINTS)
    assert open_ones == [late.number, urgent.number, plain.number]  # overdue, then priority (by_urgency)
    assert listed(client, COMPLAINTS + "?status=open") == open_ones  # the old select's value for 未办结
    assert listed(client, COMPLAINTS + "?status=nonsense") == open_ones  # an unknown value: ignored
    assert set(listed(client, COMPLAINTS + "?status=all")) == {plain.number, urgent.number, late.number,
                                                               withdrawn.number}
    assert listed(client, COMPLAINTS + "?status=withdrawn") == [withdrawn.number]
    assert listed(client, COMPLAINTS + "?category=illegal_fees") == [urgent.number]
    assert listed(client, COMPLAINTS + "?overdue=1") == [late.number]
    assert listed(client_for(mediator), COMPLAINTS + "?mine=1") == [plain.number]
    assert listed(client, COMPLAINTS + "?q=速聘") == [urgent.number]
    assert listed(client, COMPLAINTS + "?q=" + late.number.lower()) == [late.number]
    assert haidian.number not in listed(client, COMPLAINTS + "?status=all&q=" + haidian.number)
    page = client.get(COMPLAINTS + "?status=all&category=illegal_fees&overdue=1&q=速聘").content.decode()
    assert ('<option value="all" selected>' in page and '<option value="illegal_fees" selected>' in page
            and "checked" in page and 'value="速聘"' in page)


def test_complaint_list_pages_keep_the_filters(official):
    for _ in range(26):
        submit(category="illegal_fees")
    submit()
    client = client_for(official)
    links = page_links(client, COMPLAINTS + "?category=illegal_fees&q=TS")
    assert links == ["category=illegal_fees&q=TS&page=2"]
    second = client.get(COMPLAINTS + "?" + links[0])
    assert second.context["page"].number == 2 and len(second.context["page"].object_list) == 1


# ---- mediation cases -------------------------------------------------------------------------------------


def test_mediation_list_filters(official, mediator):
    waiting, assigned, withdrawn = apply(), apply(respondent_name="京城速聘劳务公司"), apply()
    MediationCase.objects.filter(pk=assigned.pk).update(mediator=mediator)
    mediation_withdraw(case=withdrawn, reason="已与老板私下和解")
    haidian = apply(district=district("海淀区"))
    client = client_for(official)
    assert listed(client, MEDIATION) == [waiting.number, assigned.number]  # open ones, nearest deadline first
    assert set(listed(client, MEDIATION + "?status=all")) == {waiting.number, assigned.number, withdrawn.number}
    assert listed(client, MEDIATION + "?status=withdrawn") == [withdrawn.number]
    assert listed(client_for(mediator), MEDIATION + "?mine=1") == [assigned.number]
    assert haidian.number not in listed(client, MEDIATION + "?status=all")
    page = client.get(MEDIATION + "?status=all&mine=1").content.decode()
    assert '<option value="all" selected>' in page and 'name="mine" value="1" checked' in page


# ---- wage claims -----------------------------------------------------------------------------------------


def test_wage_claim_list_filters(official, intake):
    counter = report().claim  # employer credit code CC
    online = report(channel="online", employer_name="京城速聘劳务公司", employer_credit_code="",
                    employment_ongoing=False, employment_ended_on=timezone.localdate() - timedelta(days=340)).claim
    WageClaim.objects.filter(pk=online.pk).update(is_overdue=True)
    unfounded = report(employer_credit_code="").claim
    wage_services.wageclaim_start_verification(claim=unfounded, by=intake)
    wage_services.wageclaim_find_unsubstantiated(claim=unfounded, by=official, reason="证据矛盾",
                                                 public_reply="经核实，工资已足额支付。")
    haidian = report(district=district("海淀区")).claim
    client = client_for(official)
    assert listed(client, WAGE_CLAIMS) == [online.number, counter.number]  # open ones; overdue first (by_urgency)
    assert set(listed(client, WAGE_CLAIMS + "?status=all")) == {counter.number, online.number, unfounded.number}
    assert listed(client, WAGE_CLAIMS + "?status=unsubstantiated") == [unfounded.number]
    assert listed(client, WAGE_CLAIMS + "?status=nonsense&channel=online") == [online.number]  # unknown: ignored
    assert listed(client, WAGE_CLAIMS + "?overdue=1") == [online.number]
    assert listed(client, WAGE_CLAIMS + "?limitation=1") == [online.number]
    assert listed(client, WAGE_CLAIMS + "?q=速聘") == [online.number]
    assert listed(client, WAGE_CLAIMS + "?q=" + CC.lower()) == [counter.number]  # a whole credit code, any case
    assert listed(client, WAGE_CLAIMS + "?q=" + CC[:10]) == []  # part of a code is not a match
    assert haidian.number not in listed(client, WAGE_CLAIMS + "?status=all&q=" + haidian.number)
    page = client.get(WAGE_CLAIMS + "?status=all&channel=online&limitation=1").content.decode()
    assert ('<option value="all" selected>' in page and '<option value="online" selected>' in page
            and 'name="limitation" value="1" checked' in page)


# ---- referrals -------------------------------------------------------------------------------------------


def test_referral_list_filters(official, intake):
    claim = verified_claim(by=official)
    aid = org(Organization.Kind.LEGAL_AID, "朝阳区法律援助中心（测试）")
    drafted = referral_services.referral_draft(claim=claim, by=intake, kind=Referral.Kind.LEGAL_AID, target=aid,
                                               summary="请为劳动者提供法律援助。")
    sent = sent_referral(claim, officer=intake, official=official, target=aid)
    late = sent_referral(claim, officer=intake, official=official, target=aid)
    Referral.objects.filter(pk=late.pk).update(is_overdue=True)
    client = client_for(official)
    everything = listed(client, REFERRALS)  # every state by default
    assert everything[0] == late.number and set(everything) == {drafted.number, sent.number, late.number}
    assert listed(client, REFERRALS + "?status=all") == everything
    assert listed(client, REFERRALS + "?status=drafted") == [drafted.number]
    assert listed(client, REFERRALS + "?status=sent&overdue=1") == [late.number]
    page = client.get(REFERRALS + "?status=sent&overdue=1").content.decode()
    assert ('<option value="">全部状态</option>' in page and '<option value="sent" selected>' in page
            and 'name="overdue" value="1" checked' in page)


def test_referral_list_pages_keep_the_filters(official, intake):
    claim = verified_claim(by=official)
    aid = org(Organization.Kind.LEGAL_AID, "朝阳区法律援助中心（测试）")
    for _ in range(26):
        referral_services.referral_draft(claim=claim, by=intake, kind=Referral.Kind.LEGAL_AID, target=aid,
                                         summary="请为劳动者提供法律援助。")
    client = client_for(official)
    assert page_links(client, REFERRALS + "?status=drafted") == ["status=drafted&page=2"]  # was ?page=2 alone
