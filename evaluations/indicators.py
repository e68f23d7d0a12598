"""The computed indicators: each is a pure read of the cases in the system about the evaluated markets in the
evaluation period, returning the value, the basis in words and the cases it was computed from.

Definitions (the period is ``period_start`` 00:00 to ``period_end`` 24:00 Beijing time):

* **Substantiated complaint** (查实投诉): a complaint about one of the markets, submitted in the period, that
  was accepted (受理) and concluded by handling or by referral (status 已处理 / 已转办 / 已办结): it passed the
  acceptance review and was found to need action. Rejected, withdrawn, merged and still open complaints do
  not count.
* **Served** (服务人次): the number of people (gig workers and employers) the markets served in the period, as
  the operator reports it from its service ledger in the self-assessment (clause (十三) obliges operators to
  keep that ledger; the evaluator checks it against the evidence). No other record in the system counts
  visitors, so without the operator's figure the rate is not computed and the evaluator scores it.
* ``complaints_per_1000``: substantiated complaints × 1000 ÷ served.
* ``satisfaction``: the mean score (1–5) of the satisfaction surveys about the markets answered in the period.
* ``inspection_pass_rate``: of the markets' inspections concluded in the period (cancelled ones excluded),
  the share (%) without any failed checklist item.
* ``rectification_on_time``: of the rectification-notice items of the markets issued in the period whose
  deadline has passed or which were answered, the share (%) answered (first answer of the current round)
  no later than their deadline.
* ``information_published``: of the answered 信息公开 checklist items (pass or fail; not applicable left out)
  in those inspections, the share (%) that passed (clause (十)).
* ``free_service``: the number of substantiated complaints in the category 违规收费 (clause (三)).

A value of None means there were no cases to compute from; the evaluator then scores the indicator.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Exists, F, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.deadlines import BEIJING

from .models import ComputedKey, quantize


@dataclass
class Computed:
    value: Decimal | None
    basis: str = ""
    sources: list = field(default_factory=list)


def period_bounds(evaluation):
    start = datetime.combine(evaluation.period_start, time.min, tzinfo=BEIJING)
    end = datetime.combine(evaluation.period_end + timedelta(days=1), time.min, tzinfo=BEIJING)
    return start, end


def _source(kind, obj, number, url=""):
    return {"kind": kind, "id": obj.pk, "number": number, "url": url}


def _complaint_sources(complaints):
    return [_source("complaint", c, c.number, c.get_absolute_url()) for c in complaints]


def _percent(part: int, whole: int) -> Decimal | None:
    return quantize(Decimal(part) * 100 / Decimal(whole)) if whole else None


def substantiated_complaints(evaluation, market_ids):
    from casework.models import Complaint

    start, end = period_bounds(evaluation)
    return (Complaint.objects.filter(market_id__in=market_ids, submitted_at__gte=start, submitted_at__lt=end,
                                     accepted_at__isnull=False,
                                     status__in=[Complaint.Status.RESOLVED, Complaint.Status.REFERRED,
                                                 Complaint.Status.CLOSED])
            .only("pk", "number", "category").order_by("submitted_at", "pk"))


def complaints_per_1000(evaluation, market_ids) -> Computed:
    complaints = list(substantiated_complaints(evaluation, market_ids))
    served = evaluation.served_count
    if not served:
        return Computed(None, _("查实投诉 %(count)d 件；运营机构未填报服务人次，无法计算") % {"count": len(complaints)},
                        _complaint_sources(complaints))
    value = quantize(Decimal(len(complaints)) * 1000 / Decimal(served))
    return Computed(value, _("查实投诉 %(count)d 件 ÷ 服务 %(served)d 人次 × 1000") % {
        "count": len(complaints), "served": served}, _complaint_sources(complaints))


def free_service(evaluation, market_ids) -> Computed:
    from casework.models import Complaint

    complaints = [c for c in substantiated_complaints(evaluation, market_ids)
                  if c.category == Complaint.Category.ILLEGAL_FEES]
    return Computed(Decimal(len(complaints)), _("查实违规收费投诉 %(count)d 件") % {"count": len(complaints)},
                    _complaint_sources(complaints))


def satisfaction(evaluation, market_ids) -> Computed:
    from casework.models import SatisfactionSurvey

    start, end = period_bounds(evaluation)
    surveys = list(SatisfactionSurvey.objects.filter(market_id__in=market_ids, answered_at__gte=start,
                                                     answered_at__lt=end, score__isnull=False)
                   .prefetch_related("target").order_by("answered_at", "pk"))
    if not surveys:
        return Computed(None, _("评价期间无满意度调查答复"))
    total = sum(s.score for s in surveys)
    sources = []
    for s in surveys:
        target = s.target
        number = getattr(target, "number", "") or str(s.pk)
        url = target.get_absolute_url() if target is not None and hasattr(target, "get_absolute_url") else ""
        sources.append({"kind": "survey", "id": s.pk, "number": number, "url": url, "score": s.score})
    return Computed(quantize(Decimal(total) / Decimal(len(surveys))),
                    _("%(count)d 份答复，合计 %(total)d 分") % {"count": len(surveys), "total": total}, sources)


def _concluded_inspections(evaluation, market_ids):
    from inspections.models import Finding, Inspection

    start, end = period_bounds(evaluation)
    failed = Finding.objects.filter(inspection=OuterRef("pk"), result=Finding.Result.FAIL)
    return list(Inspection.objects.filter(market_id__in=market_ids, concluded_at__gte=start, concluded_at__lt=end)
                .exclude(status=Inspection.Status.CANCELLED).annotate(has_failed=Exists(failed))
                .only("pk", "number").order_by("concluded_at", "pk"))


def inspection_pass_rate(evaluation, market_ids) -> Computed:
    inspections = _concluded_inspections(evaluation, market_ids)
    passed = [i for i in inspections if not i.has_failed]
    sources = [{**_source("inspection", i, i.number, i.get_absolute_url()), "passed": not i.has_failed}
               for i in inspections]
    if not inspections:
        return Computed(None, _("评价期间无已作结论的安全检查"))
    return Computed(_percent(len(passed), len(inspections)),
                    _("合格 %(passed)d 次 ÷ 检查 %(total)d 次") % {"passed": len(passed), "total": len(inspections)},
                    sources)


def information_published(evaluation, market_ids) -> Computed:
    from inspections.models import Finding, Section

    inspections = _concluded_inspections(evaluation, market_ids)
    findings = list(Finding.objects.filter(inspection__in=[i.pk for i in inspections],
                                           item__section=Section.PUBLISHED,
                                           result__in=[Finding.Result.PASS, Finding.Result.FAIL])
                    .select_related("inspection").order_by("inspection_id", "item_id"))
    if not findings:
        return Computed(None, _("评价期间无信息公开检查项结果"))
    passed = sum(1 for f in findings if f.result == Finding.Result.PASS)
    seen, sources = set(), []
    for f in findings:
        if f.inspection_id not in seen:
            seen.add(f.inspection_id)
            sources.append(_source("inspection", f.inspection, f.inspection.number,
                                   f.inspection.get_absolute_url()))
    return Computed(_percent(passed, len(findings)),
                    _("符合 %(passed)d 项 ÷ 检查 %(total)d 项") % {"passed": passed, "total": len(findings)}, sources)


def rectification_on_time(evaluation, market_ids) -> Computed:
    from inspections.models import NoticeItem

    start, end = period_bounds(evaluation)
    now = timezone.now()
    items = list(NoticeItem.objects.filter(notice__market_id__in=market_ids, notice__issued_at__gte=start,
                                           notice__issued_at__lt=end, deadline_at__isnull=False)
                 .select_related("notice").annotate(first_answer=Min("responses__submitted_at",
                                                                       filter=Q(responses__round=F("notice__round"))))
                 .order_by("notice__issued_at", "pk"))
    counted = [i for i in items if i.first_answer is not None or i.deadline_at < now]
    if not counted:
        return Computed(None, _("评价期间无已到期或已反馈的整改事项"))
    on_time = [i for i in counted if i.first_answer is not None and i.first_answer <= i.deadline_at]
    seen, sources = set(), []
    for i in counted:
        if i.notice_id not in seen:
            seen.add(i.notice_id)
            sources.append(_source("notice", i.notice, i.notice.number, i.notice.get_absolute_url()))
    return Computed(_percent(len(on_time), len(counted)),
                    _("按期反馈 %(on_time)d 项 ÷ 应反馈 %(total)d 项") % {"on_time": len(on_time), "total": len(counted)},
                    sources)


COMPUTERS = {
    ComputedKey.COMPLAINTS_PER_1000: complaints_per_1000,
    ComputedKey.SATISFACTION: satisfaction,
    ComputedKey.INSPECTION_PASS_RATE: inspection_pass_rate,
    ComputedKey.RECTIFICATION_ON_TIME: rectification_on_time,
    ComputedKey.INFORMATION_PUBLISHED: information_published,
    ComputedKey.FREE_SERVICE: free_service,
}


def compute(evaluation, key: str) -> Computed:
    market_ids = list(evaluation.markets.values_list("pk", flat=True))
    return COMPUTERS[key](evaluation, market_ids)
