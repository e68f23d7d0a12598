"""Load one year's official holiday schedule (国务院办公厅 notice) into the editable calendar, then recompute
the deadlines that were provisional for want of it.

    manage.py load_calendar --year 2027                      # from the chinesecalendar package, if it knows 2027
    manage.py load_calendar --year 2027 --holidays 2027-01-01,2027-02-08,... --workdays 2027-02-06,...

Explicit lists replace the year's rows (a correction) and win over the package; without them an already
loaded year is left alone. Weekend holidays and weekday make-up days are ignored: they do not change the
Monday–Friday week."""

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import deadlines
from core.calendar_seed import available_years, seed_calendar
from core.models import CalendarDay, CalendarYear


def _parse_dates(value, year, option):
    days = []
    for part in filter(None, (p.strip() for p in re.split(r"[,，、\s]+", value or ""))):
        try:
            day = date.fromisoformat(part)
        except ValueError:
            raise CommandError(_("%(option)s 中的日期“%(day)s”格式不正确，应为 YYYY-MM-DD。")
                               % {"option": option, "day": part}) from None
        if day.year != year:
            raise CommandError(_("%(option)s 中的日期 %(day)s 不属于 %(year)s 年。")
                               % {"option": option, "day": part, "year": year})
        days.append(day)
    return sorted(set(days))


class Command(BaseCommand):
    help = "载入某一年度的法定节假日和调休安排，并重新计算临时期限"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="年份，例如 2027")
        parser.add_argument("--holidays", default="", help="放假的工作日，逗号分隔，例如 2027-01-01,2027-02-08")
        parser.add_argument("--workdays", default="", help="调休上班的周末，逗号分隔")
        parser.add_argument("--source", default="", help="来源说明，例如 国办发明电〔2026〕X号")

    @transaction.atomic
    def handle(self, *args, year, holidays, workdays, source, **options):
        holiday_days = _parse_dates(holidays, year, "--holidays")
        workday_days = _parse_dates(workdays, year, "--workdays")
        if holiday_days or workday_days:
            self._load_lists(year, holiday_days, workday_days, source)
        elif CalendarYear.objects.filter(year=year).exists():
            loaded = CalendarYear.objects.get(year=year)
            self.stdout.write(_("%(year)s年节假日安排已载入（来源：%(source)s），未作修改。")
                              % {"year": year, "source": loaded.source or _("未注明")})
        elif year in available_years():
            seed_calendar(CalendarYear, CalendarDay, years=[year])
            if source:
                CalendarYear.objects.filter(year=year).update(source=source)
            self.stdout.write(_("已从 chinesecalendar 载入%(year)s年节假日安排：%(summary)s。")
                              % {"year": year, "summary": self._summary(year)})
        else:
            raise CommandError(
                _("chinesecalendar 尚未收录%(year)s年的节假日安排。请按国务院办公厅通知，用 --holidays 列出放假的"
                  "工作日、用 --workdays 列出调休上班的周末。") % {"year": year}
            )
        count = deadlines.recompute_provisional(year)
        self.stdout.write(_("已重新计算%(count)s个临时期限。") % {"count": count})

    def _load_lists(self, year, holiday_days, workday_days, source):
        if set(holiday_days) & set(workday_days):
            raise CommandError(_("同一日期不能既是放假日又是调休上班日。"))
        # Weekends are rest days and weekdays working days anyway: only real exceptions become rows.
        holiday_rows = [d for d in holiday_days if d.weekday() < 5]
        workday_rows = [d for d in workday_days if d.weekday() >= 5]
        ignored = len(holiday_days) - len(holiday_rows) + len(workday_days) - len(workday_rows)
        replaced = CalendarYear.objects.filter(year=year).exists()
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=d, kind=CalendarDay.Kind.HOLIDAY) for d in holiday_rows]
            + [CalendarDay(date=d, kind=CalendarDay.Kind.WORKDAY) for d in workday_rows]
        )
        CalendarYear.objects.update_or_create(
            year=year, defaults={"source": source or "manage.py load_calendar", "loaded_at": timezone.now()}
        )
        message = _("已替换%(year)s年节假日安排：%(summary)s。") if replaced else _("已载入%(year)s年节假日安排：%(summary)s。")
        self.stdout.write(message % {"year": year, "summary": self._summary(year)})
        if ignored:
            self.stdout.write(_("已忽略%(count)s个不改变周一至周五作息的日期（周末放假或工作日上班）。") % {"count": ignored})
        if replaced:
            self.stdout.write(_("已重新计算%(count)s个涉及%(year)s年的期限。")
                              % {"count": deadlines.recompute_year(year), "year": year})

    def _summary(self, year):
        days = CalendarDay.objects.filter(date__year=year)
        return _("放假的工作日%(holidays)s天，调休上班的周末%(workdays)s天") % {
            "holidays": days.filter(kind=CalendarDay.Kind.HOLIDAY).count(),
            "workdays": days.filter(kind=CalendarDay.Kind.WORKDAY).count(),
        }
