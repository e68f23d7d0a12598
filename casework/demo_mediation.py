"""Demo mediation cases for ``manage.py seed_demo`` (called from ``casework.demo.seed``): one or more in every
state a case rests in, all in 朝阳区, made through the services and the flow's tasks (claimed and executed the
way the task views do it), so they carry the same trail, clock, documents and notifications as real cases.
FULFILLED, NOT_FULFILLED and FAILED are passing states: the flow closes such cases at once, so they show as
closed with their outcome. One signed agreement is moved three weeks back (``_age``) so that its wage payment is
past due, and one case meets online. Idempotent: recognised by a marker in the matters."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from viewflow.workflow import STATUS

from core.models import Deadline
from core.validators import credit_code_check_char, resident_id_check_digit

from . import services
from .flows import MediationFlow, open_mediation_process
from .models import AgreementObligation, MediationAgreement, MediationCase, MediationSession

MARKER = "（演示调解案例）"


def _id(serial: int) -> str:
    body = f"110105199{serial % 10}0{(serial % 9) + 1}01{serial % 10}{serial % 7}{serial % 5}"
    return body + resident_id_check_digit(body)


def _cc(serial: int) -> str:
    body = f"91110105MA0T{serial:05d}"
    return body + credit_code_check_char(body)


def complete(case, node, user, action):
    """What a task view does on POST: lock the process, claim the task, run one service, execute."""
    process = open_mediation_process(case)
    with MediationFlow.lock(process.pk), transaction.atomic():
        task = process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).get()
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(None)
        action()
        activation.execute()
    return MediationCase.objects.get(pk=case.pk)


def _apply(district, n, *, respondent, workers, claims, channel="online", matters="拖欠工资"):
    applicants = [services.Applicant(name=name, id_number=_id(n * 10 + i), phone=f"1391000{n:02d}{i:02d}",
                                     priority=i == 0 and n % 2 == 0) for i, name in enumerate(workers)]
    return services.mediation_apply(
        channel=channel, district=district, applicants=applicants, respondent_name=respondent,
        respondent_credit_code=_cc(n), respondent_contact="人事部", matters=matters + MARKER,
        reasons="完工后用人单位未按约定结算报酬，多次催要未果。",
        claims=[services.Claim(kind=k, amount=Decimal(a)) for k, a in claims])


def _accept(case, official):
    return complete(case, MediationFlow.review, official, lambda: services.mediation_accept(case=case, by=official))


def _assign(case, official, mediator):
    case = _accept(case, official)
    return complete(case, MediationFlow.assign, official,
                    lambda: services.mediation_assign(case=case, by=official, mediator=mediator, reason=""))


def _mediating(case, official, mediator, *, place="十里堡零工市场调解室", online=False, participants="",
               scheduled_at=None):
    case = _assign(case, official, mediator)
    session = services.mediation_schedule_session(case=case, by=mediator, place=place, online=online,
                                                  participants=participants,
                                                  scheduled_at=scheduled_at or timezone.now() + timedelta(days=1))
    services.mediation_record_minutes(case=case, by=mediator, session=session,
                                      minutes="双方到场。申请人陈述欠薪事实，被申请人认可用工关系，对金额有异议。")
    return MediationCase.objects.get(pk=case.pk)


def _signed(case, official, mediator, amounts, *, due_in_days=7):
    # The agreement is signed at the session, which therefore lies in the past.
    case = _mediating(case, official, mediator, scheduled_at=timezone.now() - timedelta(hours=2))
    due = timezone.localdate() + timedelta(days=due_in_days)
    services.mediation_draft_agreement(case=case, by=mediator, facts="双方确认用工关系及欠付报酬数额。", obligations=[
        services.Obligation(description=f"被申请人支付申请人劳动报酬{a}元", amount=Decimal(a), due_on=due,
                            method="银行转账至申请人本人账户") for a in amounts])
    services.mediation_record_signatures(case=case, by=mediator, applicant=True, respondent=True, mediator=True,
                                         seal=True)
    return services.mediation_sign_agreement(case=case, by=mediator)


def _age(case, days):
    """Move a demo case's own dates ``days`` back (application, acceptance, assignment, session, signatures,
    the mediation clock), so that its agreement's performance date can lie in the past, as it does for a real
    case some weeks on. The audit trail keeps the moment the demo was seeded: it is append-only."""
    shift = timedelta(days=days)

    def back(queryset, *fields):
        queryset.update(**{f: F(f) - shift for f in fields})  # NULL stays NULL

    back(MediationCase.objects.filter(pk=case.pk), "received_at", "accepted_at", "assigned_at",
         "agreement_effective_at", "due_at")
    back(MediationSession.objects.filter(case=case), "scheduled_at", "recorded_at")
    back(MediationAgreement.objects.filter(case=case), "drafted_at", "applicant_signed_at", "respondent_signed_at",
         "mediator_signed_at", "seal_recorded_at")
    back(AgreementObligation.objects.filter(agreement__case=case), "due_on")
    back(Deadline.objects.for_object(case), "started_at", "due_at", "remind_at", "reminded_at", "met_at")
    return MediationCase.objects.get(pk=case.pk)


def seed_states(district, official, mediator) -> list[MediationCase]:
    made = []
    made.append(_apply(district, 1, respondent="北京速达物流有限公司", workers=["王建国", "赵小军"],
                       claims=[("unpaid_wages", "6400.00"), ("deposit_refund", "300.00")]))  # applied, 2 workers
    made.append(_accept(_apply(district, 2, respondent="北京安居家政服务有限公司", workers=["刘桂芳"],
                               claims=[("unpaid_wages", "2800.00")], channel="counter"), official))  # accepted
    declined = _apply(district, 3, respondent="北京某某科技有限公司", workers=["陈志强"],
                      claims=[("other", "50000.00")], channel="oral", matters="股权回购纠纷")
    made.append(complete(declined, MediationFlow.review, official, lambda: services.mediation_decline(
        case=declined, by=official, reason="该争议不属于劳动争议，不予受理。",
        advice="请向有管辖权的人民法院提起民事诉讼。")))
    made.append(_assign(_apply(district, 4, respondent="北京宏远建筑劳务有限公司", workers=["孙大勇"],
                               claims=[("overtime", "1200.00")]), official, mediator))  # mediator assigned
    made.append(_mediating(_apply(district, 5, respondent="北京鲜丰餐饮管理有限公司", workers=["周丽", "吴强"],
                                  claims=[("unpaid_wages", "3600.00"), ("overtime", "800.00")]),
                           official, mediator, place="线上调解：腾讯会议 612 345 789", online=True,
                           participants="十八里店街道劳动保障所 李工作人员；被申请人委托代理人"))  # in mediation, online
    made.append(_signed(_apply(district, 6, respondent="北京顺捷搬家服务有限公司", workers=["郑海"],
                               claims=[("unpaid_wages", "2000.00")]), official, mediator, ["2000.00"]))
    fulfilled = _signed(_apply(district, 7, respondent="北京优品保洁服务有限公司", workers=["冯梅"],
                               claims=[("unpaid_wages", "1500.00")]), official, mediator, ["1500.00"])
    for obligation in fulfilled.agreement.obligations.all():
        fulfilled = services.mediation_fulfil_obligation(case=fulfilled, by=mediator, obligation=obligation)
    made.append(fulfilled)  # fulfilled, then closed by the flow
    unpaid = _signed(_apply(district, 8, respondent="北京盛达装饰工程有限公司", workers=["褚刚"],
                            claims=[("unpaid_wages", "4200.00")]), official, mediator, ["4200.00"])
    made.append(services.mediation_not_fulfilled(case=unpaid, by=mediator,
                                                 reason="履行期限届满，被申请人未支付。"))  # not fulfilled → closed
    failed = _mediating(_apply(district, 9, respondent="北京快捷外卖配送有限公司", workers=["卫东"],
                               claims=[("injury_costs", "8600.00")]), official, mediator)
    made.append(services.mediation_fail(case=failed, by=mediator, failure_reason="party_refused",
                                        reason="被申请人明确拒绝调解。"))  # failed → closed
    withdrawn = _apply(district, 10, respondent="北京乐活健身有限公司", workers=["蒋涛"],
                       claims=[("deposit_refund", "500.00")])
    made.append(services.mediation_withdraw(case=withdrawn, reason="已与用人单位自行和解。"))
    # Agreement signed three weeks ago, wages due two weeks after signing and still unpaid: the case page shows
    # the worker's options (支付令, Art. 16; arbitration and its one-year limit, Arts. 15 and 27).
    overdue = _signed(_apply(district, 11, respondent="北京嘉和物业服务有限公司", workers=["韩立"],
                             claims=[("unpaid_wages", "3200.00")], channel="counter"),
                      official, mediator, ["3200.00"], due_in_days=14)
    made.append(_age(overdue, 21))  # agreement signed, payment a week past due
    return [MediationCase.objects.get(pk=c.pk) for c in made]


def seed(stdout, district, official, mediator):
    if MediationCase.objects.filter(matters__endswith=MARKER).exists():
        stdout.write("调解演示案例已存在，跳过。")
        return
    cases = seed_states(district, official, mediator)
    stdout.write(f"调解演示案例：{len(cases)} 件（各状态齐全）：")
    for c in cases:
        stdout.write(f"  {c.number}  {c.get_status_display()}  {c.respondent_name}")
