"""Chinese date display for case pages and PDFs: 2026年11月26日, always in Beijing time (the law counts days
in Beijing, whatever zone the server runs in)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

register = template.Library()

BEIJING = ZoneInfo("Asia/Shanghai")


def _local(value):
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return value.astimezone(BEIJING)
    return value


@register.filter
def cn_date(value):
    """``2026年11月26日`` for a date or datetime (datetimes converted to Asia/Shanghai first)."""
    if not value:
        return ""
    value = _local(value)
    if not isinstance(value, date):
        return value
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def cn_datetime(value):
    """``2026年11月26日 14:05`` in Asia/Shanghai."""
    if not value:
        return ""
    value = _local(value)
    if not isinstance(value, datetime):
        return cn_date(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
