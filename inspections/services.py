"""Inspection use cases. These are the only writers of the inspections models: views, flows, the sweep,
commands and other apps call them.

Each service locks the rows it changes (the inspection first, then its notice, then the market, always in
that order so two services never deadlock), runs its transitions through ``core.fsm.apply_transition``
(``core.audit`` writes the AuditEvent of each from its ``by``/``reason``), saves with ``update_fields``,
keeps the notice items' deadlines current, and queues documents and messages on commit.

An Inspection and its RectificationNotice move together (the inspection shows the stage of the whole case,
the notice the operator's side of it), so the services that move both call one transition on each in the
same transaction.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import deadlines, documents, notify
from core.fsm import apply_transition
from core.models import AuditEvent, Deadline
from core.numbering import next_case_number
from core.statements import lock_row
from markets.models import Market

from .models import (ChecklistItem, ChecklistTemplate, ChecklistVersion, Finding, Inspection, InspectionSchedule,
                     NoticeItem, NoticeItemResponse, RectificationNotice, Severity)

#: Calendar days to fix an item, by severity (the issue's defaults; settings may override per deployment).
RECTIFICATION_DAYS_DEFAULT = {Severity.CRITICAL: 1, Severity.MAJOR: 7, Severity.MINOR: 15}
ITEM_DEADLINE_KIND = "inspection.notice_item"
DEFAULT_TEMPLATE_NAME = "零工市场（驿站）安全检查表"


def rectification_days(severity: str) -> int:
    configured = getattr(settings, "GIGCASE_RECTIFICATION_DAYS", {}) or {}
    return int(configured.get(str(severity), RECTIFICATION_DAYS_DEFAULT[Severity(severity)]))


def _locked(inspection: Inspection) -> Inspection:
    return lock_row(Inspection, inspection.pk)


def _locked_notice(notice: RectificationNotice) -> RectificationNotice:
    return (RectificationNotice.objects.select_for_update(of=("self",)).select_related("market__operator")
            .get(pk=notice.pk))


# ---- checklists -------------------------------------------------------------------------------------


@transaction.atomic
def checklist_publish(*, version: ChecklistVersion, by) -> ChecklistVersion:
    """Publish a draft version: from now on new inspections are filed with it and its items are frozen."""
    version = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_frozen:
        raise ValidationError(_("该版本已发布。"), code="already_published")
    if not version.items.exists():
        raise ValidationError(_("检查表版本至少要有一个检查项目。"), code="empty_version")
    version.published_at, version.published_by = timezone.now(), by
    version.save(update_fields=["published_at", "published_by"])
    AuditEvent.record(version, AuditEvent.Action.UPDATE, by=by, name="publish", data={"number": version.number})
    return version


@transaction.atomic
def checklist_new_draft(*, template: ChecklistTemplate, by, note: str = "") -> ChecklistVersion:
    """Start the next version as an editable copy of the newest one (published or not)."""
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    latest = template.versions.order_by("-number").first()
    draft = ChecklistVersion.objects.create(template=template, number=(latest.number + 1) if latest else 1,
                                            note=note)
    if latest is not None:
        ChecklistItem.objects.bulk_create([
            ChecklistItem(version=draft, section=i.section, sort_order=i.sort_order, text=i.text, clause=i.clause,
                          default_severity=i.default_severity)
            for i in latest.items.all()
        ])
    AuditEvent.record(draft, AuditEvent.Action.CREATE, by=by, name="new_draft", data={"number": draft.number})
    return draft


def current_checklist() -> ChecklistVersion:
    """The version new inspections are filed with: the default template's newest published version."""
    templates = ChecklistTemplate.objects.filter(is_active=True).order_by("pk")
    template = templates.filter(name=DEFAULT_TEMPLATE_NAME).first() or templates.first()
    version = template.current_version() if template else None
    if version is None:
        raise ValidationError(_("尚未发布检查表，请系统管理员先在管理后台发布。"), code="no_checklist")
    return version


# ---- planning ---------------------------------------------------------------------------------------


def eligible_inspectors(district_id):
    from accounts.models import User

    return (User.objects.filter(is_active=True, district_id=district_id, groups__name=Role.INSPECTOR)
            .distinct().order_by("last_name", "first_name", "username"))


@transaction.atomic
def inspection_plan(*, market: Market, inspector, planned_for: date, by=None, source=Inspection.Source.SCHEDULED,
                    purpose: str = "", complaint=None, checklist: ChecklistVersion | None = None) -> Inspection:
    """Plan an inspection of ``market`` by ``inspector`` (an inspector of the market's district) and start
    its flow. ``by`` None means the system (monthly planning, a complaint hook)."""
    if by is not None and not by.has_perm("inspections.plan_inspection"):
        raise PermissionDenied(_("您没有安排检查的权限。"))
    if market.status == Market.Status.CLOSED:
        raise ValidationError({"market": _("该市场已关闭，不能安排检查。")}, code="market_closed")
    if not eligible_inspectors(market.district_id).filter(pk=inspector.pk).exists():
        raise ValidationError({"inspector": _("检查员须为该市场所在区的检查员。")}, code="inspector_scope")
    if by is not None and not Market.objects.visible_to(by).filter(pk=market.pk).exists():
        raise ValidationError({"market": _("只能安排本区市场的检查。")}, code="market_scope")
    inspection = Inspection.objects.create(
        number=next_case_number("JC"), market=market, district_id=market.district_id, source=source,
        complaint=complaint, checklist=checklist or current_checklist(), inspector=inspector,
        planned_for=planned_for, purpose=purpose,
    )
    AuditEvent.record(inspection, AuditEvent.Action.CREATE, by=by, to_state=inspection.status,
                      data={"market": market.pk, "source": source, "inspector": inspector.pk,
                            "checklist_version": inspection.checklist_id})
    from .flows import InspectionFlow

    InspectionFlow.start.run(inspection=inspection)
    notify.notify_user(inspector, _("新检查任务 %(number)s") % {"number": inspection.number},
                       _("请于%(date)s前往%(market)s实施安全检查。") % {"date": f"{planned_for:%Y年%m月%d日}",
                                                               "market": market.name},
                       target=inspection, dedupe_key=f"inspection:{inspection.pk}:planned")
    return inspection


def inspection_plan_from_complaint(*, complaint, by=None) -> Inspection | None:
    """A safety-hazard complaint about a market creates an ad-hoc inspection of that market, assigned to
    an inspector of its district, planned for today. Idempotent: an open inspection already planned for
    the complaint is returned. Returns None when the complaint names no open market or the district has no
    inspector (the complaint's own handling goes on either way)."""
    if complaint.category != "safety_hazard" or complaint.market_id is None:
        return None
    existing = Inspection.objects.open().filter(complaint=complaint).first()
    if existing is not None:
        return existing
    market = complaint.market
    inspector = eligible_inspectors(market.district_id).first()
    if inspector is None or market.status == Market.Status.CLOSED:
        return None
    return inspection_plan(market=market, inspector=inspector, planned_for=timezone.localdate(), by=None,
                           source=Inspection.Source.COMPLAINT, complaint=complaint,
                           purpose=_("投诉举报反映安全隐患（%(number)s）") % {"number": complaint.number})


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


@transaction.atomic
def inspection_plan_month(*, year: int, month: int, by=None) -> list[Inspection]:
    """Plan the routine inspections of ``year``/``month``: every open crowded venue (人员密集场所) is
    inspected at least monthly (消防安全管理规定 第二十五条), other markets by their schedule.

    A market gets one planned inspection when its schedule is due this month and no scheduled inspection of
    it falls in this month already (running twice plans nothing new). The inspector is the schedule's, else
    the district's inspector with the fewest open inspections."""
    first = date(year, month, 1)
    planned = []
    markets = (Market.objects.filter(status=Market.Status.OPEN)
               .select_related("inspection_schedule").order_by("district_id", "pk"))
    for market in markets:
        schedule = getattr(market, "inspection_schedule", None)
        if not market.is_crowded_venue and (schedule is None or not schedule.is_active):
            continue
        # A crowded venue is inspected monthly whatever its schedule says: the law's minimum.
        every = 1 if market.is_crowded_venue else schedule.every_months
        scheduled = Inspection.objects.filter(market=market, source=Inspection.Source.SCHEDULED).exclude(
            status=Inspection.Status.CANCELLED)
        if scheduled.filter(planned_for__year=year, planned_for__month=month).exists():
            continue
        last = scheduled.filter(planned_for__lt=first).order_by("-planned_for").first()
        if last is not None and _months_between(last.planned_for, first) < every:
            continue
        inspector = schedule.inspector if schedule is not None and schedule.inspector_id else None
        if inspector is None:
            from django.db.models import Count, Q

            inspector = (eligible_inspectors(market.district_id)
                         .annotate(load=Count("inspections", filter=~Q(inspections__status__in=Inspection.FINAL_STATES)))
                         .order_by("load", "pk").first())
        if inspector is None:
            continue
        planned.append(inspection_plan(market=market, inspector=inspector, planned_for=first, by=by,
                                       purpose=_("%(year)d年%(month)d月例行消防安全检查") % {"year": year, "month": month}))
    return planned


@transaction.atomic
def inspection_cancel(*, inspection: Inspection, by, reason: str) -> Inspection:
    """Cancel an inspection that has not been submitted (e.g. the market closed); its tasks disappear."""
    if not reason.strip():
        raise ValidationError({"reason": _("请说明取消理由。")}, code="required")
    inspection = _locked(inspection)
    apply_transition(inspection, "cancel", by=by, label=_("取消检查"), reason=reason.strip())
    inspection.save(update_fields=["status", "cancel_reason", "closed_at", "updated_at"])
    from .flows import cancel_open_processes

    cancel_open_processes(inspection)
    return inspection


# ---- filing -----------------------------------------------------------------------------------------


def _require_inspector(inspection, by):
    if by is None or by.pk != inspection.inspector_id:
        raise PermissionDenied(_("只有本次检查的检查员可以填写检查记录。"))


def _require_editable(inspection):
    if not inspection.is_editable:
        raise ValidationError(_("检查记录已提交，不能再修改。"), code="not_editable")


def _start_if_planned(inspection, by):
    if inspection.status == Inspection.Status.PLANNED:
        apply_transition(inspection, "start", by=by, label=_("开始检查"))
        inspection.save(update_fields=["status", "started_at", "updated_at"])


@transaction.atomic
def inspection_save_draft(*, inspection: Inspection, by, answers: dict, summary: str | None = None,
                          on_site_contact: str | None = None, location: dict | None = None) -> Inspection:
    """Save what the inspector has filled in so far (called on every change from the phone).

    ``answers`` maps checklist item ids to ``{"result": ..., "severity": ..., "note": ...}``; only the keys
    given are written, so a later save with fewer answers never erases earlier ones. The first save starts
    the inspection. ``location`` (``latitude``, ``longitude``, ``accuracy``) is recorded when the browser
    shared it."""
    inspection = _locked(inspection)
    _require_inspector(inspection, by)
    _require_editable(inspection)
    _start_if_planned(inspection, by)
    items = {i.pk: i for i in inspection.checklist.items.all()}
    existing = {f.item_id: f for f in inspection.findings.all()}
    now = timezone.now()
    for raw_id, answer in (answers or {}).items():
        try:
            item = items[int(raw_id)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(_("检查项目不属于本次检查使用的检查表。"), code="unknown_item") from None
        finding = existing.get(item.pk) or Finding(inspection=inspection, item=item)
        if "result" in answer:
            result = answer["result"] or ""
            if result and result not in Finding.Result.values:
                raise ValidationError(_("检查结果无效。"), code="invalid_result")
            finding.result = result
        if "severity" in answer:
            severity = answer["severity"] or ""
            if severity and severity not in Severity.values:
                raise ValidationError(_("隐患等级无效。"), code="invalid_severity")
            finding.severity = severity
        if "note" in answer:
            finding.note = (answer["note"] or "").strip()
        if finding.result != Finding.Result.FAIL:
            finding.severity = ""
        elif not finding.severity:
            finding.severity = item.default_severity
        finding.updated_at = now
        finding.save()
        existing[item.pk] = finding
    fields = ["draft_saved_at", "updated_at"]
    inspection.draft_saved_at = now
    if summary is not None:
        inspection.summary = summary.strip()
        fields.append("summary")
    if on_site_contact is not None:
        inspection.on_site_contact = on_site_contact.strip()[:50]
        fields.append("on_site_contact")
    if location and location.get("latitude") not in (None, "") and location.get("longitude") not in (None, ""):
        from decimal import Decimal, InvalidOperation

        try:
            lat = Decimal(str(location["latitude"])).quantize(Decimal("0.000001"))
            lng = Decimal(str(location["longitude"])).quantize(Decimal("0.000001"))
        except InvalidOperation:
            raise ValidationError(_("定位数据无效。"), code="invalid_location") from None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationError(_("定位数据无效。"), code="invalid_location")
        accuracy = location.get("accuracy")
        inspection.latitude, inspection.longitude = lat, lng
        inspection.location_accuracy = int(float(accuracy)) if accuracy not in (None, "") else None
        inspection.located_at = now
        fields += ["latitude", "longitude", "location_accuracy", "located_at"]
    inspection.save(update_fields=fields)
    return inspection


@transaction.atomic
def finding_add_photo(*, inspection: Inspection, item_id: int, by, uploaded_file):
    """Attach a photo (from the phone's camera) to the finding of one item. Images are re-encoded by
    ``core.uploads`` so their EXIF data (GPS position included) is gone."""
    from core.uploads import attach_file

    inspection = _locked(inspection)
    _require_inspector(inspection, by)
    _require_editable(inspection)
    item = inspection.checklist.items.filter(pk=item_id).first()
    if item is None:
        raise ValidationError(_("检查项目不属于本次检查使用的检查表。"), code="unknown_item")
    _start_if_planned(inspection, by)
    finding, _created = Finding.objects.get_or_create(inspection=inspection, item=item)
    return attach_file(finding, uploaded_file, by=by, description=item.text[:200])


def missing_answers(inspection: Inspection) -> list[ChecklistItem]:
    answered = {f.item_id for f in inspection.findings.all() if f.result}
    return [item for item in inspection.checklist.items.all() if item.pk not in answered]


@transaction.atomic
def inspection_submit(*, inspection: Inspection, by) -> Inspection:
    """Submit the record: every item answered, every failed item with a note. The 检查记录 is issued."""
    inspection = _locked(inspection)
    _require_inspector(inspection, by)
    missing = missing_answers(inspection)
    if missing:
        raise ValidationError(
            _("还有%(count)d项未检查：%(items)s") % {"count": len(missing),
                                                "items": "；".join(i.text for i in missing[:5])},
            code="unanswered")
    unexplained = [f for f in inspection.findings.select_related("item")
                   if f.result == Finding.Result.FAIL and not f.note]
    if unexplained:
        raise ValidationError(_("不符合项须填写情况说明：%(items)s") % {
            "items": "；".join(f.item.text for f in unexplained[:5])}, code="fail_without_note")
    apply_transition(inspection, "submit", by=by, label=_("提交检查记录"))
    inspection.save(update_fields=["status", "submitted_at", "updated_at"])
    documents.request_document(inspection, kind="inspection.record", by=by)
    return inspection


@transaction.atomic
def inspection_conclude(*, inspection: Inspection) -> Inspection:
    """After submission: pass when nothing failed, otherwise rectification is required (a flow step)."""
    inspection = _locked(inspection)
    failed = list(inspection.findings.filter(result=Finding.Result.FAIL).values_list("pk", flat=True))
    if failed:
        apply_transition(inspection, "require_rectification", label=_("需整改"), failed=len(failed))
    else:
        apply_transition(inspection, "pass_", label=_("检查合格"))
    inspection.save(update_fields=["status", "concluded_at", "updated_at"])
    return inspection


@transaction.atomic
def inspection_close(*, inspection: Inspection, by=None) -> Inspection:
    """Close a passed or rectified inspection (a flow step)."""
    inspection = _locked(inspection)
    apply_transition(inspection, "close", by=by, label=_("办结"))
    inspection.save(update_fields=["status", "closed_at", "is_overdue", "updated_at"])
    return inspection


# ---- rectification notices --------------------------------------------------------------------------


def _operator_users(market):
    from accounts.models import User

    if market.operator is None or market.operator.organization_id is None:
        return User.objects.none()
    return User.objects.filter(is_active=True, organization_id=market.operator.organization_id,
                               groups__name=Role.OPERATOR).distinct()


def _district_officials(inspection):
    from accounts.models import User

    return User.objects.filter(is_active=True, district_id=inspection.district_id,
                               groups__name=Role.DISTRICT_OFFICIAL).distinct()


def _start_item_deadline(item: NoticeItem, started_at=None):
    deadline = deadlines.start_deadline(item, kind=ITEM_DEADLINE_KIND, label=_("整改期限（%(severity)s）") % {
        "severity": Severity(item.severity).label}, days=item.days, unit=Deadline.Unit.CALENDAR,
        started_at=started_at or timezone.now(), remind_days_before=1 if item.days > 1 else 0)
    item.deadline_at = deadline.due_at
    item.save(update_fields=["deadline_at"])


def _sync_due(notice: RectificationNotice):
    """Copy the earliest deadline of the items still to be answered onto the notice and the inspection."""
    due = notice.items.filter(state__in=[NoticeItem.State.OPEN, NoticeItem.State.REJECTED]).aggregate(
        due=Min("deadline_at"))["due"]
    RectificationNotice.objects.filter(pk=notice.pk).update(due_at=due)
    Inspection.objects.filter(pk=notice.inspection_id).update(due_at=due)
    notice.due_at = due


@transaction.atomic
def notice_issue(*, inspection: Inspection, by, requirements: dict | None = None) -> RectificationNotice:
    """Issue the 整改通知书: one item per failed finding, each with its deadline by severity (calendar days;
    critical 1, major 7, minor 15 by default). The operator's staff are told. A critical item escalates the
    notice at once: the district official decides whether the market must stop operating."""
    inspection = _locked(inspection)
    failed = list(inspection.findings.filter(result=Finding.Result.FAIL).select_related("item"))
    if not failed:
        raise ValidationError(_("本次检查没有不符合项，无需整改。"), code="nothing_to_fix")
    apply_transition(inspection, "issue_notice", by=by, label=_("下达整改通知"),
                     notice_number=f"ZG-{inspection.number[3:]}")
    inspection.save(update_fields=["status", "updated_at"])
    requirements = requirements or {}
    market = Market.objects.select_related("operator").get(pk=inspection.market_id)
    notice = RectificationNotice.objects.create(inspection=inspection, number=f"ZG-{inspection.number[3:]}",
                                                market=market, issued_by=by)
    AuditEvent.record(notice, AuditEvent.Action.CREATE, by=by, to_state=notice.status,
                      data={"inspection": inspection.number, "items": len(failed)})
    order = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2}
    failed.sort(key=lambda f: (order[f.severity], f.item.sort_order))
    for position, finding in enumerate(failed):
        text = (requirements.get(finding.pk) or requirements.get(str(finding.pk)) or "").strip()
        item = NoticeItem.objects.create(
            notice=notice, finding=finding, severity=finding.severity, sort_order=position,
            requirement=text or _("%(item)s：%(note)s，请限期整改。") % {"item": finding.item.text, "note": finding.note},
            days=rectification_days(finding.severity),
        )
        _start_item_deadline(item, started_at=notice.issued_at)
    _sync_due(notice)
    documents.request_document(notice, kind="inspection.notice", by=by)
    for user in _operator_users(market):
        notify.notify_user(user, _("整改通知 %(number)s") % {"number": notice.number},
                           _("%(market)s安全检查发现%(count)d项问题，请按期整改并在系统中逐项反馈。")
                           % {"market": market.name, "count": len(failed)},
                           target=notice, dedupe_key=f"notice:{notice.pk}:issued:{user.pk}")
    critical = [f for f in failed if f.severity == Severity.CRITICAL]
    if critical:
        _escalate(notice, inspection, reason=_("检查发现重大安全隐患：%(items)s") % {
            "items": "；".join(f.item.text for f in critical)})
    return notice


def _escalate(notice, inspection, *, reason, by=None):
    """Escalate (both rows locked by the caller): the district officials decide on suspension."""
    apply_transition(notice, "escalate", by=by, label=_("升级督办"), reason=reason)
    notice.save(update_fields=["status", "escalated_at", "escalation_reason", "updated_at"])
    apply_transition(inspection, "escalate", by=by, label=_("升级督办"), reason=reason)
    inspection.save(update_fields=["status", "escalated_at", "updated_at"])
    for user in _district_officials(inspection):
        notify.notify_user(user, _("升级督办：%(number)s") % {"number": inspection.number},
                           _("%(market)s：%(reason)s。请决定是否责令暂停运营。")
                           % {"market": notice.market.name, "reason": reason},
                           target=inspection, dedupe_key=f"notice:{notice.pk}:escalated:{notice.round}:{user.pk}")


@transaction.atomic
def notice_escalate(*, notice: RectificationNotice, reason: str, by=None) -> RectificationNotice:
    """Escalate a notice whose deadline passed (the sweep) to the district officials."""
    inspection = _locked(notice.inspection)
    notice = _locked_notice(notice)
    _escalate(notice, inspection, reason=reason, by=by)
    return notice


@transaction.atomic
def notice_decide_escalation(*, notice: RectificationNotice, by, suspend_market: bool,
                             reason: str) -> RectificationNotice:
    """The district official decides on an escalated notice: rectification goes on, and with
    ``suspend_market`` the market stops operating until it is rectified (its public page says so)."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写决定意见。")}, code="required")
    inspection = _locked(notice.inspection)
    notice = _locked_notice(notice)
    apply_transition(notice, "decide_escalation", by=by, label=_("督办决定"), suspend_market=suspend_market,
                     reason=reason.strip())
    notice.save(update_fields=["status", "decision_suspend", "decision_reason", "decided_by", "decided_at",
                               "updated_at"])
    apply_transition(inspection, "decide_escalation", by=by, label=_("督办决定"), suspend_market=suspend_market,
                     reason=reason.strip())
    inspection.save(update_fields=["status", "updated_at"])
    if suspend_market:
        market = Market.objects.select_for_update().get(pk=notice.market_id)
        if market.status == Market.Status.OPEN:
            apply_transition(market, "suspend", by=by, label=_("暂停运营"),
                             reason=_("安全检查%(number)s：%(reason)s") % {"number": inspection.number,
                                                                      "reason": reason.strip()})
            market.save(update_fields=["status", "status_reason"])
    for user in _operator_users(notice.market):
        notify.notify_user(user, _("督办决定 %(number)s") % {"number": notice.number},
                           (_("责令暂停运营，整改合格后恢复。") if suspend_market else _("请继续按要求整改。"))
                           + reason.strip(), target=notice,
                           dedupe_key=f"notice:{notice.pk}:decided:{notice.decided_at.timestamp():.0f}:{user.pk}")
    return notice


@transaction.atomic
def notice_respond(*, notice: RectificationNotice, by, answers: dict, files: dict | None = None
                   ) -> RectificationNotice:
    """The operator answers every open item (``answers``: item id → text; ``files``: item id → uploaded
    evidence photos). Each answered item's deadline is met; the inspector is asked to re-inspect."""
    from core.uploads import attach_file

    inspection = _locked(notice.inspection)
    notice = _locked_notice(notice)
    files = files or {}
    open_items = [i for i in notice.items.all() if i.needs_answer]
    missing = [i for i in open_items if not (answers.get(i.pk) or answers.get(str(i.pk)) or "").strip()]
    if missing:
        raise ValidationError(_("请逐项填写整改情况（还有%(count)d项未填写）。") % {"count": len(missing)},
                              code="unanswered")
    unproven = [i for i in open_items if not (files.get(i.pk) or files.get(str(i.pk)))]
    if unproven:
        raise ValidationError(_("请为每一项上传整改后的照片（还有%(count)d项未上传）。") % {"count": len(unproven)},
                              code="no_evidence")
    apply_transition(notice, "respond", by=by, label=_("反馈整改情况"))
    notice.save(update_fields=["status", "responded_at", "updated_at"])
    apply_transition(inspection, "record_response", by=by, label=_("运营机构已反馈"))
    inspection.save(update_fields=["status", "updated_at"])
    for item in open_items:
        response = NoticeItemResponse.objects.create(
            item=item, round=notice.round, submitted_by=by,
            text=(answers.get(item.pk) or answers.get(str(item.pk))).strip())
        for uploaded in files.get(item.pk) or files.get(str(item.pk)):
            attach_file(response, uploaded, by=by, description=_("整改照片"))
        item.state = NoticeItem.State.ANSWERED
        item.save(update_fields=["state"])
        deadlines.meet_deadlines(item, kinds=[ITEM_DEADLINE_KIND], by=by)
    _sync_due(notice)
    notify.notify_user(inspection.inspector, _("整改反馈 %(number)s") % {"number": notice.number},
                       _("%(market)s已反馈整改情况，请复查。") % {"market": notice.market.name},
                       target=inspection, dedupe_key=f"notice:{notice.pk}:responded:{notice.round}")
    return notice


@transaction.atomic
def inspection_start_reinspection(*, inspection: Inspection, by) -> Inspection:
    """The inspector starts the re-inspection of the operator's answers."""
    inspection = _locked(inspection)
    apply_transition(inspection, "start_reinspection", by=by, label=_("开始复查"))
    inspection.save(update_fields=["status", "updated_at"])
    return inspection


@transaction.atomic
def notice_review(*, notice: RectificationNotice, by, verdicts: dict) -> RectificationNotice:
    """Re-inspection (复查): accept or reject each answer (``verdicts``: item id → ``(accepted, note)``; a
    rejection needs a note). All accepted: rectified. Otherwise the rejected items go back to the operator
    with fresh deadlines by severity. The 复查意见书 is issued either way."""
    inspection = _locked(notice.inspection)
    notice = _locked_notice(notice)
    answered = [i for i in notice.items.all() if i.state == NoticeItem.State.ANSWERED]
    rejected = []
    now = timezone.now()
    for item in answered:
        verdict = verdicts.get(item.pk) or verdicts.get(str(item.pk))
        if verdict is None:
            raise ValidationError(_("请对每一项整改情况作出复查结论。"), code="no_verdict")
        accepted, note = verdict[0], (verdict[1] or "").strip()
        if not accepted and not note:
            raise ValidationError(_("复查不通过的事项须写明理由。"), code="reject_without_note")
        if not accepted:
            rejected.append(item)
    if inspection.status != Inspection.Status.REINSPECTION:
        apply_transition(inspection, "start_reinspection", by=by, label=_("开始复查"))
    for item in answered:
        accepted, note = (verdicts.get(item.pk) or verdicts.get(str(item.pk)))
        NoticeItemResponse.objects.filter(item=item, round=notice.round).update(
            accepted=bool(accepted), review_note=(note or "").strip(), reviewed_by=by, reviewed_at=now)
        item.state = NoticeItem.State.ACCEPTED if accepted else NoticeItem.State.REJECTED
        item.save(update_fields=["state"])
    if rejected:
        apply_transition(notice, "reissue", by=by, label=_("复查不通过，继续整改"), rejected=len(rejected))
        notice.save(update_fields=["status", "reviewed_at", "round", "updated_at"])
        apply_transition(inspection, "issue_notice", by=by, label=_("复查不通过，继续整改"),
                         notice_number=notice.number)
        inspection.save(update_fields=["status", "updated_at"])
        for item in rejected:
            _start_item_deadline(item, started_at=now)
        for user in _operator_users(notice.market):
            notify.notify_user(user, _("复查未通过 %(number)s") % {"number": notice.number},
                               _("有%(count)d项整改未通过复查，请按复查意见继续整改。") % {"count": len(rejected)},
                               target=notice, dedupe_key=f"notice:{notice.pk}:reissued:{notice.round}:{user.pk}")
    else:
        apply_transition(notice, "accept", by=by, label=_("整改合格"))
        notice.save(update_fields=["status", "reviewed_at", "is_overdue", "updated_at"])
        apply_transition(inspection, "confirm_rectified", by=by, label=_("整改完成"))
        inspection.save(update_fields=["status", "is_overdue", "updated_at"])
    _sync_due(notice)
    documents.request_document(notice, kind="inspection.reinspection", by=by)
    return notice


@transaction.atomic
def market_resume_after_rectification(*, inspection: Inspection, by, reason: str = "") -> Market:
    """Let a market suspended over this inspection operate again once the rectification was accepted."""
    if not by.has_perm("inspections.decide_escalation_inspection"):
        raise PermissionDenied(_("恢复运营须由区级负责人决定。"))
    inspection = _locked(inspection)
    notice = getattr(inspection, "notice", None)
    if notice is None or notice.status != RectificationNotice.Status.ACCEPTED:
        raise ValidationError(_("整改复查合格后才能恢复运营。"), code="not_rectified")
    market = Market.objects.select_for_update().get(pk=inspection.market_id)
    apply_transition(market, "resume", by=by, label=_("恢复运营"),
                     reason=reason.strip() or _("安全检查%(number)s整改合格") % {"number": inspection.number})
    market.save(update_fields=["status", "status_reason"])
    return market


# ---- case file --------------------------------------------------------------------------------------


def may_export_dossier(inspection: Inspection, user) -> bool:
    """Who may export the case file: whoever may export data (district and bureau officials), and the
    inspection's own inspector."""
    return user.has_perm("core.export_data") or user.pk == inspection.inspector_id


@transaction.atomic
def inspection_request_dossier(*, inspection: Inspection, by):
    """Queue the case file (案卷) of the inspection as a PDF and record the export in the audit trail."""
    if not may_export_dossier(inspection, by):
        raise PermissionDenied(_("您没有导出案卷的权限。"))
    document = documents.request_document(inspection, kind="inspection.dossier", by=by)
    AuditEvent.record(inspection, AuditEvent.Action.EXPORT, by=by, name="dossier", data={"document": document.pk})
    return document


# ---- deadline handlers (called by core.deadlines.sweep inside its transaction) --------------------


def on_deadline_remind(deadline):
    """The day before an item is due: remind the operator's staff."""
    item = NoticeItem.objects.select_related("notice__market__operator").filter(pk=deadline.object_id).first()
    if item is None or not item.needs_answer:
        return
    notice = item.notice
    for user in _operator_users(notice.market):
        notify.notify_user(user, _("整改期限提醒：%(number)s") % {"number": notice.number},
                           _("整改事项“%(item)s”将于%(due)s到期。") % {
                               "item": item.requirement[:40],
                               "due": timezone.localtime(deadline.due_at).strftime("%Y年%m月%d日")},
                           target=notice, dedupe_key=f"deadline:{deadline.pk}:remind:{user.pk}")


def on_deadline_overdue(deadline):
    """An item is overdue: flag the notice and, when it is waiting for the operator, escalate it."""
    item = NoticeItem.objects.select_related("notice").filter(pk=deadline.object_id).first()
    if item is None or not item.needs_answer:
        return
    notice = item.notice
    RectificationNotice.objects.filter(pk=notice.pk).update(is_overdue=True)
    Inspection.objects.filter(pk=notice.inspection_id).update(is_overdue=True)
    AuditEvent.record(notice, AuditEvent.Action.DEADLINE, name="overdue", reason=str(deadline.label))
    if notice.status == RectificationNotice.Status.ISSUED:
        notice_escalate(notice=notice, reason=_("整改事项逾期未反馈：%(item)s") % {"item": item.requirement[:60]})
