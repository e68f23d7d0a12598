"""Demo referrals for ``manage.py seed_demo`` (called from ``casework.demo.seed``): verified wage claims in 朝阳区
referred to the demo legal-aid centre (user ``partner``) in every referral state, one transfer to labour
inspection (accepted, investigation clock running) and one to the police. Made through the wage and referral
services, so they carry the same consents, clocks, documents and audit trail as real ones. Idempotent:
recognised by a marker in the claims' descriptions."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organization, User
from accounts.roles import Role
from core.validators import credit_code_check_char, resident_id_check_digit

from .models import Referral, ReferralConsent
from .services import referrals as rs

MARKER = "（演示移送案例）"
LEGAL_AID_NAME = "北京市朝阳区法律援助中心"
INSPECTION_NAME = "北京市朝阳区劳动保障监察大队"
POLICE_NAME = "北京市公安局朝阳分局"


def _id(serial: int) -> str:
    body = f"11010519{80 + serial % 20:02d}0{serial % 9 + 1}1{serial % 10}{serial % 7}{serial % 5}{serial % 3}"
    return body + resident_id_check_digit(body)


def _cc(serial: int) -> str:
    body = f"91110105MA0R{serial:05d}"
    return body + credit_code_check_char(body)


EMPLOYERS = [
    ("北京恒达装饰工程有限公司", "朝阳区望京街道阜通东大街6号", "望京某写字楼装修项目"),
    ("北京联运速递服务有限公司", "朝阳区十八里店乡小武基路2号", "十八里店分拣中心"),
    ("北京顺意餐饮管理有限公司", "朝阳区双井街道广渠路28号", "双井门店后厨"),
    ("北京佳美家政服务有限公司", "朝阳区东坝乡东坝中路12号", "东坝小区保洁"),
    ("北京建兴劳务分包有限公司", "朝阳区常营乡常营路3号", "常营地铁站周边道路工程"),
    ("北京凯瑞物业管理有限公司", "朝阳区太阳宫中路10号", "太阳宫社区绿化养护"),
    ("北京鑫鼎建筑工程有限公司", "朝阳区酒仙桥路16号", "酒仙桥旧改项目"),
    ("北京万通搬家服务有限公司", "朝阳区广渠路36号", "双井搬运"),
    ("北京诚信装卸服务有限公司", "朝阳区十八里店乡周庄嘉园", "周庄物流园装卸"),
    ("北京宏福建筑劳务有限公司", "朝阳区东坝中路38号", "东坝保障房项目"),
]
WORKERS = [("王建国", "6400.00"), ("赵小军", "3200.50"), ("刘桂芳", "2800.00"), ("陈志强", "4500.00"),
           ("孙大勇", "5200.00"), ("周丽", "1800.00"), ("吴强", "3600.00"), ("郑海", "2000.00"),
           ("冯梅", "1500.00"), ("马涛", "7200.00")]


def _claim(n, official, district):
    from .services import wage as ws

    employer, address, place = EMPLOYERS[n % len(EMPLOYERS)]
    picked = [WORKERS[(n + i) % len(WORKERS)] for i in range(1 + n % 2)]
    workers = [ws.Worker(name=name, amount_owed=Decimal(amount), id_number=_id(n * 10 + i),
                         phone=f"1391200{n:02d}{i:02d}") for i, (name, amount) in enumerate(picked)]
    claim = ws.wageclaim_report(
        channel="counter", district=district, employer_name=employer, employer_credit_code=_cc(n),
        employer_address=address, work_place=place, period_start=date(2026, 8, 1), period_end=date(2026, 10, 31),
        employment_ended_on=date(2026, 10, 31),
        description=f"在{place}务工，完工后用工单位未按约定结算工资，多次催要未果。{MARKER}", workers=workers, by=official,
    ).claim
    from .demo_wage import _verified  # through the flow's verify task, as the wage demo does

    return _verified(claim, official)


def _draft(claim, officer, target, kind=Referral.Kind.LEGAL_AID, **extra):
    summary = {Referral.Kind.LEGAL_AID: "劳动者系农民工，经济困难，申请法律援助追索欠薪（保障农民工工资支付条例第四十一条）。",
               Referral.Kind.LABOUR_INSPECTION: "用工单位拖欠多名劳动者工资，请依法立案查处。",
               Referral.Kind.POLICE: "用工单位经责令限期支付后仍拒不支付，负责人失联。"}[kind]
    return rs.referral_draft(claim=claim, by=officer, kind=kind, target=target, summary=summary, **extra)


def _consent(referral, officer, signed=False):
    for worker in referral.workers.all():
        rs.referral_record_consent(
            referral=referral, by=officer, worker=worker, method=ReferralConsent.Method.VERBAL,
            given_at=timezone.now(), note=f"在窗口当面告知将向{referral.target.name}提供姓名、电话和欠薪金额，本人同意。")


def _send(referral, officer, official):
    if referral.kind != Referral.Kind.POLICE:
        _consent(referral, officer)
    rs.referral_approve(referral=referral, by=official)
    return rs.referral_send(referral=referral, by=officer)


def seed_states(district, officer, official, partner, inspection_user, aid, inspection, police):
    made, n = [], 0

    def claim():
        nonlocal n
        n += 1
        return _claim(n, official, district)

    drafted = _draft(claim(), officer, aid)
    _consent(drafted, officer)
    made.append(drafted)  # drafted, consent recorded, awaiting approval
    made.append(_send(_draft(claim(), officer, aid), officer, official))  # sent, in the partner's inbox
    accepted = _send(_draft(claim(), officer, aid), officer, official)
    made.append(rs.referral_accept(referral=accepted, by=partner, partner_case_number="朝法援〔2026〕101号"))
    declined = _send(_draft(claim(), officer, aid), officer, official)
    made.append(rs.referral_decline(referral=declined, by=partner, reason="劳动者已委托律师，不符合法律援助条件。"))
    progress = _send(_draft(claim(), officer, aid), officer, official)
    rs.referral_accept(referral=progress, by=partner, partner_case_number="朝法援〔2026〕102号")
    rs.referral_add_update(referral=progress, by=partner, note="已指派援助律师，已向劳动人事争议仲裁委员会提交仲裁申请。")
    made.append(Referral.objects.get(pk=progress.pk))
    reported = _send(_draft(claim(), officer, aid), officer, official)
    rs.referral_accept(referral=reported, by=partner, partner_case_number="朝法援〔2026〕103号")
    rs.referral_add_update(referral=reported, by=partner, note="仲裁庭组织调解。")
    made.append(rs.referral_report_outcome(referral=reported, by=partner, recovered_amount="3200.50",
                                           case_stage="arbitration", closing_reason="partly_recovered",
                                           note="仲裁调解书已履行部分款项。"))
    done = _send(_draft(claim(), officer, aid), officer, official)
    rs.referral_accept(referral=done, by=partner, partner_case_number="朝法援〔2026〕104号")
    rs.referral_report_outcome(referral=done, by=partner, recovered_amount="2800.00", case_stage="negotiation",
                               closing_reason="fully_recovered", note="经律师函催告，用工单位全额支付。")
    made.append(rs.referral_complete(referral=done, by=officer))
    revoked = _send(_draft(claim(), officer, aid), officer, official)
    made.append(rs.referral_revoke(referral=revoked, by=official, reason="劳动者与用工单位已自行和解。"))
    transfer = _send(_draft(claim(), officer, inspection, kind=Referral.Kind.LABOUR_INSPECTION), officer, official)
    made.append(rs.referral_accept(referral=transfer, by=inspection_user, partner_case_number="朝监〔2026〕57号"))
    made.append(_send(_draft(claim(), officer, police, kind=Referral.Kind.POLICE,
                             crime_basis="经责令限期支付仍拒不支付，涉嫌拒不支付劳动报酬罪（刑法第二百七十六条之一）。"),
                      officer, official))
    return made


def seed(stdout, district, officer, official):
    """Called from ``casework.demo.seed`` after the wage claims."""
    from .models import WageClaim

    partner = User.objects.filter(username="partner").select_related("organization").first()
    aid = Organization.objects.filter(name=LEGAL_AID_NAME).first()
    inspection = Organization.objects.filter(name=INSPECTION_NAME).first()
    if partner is None or aid is None or inspection is None or partner.organization_id != aid.pk:
        stdout.write("移送演示数据：缺少演示账户 partner 或法律援助中心、劳动保障监察大队，已跳过。")
        return
    if WageClaim.objects.filter(description__endswith=MARKER).exists():
        stdout.write("移送演示案例已存在，跳过。")
        return
    police, _ = Organization.objects.get_or_create(
        name=POLICE_NAME, defaults={"kind": Organization.Kind.POLICE, "district": district,
                                    "phone": "010-65953000", "address": "朝阳区朝阳公园南路8号"})
    # The inspection brigade's own intake account for referrals (the demo ``inspector`` is a market safety
    # inspector of the bureau, not the brigade's case officer). No password: demo transfers are accepted here.
    inspection_user, created = User.objects.get_or_create(
        username="jiancha_demo", defaults={"last_name": "钱", "first_name": "进", "organization": inspection,
                                           "title": "劳动保障监察员"})
    if created:
        from django.contrib.auth.models import Group

        inspection_user.set_unusable_password()
        inspection_user.save()
        inspection_user.groups.add(Group.objects.get(name=Role.LEGAL_AID))
    made = seed_states(district, officer, official, partner, inspection_user, aid, inspection, police)
    stdout.write(f"移送演示案例：{len(made)} 件（各状态齐全；接收单位账户 partner）：")
    for r in made:
        stdout.write(f"  {r.number}  {r.get_kind_display()}  {r.target.name}  {r.get_status_display()}")
