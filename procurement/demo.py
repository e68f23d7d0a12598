"""Demo procurement for ``manage.py seed_demo`` (the evaluations demo runs after it and evaluates these
contracts): projects in 朝阳区 and 海淀区, a finished 海淀区 selection round (three candidates, one disqualified, a panel
of three with one declared relation, award by mean score) and contracts in every state:

* 京才汇, three 朝阳区 stations, 2025–2026: active, eight quarterly payment milestones, a draft renewal for 2027;
* 京才汇, 常营零工驿站: expired 2025–2026 contract and its suspended renewal (the station is suspended);
* 燕都, 酒仙桥零工驿站, 2025: terminated by mutual agreement when the station closed;
* 安业, 海淀区 market and station, 2026, from the finished 海淀区 selection round: active with quarterly
  milestones (the evaluations demo exits it).

Everything goes through ``procurement.services``. Idempotent: the set is recognised by the project's name and
created once."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from markets.models import Market, Operator

from . import services
from .models import PaymentMilestone, ServiceContract, ServiceProject

PROJECT_NAME = "朝阳区零工驿站运营服务项目（2025—2026年度）"
JINGCAIHUI = "北京京才汇人力资源服务有限公司"
ANYE = "北京安业人力资源有限公司"
ZHONGGONGBANG = "北京众工帮人力资源服务有限公司"
YANDU = "北京燕都人才服务有限公司"


def _d(y, m, d):
    return datetime.date(y, m, d)


def seed(stdout, cases=0):
    official = User.objects.filter(username="district").first()
    official_b = User.objects.filter(username="district_b").first()
    operators = {o.name: o for o in Operator.objects.filter(name__in=[JINGCAIHUI, ANYE, ZHONGGONGBANG, YANDU])}
    markets = {m.code: m for m in Market.objects.filter(code__in=[
        "cy-taiyanggong", "cy-shuangjing", "cy-dongba", "cy-changying", "cy-jiuxianqiao", "hd-xibeiwang",
        "hd-sijiqing"])}
    if official is None or official_b is None or len(operators) < 4 or len(markets) < 7:
        stdout.write("procurement: demo accounts, operators or markets missing, skipped")
        return
    if ServiceProject.objects.filter(name=PROJECT_NAME).exists():
        return
    main = _chaoyang(official, operators[JINGCAIHUI], markets)
    services.contract_renew(contract=main, by=official, amount=Decimal("1280000.00"), end_date=_d(2027, 12, 31))
    _changying(official, operators[JINGCAIHUI], markets["cy-changying"])
    _jiuxianqiao(official, operators[YANDU], markets["cy-jiuxianqiao"])
    haidian = _selection(official_b, operators, [markets["hd-xibeiwang"], markets["hd-sijiqing"]])
    _milestones(official_b, haidian, quarters=4)
    stdout.write(f"procurement: {ServiceProject.objects.count()} projects, {ServiceContract.objects.count()} contracts")


def _chaoyang(official, operator, markets) -> ServiceContract:
    """京才汇 runs three 朝阳区 stations under a two-year contract with quarterly payments."""
    project = services.project_create(
        by=official, name=PROJECT_NAME, district=official.district,
        markets=[markets["cy-taiyanggong"], markets["cy-shuangjing"], markets["cy-dongba"]],
        services="零工驿站日常运营（求职登记、用工信息发布、供需对接撮合）\n劳动维权咨询、欠薪投诉受理转办\n"
                 "防暑防寒、候工休息等便民服务",
        budget=Decimal("2400000.00"), period_start=_d(2025, 1, 1), period_end=_d(2026, 12, 31))
    contract = services.contract_create(by=official, operator=operator, district=official.district,
                                        markets=project.markets.all(), amount=project.budget,
                                        start_date=project.period_start, end_date=project.period_end,
                                        project=project)
    contract = services.contract_activate(contract=contract, by=official)
    _milestones(official, contract, quarters=8)
    return contract


def _expert(username, last_name, first_name, district):
    """A panel expert: recorded as a user of the district without a role (no login of their own)."""
    user, created = User.objects.get_or_create(username=username, defaults={
        "last_name": last_name, "first_name": first_name, "district": district})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _selection(official, operators, markets) -> ServiceContract:
    """海淀区 2026 round: 安业 wins on mean score; 燕都's licence had expired; one expert declared a relation
    to 众工帮 and abstained on it. The winner's contract takes effect."""
    project = services.project_create(
        by=official, name="海淀区零工市场运营服务项目（2026年度）", district=official.district, markets=markets,
        services="零工市场及驿站日常运营、岗位信息发布、供需对接\n劳动维权咨询、欠薪投诉受理转办",
        budget=Decimal("960000.00"), period_start=_d(2026, 1, 1), period_end=_d(2026, 12, 31))
    rnd = services.round_open(project=project, by=official, title="2026年度海淀区零工市场运营机构遴选",
                              opens_on=_d(2025, 11, 1), closes_on=_d(2025, 11, 30))
    applicants = []
    for name, valid_until in ((ANYE, _d(2027, 12, 31)), (ZHONGGONGBANG, _d(2026, 12, 31)),
                              (YANDU, _d(2025, 6, 30))):
        op = operators[name]
        applicants.append(services.candidate_apply(
            round=rnd, operator=op, by=official, credit_code=op.credit_code, licence_number=op.licence_number,
            licence_valid_until=valid_until, proposal="驻点运营团队6人，早6点开门，配备专职维权联络员。"))
    district = official.district
    members = [services.round_add_panel_member(round=rnd, user=official, by=official),
               services.round_add_panel_member(round=rnd, by=official,
                                               user=_expert("hd_expert_li", "李", "娜", district)),
               services.round_add_panel_member(round=rnd, by=official, declared_relations=ZHONGGONGBANG,
                                               user=_expert("hd_expert_zhang", "张", "伟", district))]
    services.round_close_applications(round=rnd, by=official)
    anye, zgb, _yandu = [services.candidate_qualify(candidate=c, by=official) for c in applicants]
    for member, scores in zip(members, (("88", "84"), ("91.5", "85.5"), ("86", None))):
        for candidate, score in zip((anye, zgb), scores):
            if score is not None:
                services.panel_score(candidate=candidate, by=member.user, score=Decimal(score),
                                     comment="服务方案完整，人员配备充足。")
    services.round_award(round=rnd, by=official)
    contract = ServiceContract.objects.get(selection_round=rnd)
    return services.contract_activate(contract=contract, by=official)


def _milestones(official, contract, *, quarters):
    share = (contract.amount / quarters).quantize(Decimal("0.01"))
    start = contract.start_date
    for q in range(quarters):
        end = _quarter_end(start)
        amount = share if q < quarters - 1 else contract.amount - share * (quarters - 1)
        services.milestone_add(contract=contract, by=official, title=f"{start.year}年第{(start.month - 1) // 3 + 1}季度服务费",
                               amount=amount, period_start=start, period_end=end)
        start = end + datetime.timedelta(days=1)


def _quarter_end(start):
    month = (start.month - 1) // 3 * 3 + 3
    nxt = datetime.date(start.year + (month == 12), month % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)


def _changying(official, operator, market):
    """常营: the 2025–2026 contract expired; its renewal is suspended while the station is."""
    first = services.contract_create(by=official, operator=operator, district=official.district, markets=[market],
                                     amount=Decimal("360000.00"), start_date=_d(2025, 7, 1),
                                     end_date=_d(2026, 6, 30))
    first = services.contract_activate(contract=first, by=official)
    renewal = services.contract_renew(contract=first, by=official, amount=Decimal("380000.00"),
                                      end_date=_d(2027, 6, 30))
    if first._period_over():
        services.contract_expire(contract=first, by=official)
        renewal = services.contract_activate(contract=renewal, by=official)
        services.contract_suspend(contract=renewal, by=official,
                                  reason="常营零工驿站因安全隐患暂停运营，合同暂停履行至整改合格。")


def _jiuxianqiao(official, operator, market):
    """燕都 ran 酒仙桥零工驿站 until it closed: the contract ended by mutual agreement."""
    contract = services.contract_create(by=official, operator=operator, district=official.district,
                                        markets=[market], amount=Decimal("600000.00"), start_date=_d(2025, 1, 1),
                                        end_date=_d(2025, 12, 31))
    contract = services.contract_activate(contract=contract, by=official)
    services.contract_terminate(contract=contract, by=official, on_date=_d(2025, 6, 30), kind="mutual",
                                reason="酒仙桥零工驿站关闭，双方协商一致解除合同。")


def settle_milestones(stdout=None):
    """Approve every planned demo milestone whose period a passed evaluation covers, and record the payment
    of all but the newest approved one (so the demo shows both states). Called by the evaluations demo once
    its evaluations exist (payment needs them); idempotent."""
    officials = {u.district_id: u for u in User.objects.filter(username__in=["district", "district_b"])}
    settled = []
    for milestone in (PaymentMilestone.objects.filter(status=PaymentMilestone.Status.PLANNED)
                      .exclude(contract__status=ServiceContract.Status.DRAFT)
                      .select_related("contract").order_by("period_start", "pk")):
        official = officials.get(milestone.contract.district_id)
        if official is None or services.passed_evaluation_for(milestone) is None:
            continue
        settled.append(services.milestone_approve(milestone=milestone, by=official))
    for milestone in settled[:-1]:
        official = officials[milestone.contract.district_id]
        services.milestone_mark_paid(milestone=milestone, by=official,
                                     paid_on=timezone.localdate(),
                                     reference=f"GK-{milestone.period_end:%Y%m}-{milestone.pk:04d}")
    if stdout is not None and settled:
        stdout.write(f"procurement: {len(settled)} milestones approved for payment")
    return settled
