"""The default checklist: version 1 of 零工市场（驿站）安全检查表, published, so inspections can be filed from
the first deployment. Sections follow clauses (六)(十)(十八) of the guidance and RULES.md; an administrator
edits it by creating a new draft version in the admin (published versions are frozen)."""

from django.db import migrations
from django.utils import timezone

NAME = "零工市场（驿站）安全检查表"
G6 = "指导意见（六）"
G10 = "指导意见（十）"
G18 = "指导意见（十八）"
FIRE = "机关、团体、企业、事业单位消防安全管理规定 第二十五条、第二十六条"

# (section, text, clause, default severity)
ITEMS = [
    ("fire", "灭火器等消防器材配置齐全、在有效期内、放置位置明显且便于取用", FIRE, "major"),
    ("fire", "安全出口、疏散通道畅通，无锁闭、堵塞、占用", G18, "critical"),
    ("fire", "应急照明和疏散指示标志完好有效", G18, "major"),
    ("fire", "电气线路敷设规范，无私拉乱接、超负荷用电，电动自行车不在室内停放充电", G18, "critical"),
    ("fire", "设置禁止吸烟标志，场所内无吸烟现象", G18, "minor"),
    ("fire", "开放期间每2小时开展防火巡查并有记录；每月开展防火检查", FIRE, "major"),
    ("crowd", "人员密集时有专人疏导，候工区域划线分区，无拥挤踩踏隐患", G18, "major"),
    ("crowd", "制定应急疏散预案，张贴疏散示意图，定期组织演练", G18, "major"),
    ("traffic", "周边停车有序，车辆不占用消防车通道和人行道", G18, "major"),
    ("traffic", "周边道路无零工人员聚集占道候工、影响交通的情况", G18, "major"),
    ("shelter", "设有遮风避雨的候工场所或设施，能满足高峰时段需要", G6, "minor"),
    ("climate", "配备防暑降温（饮用水、降温设备）和防寒保暖设施", G6, "minor"),
    ("security", "安排安保人员或与属地派出所建立联动机制，视频监控运行正常", G18, "major"),
    ("security", "无强行拉客、非法中介、欺诈招工等扰乱秩序行为", G18, "major"),
    ("signage", "场所名称标识规范统一（“零工市场”或“零工驿站”），位置醒目", G6, "minor"),
    ("published", "公开管理制度和运营时间", G10, "minor"),
    ("published", "公开服务项目、办事流程和办事指南", G10, "minor"),
    ("published", "公开服务热线和投诉举报渠道", G10, "major"),
    ("facilities", "服务窗口、信息发布屏（栏）、饮水、卫生间等服务设施正常使用", G6, "minor"),
    ("facilities", "为零工人员免费提供服务，未收取任何费用或押金", "指导意见（三）", "major"),
]


def create(apps, schema_editor):
    Template = apps.get_model("inspections", "ChecklistTemplate")
    Version = apps.get_model("inspections", "ChecklistVersion")
    Item = apps.get_model("inspections", "ChecklistItem")
    template, _ = Template.objects.get_or_create(
        name=NAME, defaults={"description": "零工市场、零工驿站日常安全检查和月度消防检查使用。"})
    if template.versions.exists():
        return
    version = Version.objects.create(template=template, number=1, note="初始版本")
    Item.objects.bulk_create([
        Item(version=version, section=section, sort_order=(position + 1) * 10, text=text, clause=clause,
             default_severity=severity)
        for position, (section, text, clause, severity) in enumerate(ITEMS)
    ])
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
