"""The default rubric: version 1 of 零工市场运营绩效评价指标体系, published, so evaluations can be run from the first
deployment. Weights add up to 100. An administrator edits it by creating a new draft version in the admin
(published versions are frozen).

Computed indicators score linearly between ``zero_at`` (no marks) and ``full_at`` (full marks); see
``evaluations.indicators`` for what each is computed from."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

NAME = "零工市场运营绩效评价指标体系"

# (code, name, clause, kind, computed key, weight, full_at, zero_at, guidance)
INDICATORS = [
    ("complaints_per_1000", "每千服务人次查实投诉数", "指导意见（十七）（二十二）", "computed", "complaints_per_1000",
     "15", "0", "5", "评价期间查实投诉件数 × 1000 ÷ 服务人次；0件满分，5件及以上0分。"),
    ("satisfaction", "服务对象满意度", "指导意见（二十二）", "computed", "satisfaction", "15", "5", "3",
     "评价期间满意度调查答复的平均分（1—5分）；5分满分，3分及以下0分。"),
    ("inspection_pass_rate", "安全检查合格率", "指导意见（十八）", "computed", "inspection_pass_rate", "15", "100",
     "60", "评价期间已作结论的安全检查中无不符合项的比例；100%满分，60%及以下0分。"),
    ("rectification_on_time", "整改按期反馈率", "指导意见（十八）", "computed", "rectification_on_time", "10",
     "100", "50", "评价期间整改通知事项按期反馈的比例；100%满分，50%及以下0分。"),
    ("information_published", "信息公开", "指导意见（十）", "computed", "information_published", "10", "100", "60",
     "安全检查中信息公开类检查项的符合率；100%满分，60%及以下0分。"),
    ("free_service", "免费服务", "指导意见（三）", "computed", "free_service", "10", "0", "3",
     "查实的违规收费或收取押金投诉件数；0件满分，3件及以上0分。"),
    ("staff_training", "人员队伍与业务培训", "指导意见（十一）", "scored", "", "10", None, None,
     "专兼职工作人员配备、岗位职责，常态化业务培训轮训，首问负责、限时办结、一次性告知制度落实情况。"),
    ("service_records", "服务台账", "指导意见（十一）（二十二）", "scored", "", "8", None, None,
     "求职登记、用工信息发布、对接撮合、维权服务等台账的完整性和规范性。"),
    ("data_reporting", "数据采集与报送", "指导意见（十三）", "scored", "", "7", None, None,
     "零工人员信息、用工任务信息、匹配结果信息、报酬价位信息的采集、更新和按时报送情况。"),
]


def create(apps, schema_editor):
    Rubric = apps.get_model("evaluations", "Rubric")
    Indicator = apps.get_model("evaluations", "Indicator")
    if Rubric.objects.filter(name=NAME).exists():
        return
    rubric = Rubric.objects.create(name=NAME, number=1, note="初始版本", excellent_from=Decimal("90"),
                                   pass_from=Decimal("75"), rectify_from=Decimal("60"), published_at=timezone.now())
    Indicator.objects.bulk_create([
        Indicator(rubric=rubric, code=code, name=name, clause=clause, kind=kind, computed_key=key,
                  weight=Decimal(weight), max_score=Decimal("100"),
                  full_at=Decimal(full) if full is not None else None,
                  zero_at=Decimal(zero) if zero is not None else None, guidance=guidance,
                  sort_order=(position + 1) * 10)
        for position, (code, name, clause, kind, key, weight, full, zero, guidance) in enumerate(INDICATORS)
    ])


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
