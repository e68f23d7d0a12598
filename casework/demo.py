"""Demo complaints for ``manage.py seed_demo``: one or more in every state in 朝阳区, plus ``cases`` extra
ones across the districts for benchmarks.

Everything goes through the services and the flow's tasks, completed the way the task views complete them
(claim, run the one service, execute), so the demo data has the same audit trail, deadlines, documents
and notifications as real cases. The one exception is the overdue case: its acceptance clock is restarted
in the past through the deadline API (a visible cancel/start in its trail) and the regular sweep then
flags and escalates it.

Idempotent: the state set is recognised by a marker in the description and created once; the extra cases
carry another marker and only the missing number is added on a second run."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from viewflow.workflow import STATUS

from accounts.models import District, User
from core import deadlines
from core.models import Notification
from core.validators import credit_code_check_char
from markets.models import Market

from . import services
from .flows import ComplaintFlow, open_process
from .models import Complaint, SatisfactionSurvey

DEMO_MARKER = "（演示案例）"
BULK_MARKER = "（基准测试数据）"
DISTRICT = "朝阳区"


def _credit_code(serial: int) -> str:
    body = f"91110105MA0{serial:06d}"
    return body + credit_code_check_char(body)


# ---- completing flow tasks in code ---------------------------------------------------------------------


def complete_task(complaint, node, user, action=None):
    """Do what a task view does on POST: take the process lock, claim the task for ``user`` if it is
    unassigned, run ``action`` (one service call), then execute the task so the flow moves on."""
    process = open_process(complaint)
    if process is None:
        raise LookupError(f"{complaint.number} has no running process")
    with ComplaintFlow.lock(process.pk), transaction.atomic():
        task = process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).get()
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(None)  # the request is only passed on to the task_started signal
        if action is not None:
            action()
        activation.execute()
    return Complaint.objects.get(pk=complaint.pk)


def review(complaint, intake, action):
    return complete_task(complaint, ComplaintFlow.review, intake, action)


def accept(complaint, intake):
    return review(complaint, intake, lambda: services.complaint_accept(complaint=complaint, by=intake))


def assign(complaint, official, assignee):
    return complete_task(complaint, ComplaintFlow.assign, official,
                         lambda: services.complaint_assign(complaint=complaint, by=official, assignee=assignee))


def start_investigation(complaint, assignee):
    # The investigation view's "开始调查" button: a service call that leaves the task open.
    services.complaint_start_investigation(complaint=complaint, by=assignee)
    return Complaint.objects.get(pk=complaint.pk)


def resolve(complaint, assignee, *, outcome, public_reply):
    return complete_task(complaint, ComplaintFlow.investigate, assignee, lambda: services.complaint_resolve(
        complaint=complaint, by=assignee, outcome=outcome, public_reply=public_reply))


def refer(complaint, assignee, *, target, organization, public_reply):
    return complete_task(complaint, ComplaintFlow.investigate, assignee, lambda: services.complaint_refer(
        complaint=complaint, by=assignee, target=target, organization=organization, public_reply=public_reply))


# ---- the state set ----------------------------------------------------------------------------------


def _submit(district, market, marker, **fields):
    fields.setdefault("respondent_kind", Complaint.RespondentKind.EMPLOYER)
    fields.setdefault("consent", not fields.get("anonymous", False))
    fields["description"] = fields["description"] + marker
    return services.complaint_submit(channel=fields.pop("channel", Complaint.Channel.ONLINE), district=district,
                                     market=market, **fields)


def _market(code, district):
    return (Market.objects.published().filter(code=code, district=district).first()
            or Market.objects.published().filter(district=district).first())


def _seed_states(district, intake, official, mediator) -> dict[str, tuple[str, str]]:
    """One or more complaints in every state; returns {label: (case number, tracking code)} for a few."""
    m_main = _market("cy-shibalidian", district)
    m_tyg = _market("cy-taiyanggong", district)
    m_sj = _market("cy-shuangjing", district)
    m_db = _market("cy-dongba", district)
    shown = {}

    def keep(label, submission):
        shown[label] = (submission.complaint.number, submission.tracking_code)
        return submission.complaint

    # submitted: a named one and an anonymous one
    first = keep("待受理（手机后四位 1001）", _submit(
        district, m_main, DEMO_MARKER, category=Complaint.Category.WAGE_ARREARS,
        respondent_name="北京恒达建筑劳务有限公司", respondent_credit_code=_credit_code(101),
        description="11月在十八里店零工市场接了恒达公司的拆除活，干了5天，约定每天300元，至今只给了500元。",
        occurred_on=timezone.localdate() - timedelta(days=12), amount=1000,
        complainant_name="王建国", complainant_phone="13900001001"))
    keep("匿名待受理（只需查询码）", _submit(
        district, m_tyg, DEMO_MARKER, category=Complaint.Category.ILLEGAL_FEES, anonymous=True,
        respondent_kind=Complaint.RespondentKind.PERSON, respondent_name="驿站门口自称“中介老刘”的人",
        description="驿站门口有人以介绍工作为名，每人收取200元“报名费”，收钱后不安排工作。"))

    # info requested: every missing item in one notice (一次性告知)
    c = keep("待补正（手机后四位 1002）", _submit(
        district, m_sj, DEMO_MARKER, category=Complaint.Category.WAGE_ARREARS, respondent_name="某装修队",
        description="在双井附近给一家装修队干活，老板欠了两千块钱不给。",
        complainant_name="李秀英", complainant_phone="13900001002"))
    review(c, intake, lambda: services.complaint_request_info(complaint=c, by=intake, missing_items=[
        "被投诉装修队负责人的姓名或联系电话", "干活的具体地址和起止日期", "约定工钱的证据（聊天记录、转账记录或证人）"]))

    # rejection proposed (awaiting the official), and rejected (approved)
    c = _submit(district, None, DEMO_MARKER, category=Complaint.Category.OTHER,
                respondent_kind=Complaint.RespondentKind.UNKNOWN,
                description="2022年在外地工地干活被拖欠工资，想请你们帮忙要回来。",
                complainant_name="张志强", complainant_phone="13900001003").complaint
    review(c, intake, lambda: services.complaint_propose_rejection(
        complaint=c, by=intake, reason="用工地点在外省，不属于本局管辖。\n违法行为发生已超过两年，劳动保障监察不再查处。"))
    c = _submit(district, None, DEMO_MARKER, category=Complaint.Category.SERVICE_QUALITY,
                respondent_kind=Complaint.RespondentKind.UNKNOWN,
                description="希望政府多建一些零工驿站，离家太远了。",
                complainant_name="赵红梅", complainant_phone="13900001004").complaint
    review(c, intake, lambda: services.complaint_propose_rejection(
        complaint=c, by=intake, reason="所提事项为意见建议，不属于投诉举报受理范围，已转相关科室参考。"))
    complete_task(c, ComplaintFlow.approve_rejection, official,
                  lambda: services.complaint_approve_rejection(complaint=c, by=official))

    # accepted; assigned; investigating (a priority case: clause (十四))
    c = _submit(district, m_main, DEMO_MARKER, category=Complaint.Category.ID_SEIZURE,
                respondent_name="北京顺通物流有限公司", respondent_credit_code=_credit_code(102),
                description="顺通物流招装卸工，入职时扣下了我的身份证，说干满一个月才还。",
                complainant_name="孙立军", complainant_phone="13900001005").complaint
    accept(c, intake)
    c = _submit(district, m_db, DEMO_MARKER, category=Complaint.Category.FALSE_INFORMATION,
                respondent_name="北京优家保洁服务有限公司", respondent_credit_code=_credit_code(103),
                description="招聘信息写日结250元包午饭，到了现场变成按平米计件，一天只挣了80元。",
                complainant_name="周海涛", complainant_phone="13900001006").complaint
    assign(accept(c, intake), official, mediator)
    c = _submit(district, m_main, DEMO_MARKER, category=Complaint.Category.WAGE_ARREARS,
                respondent_name="北京恒达建筑劳务有限公司", respondent_credit_code=_credit_code(101),
                description="恒达公司班组长拖欠我和另外三名工友共计6400元工钱。", amount=6400,
                complainant_name="吴桂芬", complainant_phone="13900001007", priority=True).complaint
    start_investigation(assign(accept(c, intake), official, mediator), mediator)

    # resolved → closed (survey answered); referred → closed (survey still open)
    c = _submit(district, m_tyg, DEMO_MARKER, category=Complaint.Category.WAGE_ARREARS,
                respondent_name="北京绿茵园林绿化工程有限公司", respondent_credit_code=_credit_code(104),
                description="在太阳宫驿站接了绿化养护的活，干了4天，老板说月底结账，到现在也没给。", amount=1200,
                complainant_name="郑伟", complainant_phone="13900001008").complaint
    c = start_investigation(assign(accept(c, intake), official, mediator), mediator)
    c = resolve(c, mediator, outcome="电话约谈公司负责人，公司承认拖欠，当场转账1200元，投诉人已确认收到。",
                public_reply="经调解，北京绿茵园林绿化工程有限公司已向您足额支付拖欠的劳动报酬1200元。")
    survey = SatisfactionSurvey.objects.for_object(c).first()
    if survey is not None and survey.answered_at is None:
        services.survey_answer(survey=survey, score=5, comment="处理很快，谢谢工作人员。")
    c = keep("已转办并办结（手机后四位 1009，可评价）", _submit(
        district, m_sj, DEMO_MARKER, category=Complaint.Category.UNLICENSED_INTERMEDIARY,
        respondent_name="双井“诚信劳务”门店", respondent_kind=Complaint.RespondentKind.PERSON,
        description="双井附近一家门店没有任何许可证，专门给零工介绍活，每次抽成三成。",
        complainant_name="冯春生", complainant_phone="13900001009"))
    c = start_investigation(assign(accept(c, intake), official, mediator), mediator)
    refer(c, mediator, target=Complaint.ReferralTarget.LABOUR_INSPECTION, organization="北京市朝阳区劳动保障监察大队",
          public_reply="您反映的无证从事职业中介问题已转朝阳区劳动保障监察大队依法查处。")

    # withdrawn by the complainant
    c = _submit(district, m_db, DEMO_MARKER, category=Complaint.Category.WAGE_ARREARS,
                respondent_name="东坝某小区物业", description="物业临时找我修水管，说好的200元一直没给。",
                complainant_name="何建军", complainant_phone="13900001010").complaint
    services.complaint_withdraw(complaint=c, reason="物业已经把钱给我了，撤回投诉。")

    # merged into the first submitted case (same employer, same unpaid crew)
    c = _submit(district, m_main, DEMO_MARKER, category=Complaint.Category.WAGE_ARREARS,
                respondent_name="北京恒达建筑劳务有限公司", respondent_credit_code=_credit_code(101),
                description="我也是在十八里店干恒达公司拆除活的，同一批被拖欠工钱。", amount=1500,
                complainant_name="王建民", complainant_phone="13900001011").complaint
    review(c, intake, lambda: services.complaint_merge(complaint=c, by=intake, into=first,
                                                        reason="同一用工单位、同一批拖欠工资，合并办理"))

    # overdue: the 5-working-day acceptance limit passed without a decision
    operator = m_main.operator.name if m_main is not None and m_main.operator_id else ""
    c = _submit(district, m_main, DEMO_MARKER, category=Complaint.Category.SAFETY_HAZARD,
                respondent_kind=Complaint.RespondentKind.OPERATOR, respondent_name=operator,
                description="市场候工大厅的消防通道被三轮车堵住，人多的时候很危险。",
                complainant_name="陈立新", complainant_phone="13900001012").complaint
    _make_overdue(c, days_ago=14)
    return shown


def _make_overdue(complaint, *, days_ago):
    """Restart the acceptance clock ``days_ago`` days in the past (deadline API, visible in the trail),
    then let the regular sweep flag the case overdue and escalate it to the district officials."""
    started = timezone.now() - timedelta(days=days_ago)
    deadlines.cancel_deadlines(complaint, kinds=["complaint.accept"])
    deadlines.start_deadline(complaint, kind="complaint.accept", label="受理期限",
                             days=services.ACCEPT_DAYS, unit="working", started_at=started)
    # The submission moment is the clock's start; shown on the case, so it must agree with the clock.
    Complaint.objects.filter(pk=complaint.pk).update(submitted_at=started)
    deadlines.sweep()


# ---- bulk cases for benchmarks ------------------------------------------------------------------------

_BULK_TEXTS = [
    (Complaint.Category.WAGE_ARREARS, "干了{n}天零工，工钱一直拖着不给。"),
    (Complaint.Category.ILLEGAL_FEES, "介绍工作要先交{n}0元押金。"),
    (Complaint.Category.FALSE_INFORMATION, "招聘信息写的日薪和实际不符，差了{n}0元。"),
    (Complaint.Category.SAFETY_HAZARD, "候工区域有{n}处电线裸露。"),
    (Complaint.Category.SERVICE_QUALITY, "窗口排队等了{n}0分钟没人办理。"),
]


def _seed_bulk(count, district, intake, official, mediator):
    """``count`` extra complaints: every third one in ``district`` walked to closed by the demo officers (the
    only staff accounts there are), the rest left submitted, spread over all districts' markets."""
    markets = list(Market.objects.published().select_related("district").order_by("pk"))
    districts = list(District.objects.all())
    start = Complaint.objects.filter(description__endswith=BULK_MARKER).count()
    for i in range(start, start + count):
        category, text = _BULK_TEXTS[i % len(_BULK_TEXTS)]
        close = i % 3 == 0
        if close:
            market = next((m for m in markets if m.district_id == district.pk), None)
            where = district
        else:
            market = markets[i % len(markets)] if markets else None
            where = market.district if market else districts[i % len(districts)]
        c = _submit(where, market, BULK_MARKER, category=category, respondent_name=f"基准测试用工单位{i % 50}",
                    description=text.format(n=i % 9 + 1), complainant_name="测试",
                    complainant_phone=f"139{i % 100000000:08d}").complaint
        if close:
            c = start_investigation(assign(accept(c, intake), official, mediator), mediator)
            resolve(c, mediator, outcome="基准测试：已处理。", public_reply="经核查，问题已解决。")


# ---- the hook -----------------------------------------------------------------------------------------


def seed(stdout, cases=0):
    """Called by ``manage.py seed_demo``: the state set once, then up to ``cases`` extra complaints."""
    users = {u.username: u for u in User.objects.filter(username__in=["intake", "district", "mediator"])}
    district = District.objects.filter(name=DISTRICT).first()
    if district is None or len(users) < 3:
        stdout.write("投诉演示数据：缺少朝阳区或演示账户 intake / district / mediator，已跳过。")
        return
    intake, official, mediator = users["intake"], users["district"], users["mediator"]

    if Complaint.objects.filter(description__endswith=DEMO_MARKER).exists():
        stdout.write("投诉演示案例已存在，跳过。")
    else:
        shown = _seed_states(district, intake, official, mediator)
        stdout.write(f"投诉演示案例：{Complaint.objects.filter(description__endswith=DEMO_MARKER).count()} 件"
                     "（各状态齐全，含一件逾期）。可在 /track/ 试用的查询码：")
        for label, (number, code) in shown.items():
            stdout.write(f"  {number}  {code}  {label}")
        link = _survey_link(shown)
        if link:
            stdout.write(f"  满意度评价链接（取自短信记录）：{link}")

    from . import demo_mediation

    demo_mediation.seed(stdout, district, official, mediator)
    from . import demo_wage

    demo_wage.seed(stdout, district, intake, official, mediator)

    from . import demo_referrals

    demo_referrals.seed(stdout, district, intake, official)

    existing = Complaint.objects.filter(description__endswith=BULK_MARKER).count()
    missing = max(0, cases - existing)
    if missing:
        _seed_bulk(missing, district, intake, official, mediator)
    stdout.write(f"投诉基准测试数据：共 {existing + missing} 件（本次新增 {missing} 件）。")


def _survey_link(shown):
    """The survey link of the closed demo case, from its SMS record (the token itself is stored hashed)."""
    numbers = [number for label, (number, _code) in shown.items() if "可评价" in label]
    complaint = Complaint.objects.filter(number__in=numbers).first()
    if complaint is None:
        return ""
    sms = (Notification.objects.filter(channel=Notification.Channel.SMS, body__contains="/survey/",
                                       content_type=ContentType.objects.get_for_model(Complaint),
                                       object_id=complaint.pk).order_by("-pk").first())
    if sms is None:
        return ""
    return sms.body[sms.body.index("http"):] if "http" in sms.body else ""
