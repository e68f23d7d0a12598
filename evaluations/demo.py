"""Demo evaluations for ``manage.py seed_demo`` (run after procurement's demo, whose contracts they evaluate):
one or more in every state, in 朝阳区 (the demo operator 北京京才汇's contract, and 朝阳区公共就业服务中心 running
its market itself) and one exit in 海淀区 (北京安业's contract).

Everything goes through the services and the flow's tasks, completed the way the task views complete them
(claim, run the service, execute), so the demo has the same audit trail, deadlines and documents as real
cases. The scorers are two demo-only accounts without a password (``pj_scorer`` in 朝阳区, ``pj_scorer_b`` in
海淀区): the four-eyes rule keeps the demo ``district`` account free to review what they scored, and
``bureau`` to approve.

Idempotent: once the demo scorer has created evaluations, nothing is added again."""

from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from viewflow.workflow import STATUS

from accounts.models import District, User
from accounts.roles import Role
from markets.models import Market, Operator

from . import services
from .flows import EvaluationFlow, open_process, submit_plan, submit_self_assessment
from .models import Evaluation

DEMO_OPERATOR = "北京京才汇人力资源服务有限公司"
PUBLIC_OPERATOR = "北京市朝阳区公共就业服务中心"
EXIT_OPERATOR = "北京安业人力资源有限公司"
SCORER, SCORER_B = "pj_scorer", "pj_scorer_b"


def _user(username, *, role, last_name, first_name, district=None, organization=None, title=""):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, last_name=last_name, first_name=first_name, title=title,
                    district=district, organization=organization)
        user.set_unusable_password()  # an actor of the demo's history, not a login
        user.save()
        user.groups.set([Group.objects.get(name=role)])
    return user


def _operator_user(operator, username):
    existing = (User.objects.filter(organization=operator.organization, groups__name=Role.OPERATOR, is_active=True)
                .order_by("pk").first())
    return existing or _user(username, role=Role.OPERATOR, last_name="运营", first_name="专员",
                             organization=operator.organization, title="运营负责人")


def complete_task(evaluation, node, user, action=None):
    """Do what a task view does on POST: lock the process, claim the task, run ``action``, execute."""
    process = open_process(evaluation)
    with EvaluationFlow.lock(process.pk), transaction.atomic():
        task = process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).get()
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(None)
        result = action() if action is not None else None
        activation.execute()
    return result


def _contract(operator_name, district_name):
    """A non-draft service contract of the operator covering a market of the district (procurement's demo)."""
    from procurement.models import ServiceContract

    return (ServiceContract.objects.filter(operator__name=operator_name, markets__district__name=district_name)
            .exclude(status="draft").order_by("pk").distinct().first())


def _self_assess(evaluation, operator_user, served=1800):
    statements = {i.pk: (f"{i.name}：已建立制度并按月落实，佐证材料见附件台账。", "85")
                  for i in services.scored_indicators(evaluation)}
    return submit_self_assessment(evaluation, by=operator_user, served_count=served,
                                  summary="评价期间共举办供需对接活动12场，服务零工人员和用工主体%(n)d人次，"
                                          "未发生安全责任事故。" % {"n": served}, statements=statements)


def _score(evaluation, scorer, points):
    existing = {s.indicator_id: s for s in evaluation.scores.all()}
    scores = {i.pk: (points, "按台账和现场核查情况评分。") for i in evaluation.rubric.indicators.all()
              if services.needs_evaluator_score(i, existing.get(i.pk))}
    complete_task(evaluation, EvaluationFlow.score, scorer, lambda: services.evaluation_submit_scores(
        evaluation=evaluation, by=scorer, scores=scores, note="材料基本齐全。"))


def _review(evaluation, reviewer):
    complete_task(evaluation, EvaluationFlow.review, reviewer, lambda: services.evaluation_review(
        evaluation=evaluation, by=reviewer, approve=True, opinion="评分有据，同意报市局审批。"))


def _approve(evaluation, approver, requirements=""):
    complete_task(evaluation, EvaluationFlow.approve, approver, lambda: services.evaluation_approve(
        evaluation=evaluation, by=approver, approve=True, opinion="同意。", requirements=requirements))


def _walk(evaluation, *, until, operator_user, scorer, reviewer, approver, points="85", requirements=""):
    """Move a fresh (draft) evaluation forward until it reaches ``until``."""
    S = Evaluation.Status
    steps = [
        (S.SELF_ASSESSMENT, lambda: services.evaluation_open(evaluation=evaluation, by=scorer)),
        (S.SCORING, lambda: _self_assess(evaluation, operator_user)),
        (S.DISTRICT_REVIEW, lambda: _score(evaluation, scorer, points)),
        (S.BUREAU_APPROVAL, lambda: _review(evaluation, reviewer)),
        ("approved", lambda: _approve(evaluation, approver, requirements)),
        (S.FOLLOW_UP_PENDING, lambda: submit_plan(evaluation, by=operator_user,
                                                  plan="一、补齐业务培训台账；二、指定数据报送专人；三、每月自查。",
                                                  complete_by=timezone.localdate() + timedelta(days=60))),
        ("follow_up", lambda: complete_task(evaluation, EvaluationFlow.follow_up, scorer,
                                            lambda: services.evaluation_start_follow_up(evaluation=evaluation,
                                                                                        by=scorer))),
    ]
    for state, step in steps:
        step()
        evaluation.refresh_from_db()
        if state == until:
            break
    return evaluation


def seed(*, stdout, cases=0):
    if Evaluation.objects.filter(created_by__username=SCORER).exists():
        stdout.write("绩效评价演示数据已存在。")
        return
    chaoyang, haidian = District.objects.get(name="朝阳区"), District.objects.get(name="海淀区")
    scorer = _user(SCORER, role=Role.DISTRICT_OFFICIAL, last_name="郑", first_name="明", district=chaoyang,
                   title="绩效评价专员")
    scorer_b = _user(SCORER_B, role=Role.DISTRICT_OFFICIAL, last_name="孔", first_name="杰", district=haidian,
                     title="绩效评价专员")
    reviewer = User.objects.get(username="district")
    reviewer_b = User.objects.get(username="district_b")
    approver = User.objects.get(username="bureau")
    contract = _contract(DEMO_OPERATOR, "朝阳区")
    exit_contract = _contract(EXIT_OPERATOR, "海淀区")
    public = Operator.objects.filter(name=PUBLIC_OPERATOR, kind=Operator.Kind.PUBLIC).first()
    if contract is None or public is None:
        stdout.write("未找到演示服务合同，跳过绩效评价演示数据。")
        return
    operator_user = _operator_user(contract.operator, "pj_jch_op")
    public_user = _operator_user(public, "pj_public_op")
    public_markets = list(public.markets.filter(district=chaoyang).exclude(status=Market.Status.CLOSED))
    people = {"scorer": scorer, "reviewer": reviewer, "approver": approver}
    S = Evaluation.Status

    def of_contract(start, end, until, **kwargs):
        evaluation = services.evaluation_create(by=scorer, period_start=start, period_end=end, contract=contract)
        if until != S.DRAFT:
            _walk(evaluation, until=until, operator_user=operator_user, **people, **kwargs)
        return evaluation

    def of_public(start, end, until, **kwargs):
        evaluation = services.evaluation_create(by=scorer, period_start=start, period_end=end, operator=public,
                                                markets=public_markets)
        _walk(evaluation, until=until, operator_user=public_user, **people, **kwargs)
        return evaluation

    made = [
        of_contract(date(2025, 1, 1), date(2025, 3, 31), "approved", points="95"),          # closed, excellent
        of_contract(date(2025, 4, 1), date(2025, 6, 30), "approved", points="80"),          # closed, pass
        of_contract(date(2025, 7, 1), date(2025, 9, 30), "follow_up", points="60",          # closed + follow-up
                    requirements="补齐业务培训台账，按月报送数据。"),
        of_contract(date(2025, 10, 1), date(2025, 12, 31), "approved", points="60",         # rectification
                    requirements="完善服务台账，落实首问负责和一次性告知制度。"),
        of_public(date(2025, 7, 1), date(2025, 12, 31), S.FOLLOW_UP_PENDING, points="20",  # public body fails
                  requirements="配齐专职工作人员，完善信息公开和服务台账。"),
        of_contract(date(2026, 1, 1), date(2026, 3, 31), S.BUREAU_APPROVAL, points="82"),
        of_contract(date(2026, 4, 1), date(2026, 6, 30), S.DISTRICT_REVIEW, points="70"),
        of_public(date(2026, 1, 1), date(2026, 6, 30), S.SCORING),
        of_contract(date(2026, 7, 1), date(2026, 9, 30), S.SELF_ASSESSMENT),
        of_contract(date(2026, 10, 1), date(2026, 10, 31), S.DRAFT),
    ]
    cancelled = services.evaluation_create(by=scorer, period_start=date(2026, 10, 1), period_end=date(2026, 12, 31),
                                           contract=contract)
    services.evaluation_cancel(evaluation=cancelled, by=scorer, reason="评价期间有误，重新发起。")
    made.append(cancelled)
    if exit_contract is not None:
        exit_user = _operator_user(exit_contract.operator, "pj_anye_op")
        evaluation = services.evaluation_create(by=scorer_b, period_start=date(2026, 1, 1),
                                                period_end=date(2026, 6, 30), contract=exit_contract)
        made.append(_walk(evaluation, until="approved", operator_user=exit_user, scorer=scorer_b,
                          reviewer=reviewer_b, approver=approver, points="20"))
    counts = {}
    for evaluation in Evaluation.objects.filter(pk__in=[e.pk for e in made]) | Evaluation.objects.filter(
            follow_up_of__in=[e.pk for e in made]):
        counts[evaluation.get_status_display()] = counts.get(evaluation.get_status_display(), 0) + 1
    stdout.write("绩效评价：" + "，".join(f"{k}{v}件" for k, v in counts.items()))
    # Payment follows performance: the contract's milestones that a passed evaluation covers can now be paid.
    from procurement.demo import settle_milestones

    settle_milestones(stdout=stdout)
