"""``manage.py plan_inspections --month 2026-12``: plan a month's routine inspections now (the monthly beat
task does the same on the 1st). Safe to run again: markets already planned that month are skipped."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inspections.services import inspection_plan_month


def _month(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise CommandError(f"月份格式应为 YYYY-MM，例如 2026-12（收到：{value}）。")
    return int(match[1]), int(match[2])


class Command(BaseCommand):
    help = "按检查计划生成某月的例行安全检查（人员密集场所每月至少一次）；重复运行不会重复安排。"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="要安排的月份，YYYY-MM（默认：本月）")
        parser.add_argument("--by", metavar="USERNAME", help="记为安排人的用户名（须有安排检查权限；默认：系统）")

    def handle(self, *args, month=None, by=None, **options):
        if month:
            year, number = _month(month)
        else:
            today = timezone.localdate()
            year, number = today.year, today.month
        user = None
        if by:
            user = get_user_model().objects.filter(username=by, is_active=True).first()
            if user is None:
                raise CommandError(f"没有用户名为 {by} 的在职用户。")
        try:
            planned = inspection_plan_month(year=year, month=number, by=user)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError("；".join(getattr(exc, "messages", None) or [str(exc)])) from exc
        for inspection in planned:
            self.stdout.write(f"{inspection.number}  {inspection.market.name}  {inspection.inspector}")
        self.stdout.write(self.style.SUCCESS(f"{year}年{number}月：新安排 {len(planned)} 项检查。"))
