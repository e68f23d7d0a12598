"""Admin for the kernel's reference data: the holiday calendar (editable) and, read-only, deadlines and the
audit trail. Changing the calendar recomputes the deadlines it affects, in the same transaction."""

from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from . import deadlines
from .models import AuditEvent, CalendarDay, CalendarYear, Deadline

WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


def _report_recomputed(request, count):
    if count:
        messages.info(request, ngettext("已重新计算%(count)d个期限。", "已重新计算%(count)d个期限。", count)
                      % {"count": count})


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Adding a year's row declares its schedule complete: enter its holidays and make-up days under
    节假日调整 first. Saving recomputes every provisional deadline."""

    list_display = ["year", "holiday_count", "workday_count", "source", "loaded_at"]
    ordering = ["-year"]

    @admin.display(description=_("法定节假日（工作日）"))
    def holiday_count(self, obj):
        return CalendarDay.objects.filter(date__year=obj.year, kind=CalendarDay.Kind.HOLIDAY).count()

    @admin.display(description=_("调休上班"))
    def workday_count(self, obj):
        return CalendarDay.objects.filter(date__year=obj.year, kind=CalendarDay.Kind.WORKDAY).count()

    def save_model(self, request, obj, form, change):
        if not obj.source:
            obj.source = gettext("管理后台录入（%(user)s）") % {"user": request.user.get_username()}
        super().save_model(request, obj, form, change)
        count = deadlines.recompute_provisional(obj.year)
        if change:  # an edited year may change deadlines that were not provisional
            count += deadlines.recompute_year(obj.year)
        _report_recomputed(request, count)

    def delete_model(self, request, obj):
        year = obj.year
        super().delete_model(request, obj)
        _report_recomputed(request, deadlines.recompute_year(year))

    def delete_queryset(self, request, queryset):
        years = list(queryset.values_list("year", flat=True))
        super().delete_queryset(request, queryset)
        _report_recomputed(request, sum(deadlines.recompute_year(year) for year in years))


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Exceptions to the Monday–Friday week. Only weekday holidays and weekend make-up days matter."""

    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]
    ordering = ["-date"]

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        old = CalendarDay.objects.filter(pk=obj.pk).values_list("date", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        dates = [d for d in (old, obj.date) if d]
        _report_recomputed(request, deadlines.recompute_between(min(dates), max(dates)))

    def delete_model(self, request, obj):
        day = obj.date
        super().delete_model(request, obj)
        _report_recomputed(request, deadlines.recompute_between(day, day))

    def delete_queryset(self, request, queryset):
        days = list(queryset.values_list("date", flat=True))
        super().delete_queryset(request, queryset)
        if days:
            _report_recomputed(request, deadlines.recompute_between(min(days), max(days)))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: viewable, never added, changed or deleted here."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["label", "kind", "content_type", "object_id", "unit", "days", "extended_days", "due_at",
                    "provisional", "status"]
    list_filter = ["status", "provisional", "unit", "content_type"]
    search_fields = ["kind", "label"]
    date_hierarchy = "due_at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "actor_name", "actor_role", "action", "name", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor_name", "name", "object_id"]
    date_hierarchy = "created_at"
    list_select_related = ["content_type"]
