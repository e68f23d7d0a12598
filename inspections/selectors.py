"""Reads of a market's inspection record that other pages use: the staff market page, the public market
page and (later) the operator evaluations. Each function runs a fixed number of queries, whatever the
number of inspections (tests/inspections/test_market_history.py counts them).

Definitions, kept in one place so every page and the evaluations agree:

* an inspection is *concluded* once the inspector's record was assessed (``concluded_at`` set: passed or
  rectification required); planned, unfinished and cancelled ones have no result yet;
* it *passed* when it was concluded with no failed item (a market that needed rectification does not pass
  that inspection, even after fixing everything);
* the *pass rate* is passed / concluded, over the market's whole history unless a period is given;
* an *open rectification item* is an item of a notice that the inspector has not accepted yet (open,
  answered and awaiting re-inspection, or rejected at re-inspection).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from markets.models import Market

from .models import Finding, Inspection, NoticeItem

#: Inspections listed on the market pages (newest first); the pass rate still counts all of them.
HISTORY_LIMIT = 10

OPEN_ITEM_STATES = (NoticeItem.State.OPEN, NoticeItem.State.ANSWERED, NoticeItem.State.REJECTED)


class Result:
    """The outcome of one inspection in a word, as the market pages show it."""

    PASSED = "passed"
    RECTIFYING = "rectifying"
    RECTIFIED = "rectified"
    PENDING = "pending"
    CANCELLED = "cancelled"

    LABELS = {
        PASSED: _("合格"),
        RECTIFYING: _("发现隐患，整改中"),
        RECTIFIED: _("发现隐患，已整改"),
        PENDING: _("尚无结论"),
        CANCELLED: _("已取消"),
    }


def _failed():
    return Exists(Finding.objects.filter(inspection=OuterRef("pk"), result=Finding.Result.FAIL))


def result_of(inspection: Inspection) -> str:
    """The ``Result`` of an inspection annotated with ``has_failed`` (see ``market_history``)."""
    if inspection.status == Inspection.Status.CANCELLED:
        return Result.CANCELLED
    if inspection.concluded_at is None:
        return Result.PENDING
    if not inspection.has_failed:
        return Result.PASSED
    if inspection.status in (Inspection.Status.RECTIFIED, Inspection.Status.CLOSED):
        return Result.RECTIFIED
    return Result.RECTIFYING


@dataclass(frozen=True)
class PassRate:
    concluded: int
    passed: int

    @property
    def rate(self) -> float | None:
        """passed / concluded, or None when nothing was concluded yet (no rate rather than 0 %)."""
        return self.passed / self.concluded if self.concluded else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def pass_rate(market: Market, *, since: date | datetime | None = None,
              until: date | datetime | None = None) -> PassRate:
    """The market's pass rate over the inspections concluded in ``[since, until)`` (all when not given).
    One query."""
    qs = Inspection.objects.filter(market=market, concluded_at__isnull=False)
    if since is not None:
        qs = qs.filter(concluded_at__gte=since)
    if until is not None:
        qs = qs.filter(concluded_at__lt=until)
    counts = qs.annotate(has_failed=_failed()).aggregate(
        concluded=Count("pk"), passed=Count("pk", filter=Q(has_failed=False)))
    return PassRate(concluded=counts["concluded"], passed=counts["passed"])


@dataclass
class HistoryRow:
    inspection: Inspection
    result: str
    failed: int

    @property
    def result_label(self):
        return Result.LABELS[self.result]

    @property
    def date(self):
        """The day it was inspected (submitted), else the day it is planned for."""
        return self.inspection.submitted_at or self.inspection.planned_for


@dataclass
class MarketHistory:
    market: Market
    inspections: list[HistoryRow]
    total: int
    open_items: list[NoticeItem]
    pass_rate: PassRate
    last: HistoryRow | None = field(default=None)  # the latest concluded inspection


def _history_queryset(market):
    return (Inspection.objects.filter(market=market).select_related("inspector", "notice")
            .annotate(has_failed=_failed(),
                      failed=Count("findings", filter=Q(findings__result=Finding.Result.FAIL)))
            .order_by("-planned_for", "-pk"))


def _row(inspection) -> HistoryRow:
    return HistoryRow(inspection=inspection, result=result_of(inspection), failed=inspection.failed)


def market_history(market: Market, *, limit: int = HISTORY_LIMIT) -> MarketHistory:
    """A market's inspection record for its staff page: the latest ``limit`` inspections with their
    result, the open rectification items, the pass rate and the latest concluded inspection. Five
    queries."""
    rows = [_row(i) for i in _history_queryset(market)[:limit]]
    last = next((r for r in rows if r.inspection.concluded_at is not None), None)
    if last is None:
        latest = _history_queryset(market).filter(concluded_at__isnull=False).order_by("-concluded_at").first()
        last = _row(latest) if latest is not None else None
    open_items = list(
        NoticeItem.objects.filter(notice__market=market, state__in=OPEN_ITEM_STATES)
        .select_related("notice", "notice__inspection", "finding__item")
        .order_by("deadline_at", "pk"))
    return MarketHistory(market=market, inspections=rows, total=Inspection.objects.filter(market=market).count(),
                         open_items=open_items, pass_rate=pass_rate(market), last=last)


@dataclass(frozen=True)
class PublicSafetySummary:
    last_date: date | datetime | None
    last_result: str | None
    pass_rate: PassRate

    @property
    def last_result_label(self):
        return Result.LABELS[self.last_result] if self.last_result else None


def public_summary(market: Market) -> PublicSafetySummary:
    """What the public market page shows: the date and result of the latest concluded inspection and the
    pass rate; no findings. Two queries."""
    latest = (Inspection.objects.filter(market=market, concluded_at__isnull=False)
              .annotate(has_failed=_failed()).order_by("-concluded_at", "-pk").first())
    return PublicSafetySummary(
        last_date=(latest.submitted_at or latest.concluded_at) if latest else None,
        last_result=result_of(latest) if latest else None,
        pass_rate=pass_rate(market))
