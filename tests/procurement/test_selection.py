"""Selection rounds: applications, qualification review with reasons, panel scoring with declared relations,
award by mean score with ties reported and the ranking recorded."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.fsm import TransitionRefused
from core.models import AuditEvent
from procurement import services
from procurement.models import Candidate, SelectionRound, ServiceContract
from tests.factories import MarketFactory, OperatorFactory
from tests.procurement.helpers import active_contract, apply, review, score_all, selection

pytestmark = pytest.mark.django_db


def test_applications_close_with_the_round(official):
    rnd, candidates, _members = selection(official)
    with pytest.raises(ValidationError, match="该机构已报名本次遴选"):
        apply(official, rnd, candidates[0].operator)
    services.round_close_applications(round=rnd, by=official)
    with pytest.raises(ValidationError, match="遴选报名已截止"):
        apply(official, rnd, OperatorFactory())
    with pytest.raises(TransitionRefused, match="截止报名"):
        services.round_close_applications(round=rnd, by=official)


def test_only_the_organiser_closes_and_qualifies(official, bureau, inspector):
    rnd, candidates, _members = selection(official)
    with pytest.raises(PermissionDenied):
        services.round_close_applications(round=rnd, by=inspector)
    services.round_close_applications(round=rnd, by=official)
    with pytest.raises(PermissionDenied):
        services.candidate_qualify(candidate=candidates[0], by=bureau)


def test_qualification_before_close_is_refused(official):
    rnd, candidates, _members = selection(official)
    with pytest.raises(ValidationError, match="报名截止后才能进行资格审查"):
        services.candidate_qualify(candidate=candidates[0], by=official)


def test_qualification_reasons_per_candidate(official, settings):
    settings.GIGCASE_EXIT_BAR_YEARS = 3
    today = datetime.date.today()
    rnd, (good,), _members = selection(official, operators=1)
    other = OperatorFactory()
    no_licence = apply(official, rnd, OperatorFactory(), licence_number="")
    wrong_code = apply(official, rnd, OperatorFactory(), credit_code=other.credit_code)
    expired = apply(official, rnd, OperatorFactory(), licence_valid_until=today - datetime.timedelta(days=1))
    exited_op = OperatorFactory(licence_number="LIC-X")
    old = active_contract(official, operator=exited_op)
    services.contract_terminate(contract=old, by=official, on_date=today - datetime.timedelta(days=30),
                                reason="评价不合格", kind="exit")
    exited = apply(official, rnd, exited_op)
    qualified = review(official, rnd, [good, no_licence, wrong_code, expired, exited])
    by_pk = {c.pk: c for c in qualified}
    assert by_pk[good.pk].qualification == Candidate.Qualification.QUALIFIED
    assert by_pk[good.pk].qualification_reasons == []
    assert by_pk[no_licence.pk].qualification_reasons == ["未提供人力资源服务许可证。"]
    assert by_pk[wrong_code.pk].qualification_reasons == ["申报的统一社会信用代码与运营机构登记的不一致。"]
    assert by_pk[expired.pk].qualification_reasons[0].startswith("人力资源服务许可证已过期")
    assert by_pk[exited.pk].qualification == Candidate.Qualification.DISQUALIFIED
    assert by_pk[exited.pk].qualification_reasons == [
        f"服务合同{old.number}于{services.fmt_date(today - datetime.timedelta(days=30))}因考核不合格退出，3年内不得参与遴选。"]
    event = AuditEvent.objects.for_object(by_pk[no_licence.pk]).filter(name="qualify").get()
    assert event.to_state == "disqualified" and event.reason == "未提供人力资源服务许可证。"


def test_an_exit_older_than_the_bar_or_another_kind_does_not_disqualify(official, settings):
    settings.GIGCASE_EXIT_BAR_YEARS = 1
    today = datetime.date.today()
    op_old, op_mutual = OperatorFactory(licence_number="A"), OperatorFactory(licence_number="B")
    c1 = active_contract(official, operator=op_old, start_date=today - datetime.timedelta(days=800))
    services.contract_terminate(contract=c1, by=official, on_date=today - datetime.timedelta(days=400),
                                reason="评价不合格", kind="exit")
    c2 = active_contract(official, operator=op_mutual)
    services.contract_terminate(contract=c2, by=official, on_date=today, reason="协商一致", kind="mutual")
    rnd, _c, _m = selection(official, operators=0)
    candidates = [apply(official, rnd, op_old), apply(official, rnd, op_mutual)]
    assert [c.qualification for c in review(official, rnd, candidates)] == ["qualified", "qualified"]


def test_extra_reasons_of_the_reviewer_disqualify(official):
    rnd, (c,), _m = selection(official, operators=1)
    services.round_close_applications(round=rnd, by=official)
    c = services.candidate_qualify(candidate=c, by=official, extra_reasons=["服务方案不符合项目要求。", " "])
    assert c.qualification == "disqualified" and c.qualification_reasons == ["服务方案不符合项目要求。"]


def test_open_critical_hazard_disqualifies(official, inspector):
    from tests.inspections.helpers import file_and_submit, issue, plan

    inspection = plan(inspector)
    item = inspection.checklist.items.first()
    file_and_submit(inspector, inspection, fail=item, severity="critical")
    notice = issue(inspector, inspection)
    operator = inspection.market.operator
    operator.licence_number = "LIC-H"
    operator.save()
    rnd, _c, _m = selection(official, operators=0)
    (c,) = review(official, rnd, [apply(official, rnd, operator)])
    assert c.qualification_reasons == [f"所运营的{inspection.market.name}存在未整改的重大隐患（{notice.number}）。"]


def test_panel_scores_separately_and_related_member_abstains(official):
    rnd, (a, b), members = selection(official)
    related = services.round_add_panel_member(round=rnd, by=official, user=_user("rel"),
                                              declared_relations=a.operator.credit_code)
    with pytest.raises(ValidationError, match="当前不在评分阶段"):
        services.panel_score(candidate=a, by=members[0].user, score="80")
    a, b = review(official, rnd, [a, b])
    with pytest.raises(ValidationError, match=f"您已申报与{a.operator.name}存在关联关系，须回避"):
        services.panel_score(candidate=a, by=related.user, score="90")
    services.panel_score(candidate=b, by=related.user, score="70.5")
    with pytest.raises(PermissionDenied, match="您不是本次遴选的评审专家"):
        services.panel_score(candidate=a, by=official, score="90")
    services.panel_score(candidate=a, by=members[0].user, score="88.25")
    with pytest.raises(ValidationError, match="您已对该候选机构评分"):
        services.panel_score(candidate=a, by=members[0].user, score="89")
    for bad in ("100.01", "-1", "80.123", "abc"):
        with pytest.raises(ValidationError):
            services.panel_score(candidate=b, by=members[0].user, score=bad)
    assert a.scores.get().score == Decimal("88.25")


def test_disqualified_candidate_cannot_be_scored(official):
    rnd, (a,), members = selection(official, operators=1)
    services.round_close_applications(round=rnd, by=official)
    a = services.candidate_qualify(candidate=a, by=official, extra_reasons=["材料不全。"])
    with pytest.raises(ValidationError, match="只能对资格审查通过的候选机构评分"):
        services.panel_score(candidate=a, by=members[0].user, score="80")


def test_award_ranks_by_mean_and_creates_the_draft_contract(official):
    rnd, (a, b, c), members = selection(official, operators=3)
    a, b, c = review(official, rnd, [a, b, c])
    score_all(members, [a, b, c], [["90", "80", "70"], ["85.5", "80", "75"], ["86", "81", "70.01"]])
    with pytest.raises(ValidationError, match="中选机构须为平均分最高的候选机构"):
        services.round_award(round=rnd, by=official, winner=b)
    rnd = services.round_award(round=rnd, by=official)
    assert rnd.status == SelectionRound.Status.AWARDED and rnd.winner == a
    # (90 + 85.5 + 86) / 3 = 87.1666… → 87.17; (80 + 80 + 81) / 3 = 80.33; (70 + 75 + 70.01) / 3 = 71.67
    assert [(r["candidate"], r["mean"], r["rank"], r["tied"]) for r in rnd.ranking] == [
        (a.pk, "87.17", 1, False), (b.pk, "80.33", 2, False), (c.pk, "71.67", 3, False)]
    contract = ServiceContract.objects.get(selection_round=rnd)
    assert contract.status == ServiceContract.Status.DRAFT and contract.operator == a.operator
    assert contract.amount == Decimal("1200000.00") and contract.number.startswith("HT-2026-")
    assert set(contract.markets.all()) == set(rnd.project.markets.all())
    with pytest.raises(TransitionRefused, match="确定中选机构"):
        services.round_award(round=rnd, by=official)


def test_award_needs_every_score(official):
    rnd, (a, b), members = selection(official)
    a, b = review(official, rnd, [a, b])
    score_all(members, [a, b], [["90", "80"], ["85", "80"], ["86", None]])
    with pytest.raises(ValidationError, match="尚未对"):
        services.round_award(round=rnd, by=official)


def test_a_tie_at_the_top_is_reported_and_needs_a_choice_with_reason(official):
    rnd, (a, b, c), members = selection(official, operators=3, panel=2)
    a, b, c = review(official, rnd, [a, b, c])
    score_all(members, [a, b, c], [["90", "80", "60"], ["80", "90", "60"]])
    ranking = services.round_ranking(rnd)
    assert [(r["mean"], r["rank"], r["tied"]) for r in ranking] == [
        (Decimal("85.00"), 1, True), (Decimal("85.00"), 1, True), (Decimal("60.00"), 3, False)]
    with pytest.raises(ValidationError, match="平均分并列第一"):
        services.round_award(round=rnd, by=official)
    with pytest.raises(ValidationError, match="平均分并列第一"):
        services.round_award(round=rnd, by=official, winner=c, reason="x")
    with pytest.raises(ValidationError):
        services.round_award(round=rnd, by=official, winner=b)
    rnd = services.round_award(round=rnd, by=official, winner=b, reason="服务方案更优")
    assert rnd.winner == b and rnd.award_note == "服务方案更优"
    assert [r["tied"] for r in rnd.ranking] == [True, True, False]


def test_cancel_round(official):
    rnd, _c, _m = selection(official)
    with pytest.raises(ValidationError):
        services.round_cancel(round=rnd, by=official, reason="")
    rnd = services.round_cancel(round=rnd, by=official, reason="项目调整")
    assert rnd.status == SelectionRound.Status.CANCELLED
    with pytest.raises(TransitionRefused):
        services.round_close_applications(round=rnd, by=official)


def test_exit_bars_the_operator_from_the_next_selection(official, bureau):
    market = MarketFactory(district=official.district)
    op = OperatorFactory(licence_number="LIC-E")
    contract = active_contract(official, operator=op, markets=[market])
    services.contract_terminate(contract=contract, by=bureau, on_date=datetime.date.today(),
                                reason="绩效评价不合格，经市局审批退出", kind="exit")
    market.refresh_from_db()
    assert market.needs_operator and market.needs_operator_since == datetime.date.today()
    rnd, _c, _m = selection(official, operators=0)
    (c,) = review(official, rnd, [apply(official, rnd, op)])
    assert c.qualification == "disqualified" and contract.number in c.qualification_reasons[0]


def _user(name):
    from tests.factories import Role, UserFactory, district

    return UserFactory(username=f"u_{name}", roles=[Role.DISTRICT_OFFICIAL], district=district("朝阳区"))


def test_another_districts_official_cannot_run_the_round(official, other_official):
    rnd, (c,), _m = selection(official, operators=1)
    with pytest.raises(PermissionDenied, match="其他区"):
        apply(other_official, rnd, OperatorFactory())
    with pytest.raises(PermissionDenied, match="其他区"):
        services.round_close_applications(round=rnd, by=other_official)
    services.round_close_applications(round=rnd, by=official)
    with pytest.raises(PermissionDenied, match="其他区"):
        services.candidate_qualify(candidate=c, by=other_official)
    with pytest.raises(PermissionDenied, match="其他区"):
        services.round_award(round=rnd, by=other_official)
