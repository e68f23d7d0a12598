"""Demo wage claims for ``manage.py seed_demo`` (called from ``casework.demo.seed`` after the mediation demo):
claims in every state, all in 朝阳区, made through the services and the flow's tasks (claimed and executed the
way the task views do it). One employer has enough cases to be flagged as a repeat offender (by credit code,
and once by a name variant without a code); two claims show the arbitration limitation warning (near and
passed); one claim comes from the demo's unperformed mediation. Idempotent: recognised by a marker."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from viewflow.workflow import STATUS

from core.validators import credit_code_check_char, resident_id_check_digit

from .flows import WageClaimFlow, open_wageclaim_process
from .models import MediationCase, WageClaim
from .services import wage as services

MARKER = "（演示欠薪线索）"


def _id(serial: int) -> str:
    body = f"11010819{80 + serial % 20:02d}0{(serial % 9) + 1}1{serial % 10}{serial % 7}{serial % 3}{serial % 5}"
    return body + resident_id_check_digit(body)


def _cc(serial: int) -> str:
    body = f"91110105MA0Q{serial:05d}"
    return body + credit_code_check_char(body)


REPEAT_EMPLOYER = ("北京宏远建筑劳务有限公司", _cc(1))


def complete(claim, node, user, action):
    """What a task view does on POST: lock the process, claim the task, run one service, execute."""
    process = open_wageclaim_process(claim)
    with WageClaimFlow.lock(process.pk), transaction.atomic():
        task = process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).get()
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(None)
        action()
        activation.execute()
    return WageClaim.objects.get(pk=claim.pk)


def _report(district, n, *, employer, workers, intake, code="", channel="counter", ended_days_ago=None,
            market=None, place="望京某住宅项目工地"):
    ended = timezone.localdate() - timedelta(days=ended_days_ago) if ended_days_ago is not None else None
    today = timezone.localdate()
    return services.wageclaim_report(
        channel=channel, district=district, market=market, employer_name=employer, employer_credit_code=code,
        employer_address="朝阳区某某路甲1号", work_place=place,
        description="完工后用工单位以工程款未到位为由拖欠工资，多次催要未果。" + MARKER,
        period_start=today - timedelta(days=150), period_end=today - timedelta(days=30),
        employment_ongoing=ended is None and n % 2 == 0, employment_ended_on=ended,
        workers=[services.Worker(name=name, id_number=_id(n * 10 + i), phone=f"1370000{n:02d}{i:02d}",
                                 amount_owed=Decimal(amount), priority=i == 0 and n % 3 == 0)
                 for i, (name, amount) in enumerate(workers)],
        by=intake,
    ).claim


def _verifying(claim, intake):
    process = open_wageclaim_process(claim)
    task = process.task_set.filter(flow_task=WageClaimFlow.verify, status=STATUS.NEW).get()
    WageClaimFlow.verify.activation_class(task).assign(intake)
    return services.wageclaim_start_verification(claim=claim, by=intake)


def _verified(claim, intake):
    claim = _verifying(claim, intake)
    return complete(claim, WageClaimFlow.verify, intake, lambda: services.wageclaim_verify(
        claim=claim, by=intake, note="核对考勤表、微信聊天记录和工友证言，欠薪事实属实。"))


def _coordinating(claim, intake, mediator):
    claim = _verified(claim, intake)
    return services.wageclaim_start_coordination(claim=claim, by=mediator, place="十里堡零工市场调解室")


def _settled(claim, intake, mediator, fraction):
    claim = _coordinating(claim, intake, mediator)
    paid = {w.pk: (w.amount_owed * fraction).quantize(Decimal("0.01")) for w in claim.workers.all()}
    return services.wageclaim_settle(claim=claim, by=mediator, paid=paid, note="用工单位负责人到场，当场转账支付。")


def seed_states(district, intake, official, mediator) -> list[WageClaim]:
    rep_name, rep_code = REPEAT_EMPLOYER
    made = [_report(district, 1, employer=rep_name, code=rep_code, intake=intake,
                    workers=[("王建国", "4800.00"), ("赵小军", "3650.50"), ("李铁柱", "2999.99")])]  # reported
    made.append(_verifying(_report(district, 2, employer="北京鲜丰餐饮管理有限公司", code=_cc(2), intake=intake,
                                   workers=[("周丽", "2600.00")], channel="hotline", ended_days_ago=320),
                           intake))  # verifying; limitation near
    proposed = _verifying(_report(district, 3, employer="北京顺捷搬家服务有限公司", intake=intake,
                                  workers=[("郑海", "900.00")]), intake)
    made.append(complete(proposed, WageClaimFlow.verify, intake, lambda: services.wageclaim_propose_unsubstantiated(
        claim=proposed, by=intake, reason="用工单位提供了工资已足额转账的银行流水。",
        public_reply="经核实，用工单位已于上月通过银行转账足额支付您的工资。")))  # awaiting the official
    unfounded = _verifying(_report(district, 4, employer="北京优品保洁服务有限公司", intake=intake,
                                   workers=[("冯梅", "1500.00")]), intake)
    unfounded = complete(unfounded, WageClaimFlow.verify, intake, lambda: services.wageclaim_propose_unsubstantiated(
        claim=unfounded, by=intake, reason="银行流水和本人签字的工资单显示工资已付清。",
        public_reply="经核实，您反映的工资已于结算日付清，有银行流水和您签字的工资单为证。"))
    made.append(complete(unfounded, WageClaimFlow.approve_unsubstantiated, official,
                         lambda: services.wageclaim_find_unsubstantiated(claim=unfounded, by=official)))
    made.append(_verified(_report(district, 5, employer=rep_name, code=rep_code, intake=intake,
                                  workers=[("孙大勇", "6200.00"), ("钱二", "5100.00")], ended_days_ago=400),
                          intake))  # verified; limitation passed
    made.append(_coordinating(_report(district, 6, employer="北京盛达装饰工程有限公司", intake=intake,
                                      workers=[("褚刚", "4200.00")]), intake, mediator))
    made.append(_settled(_report(district, 7, employer="北京安居家政服务有限公司", code=_cc(7), intake=intake,
                                 workers=[("刘桂芳", "2800.00"), ("何秀英", "2200.00")]),
                         intake, mediator, Decimal("0.5")))  # settled in part, awaiting closing
    referred = _verified(_report(district, 8, employer="北京宏远建筑劳务有限责任公司", intake=intake,
                                 workers=[("吕方", "7300.00")]), intake)  # the repeat offender, no code
    made.append(services.wageclaim_mark_referred(claim=referred, by=official,
                                                 reason="用工单位拒不支付，移送劳动保障监察机构。"))
    full = _settled(_report(district, 9, employer="北京快捷外卖配送有限公司", code=_cc(9), intake=intake,
                            workers=[("卫东", "1880.00")]), intake, mediator, Decimal("1"))
    made.append(complete(full, WageClaimFlow.close, official, lambda: services.wageclaim_close(
        claim=full, by=official, outcome="fully_recovered", note="已全额支付。")))
    to_court = _verified(_report(district, 10, employer=rep_name, code=rep_code, intake=intake,
                                 workers=[("蒋涛", "3300.00")]), intake)
    services.wageclaim_mark_referred(claim=to_court, by=official, reason="移送法律援助机构。")
    made.append(complete(to_court, WageClaimFlow.close, official, lambda: services.wageclaim_close(
        claim=to_court, by=official, outcome="arbitration", note="法律援助律师已代为申请劳动仲裁。")))
    unpaid = (MediationCase.objects.filter(matters__endswith="（演示调解案例）", fulfilment_checked_at__isnull=False,
                                           wage_claims__isnull=True).order_by("pk"))
    for case in unpaid:
        if services.mediation_eligible_for_claim(case) and services.mediation_wage_amount(case) > 0:
            made.append(services.wageclaim_create_from_mediation(case=case, by=official))
            break
    return [WageClaim.objects.get(pk=c.pk) for c in made]


def seed(stdout, district, intake, official, mediator):
    if WageClaim.objects.filter(description__endswith=MARKER).exists():
        stdout.write("欠薪线索演示案例已存在，跳过。")
        return
    claims = seed_states(district, intake, official, mediator)
    stdout.write(f"欠薪线索演示案例：{len(claims)} 件（各状态齐全）：")
    for c in claims:
        stdout.write(f"  {c.number}  {c.get_status_display()}  {c.employer_name}  {c.total_owed}元")
