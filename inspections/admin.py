"""Admin for the system administrator: checklists (drafts editable, published versions read-only) and
schedules. Inspections and notices are case records: read-only here, changed only through the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ChecklistItem, ChecklistTemplate, ChecklistVersion, Inspection, InspectionSchedule


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ("sort_order", "section", "text", "clause", "default_severity")

    def _frozen(self, obj):
        return obj is not None and obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class ChecklistVersionInline(admin.TabularInline):
    model = ChecklistVersion
    extra = 0
    fields = ("number", "note", "published_at")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "created_at")
    inlines = [ChecklistVersionInline]
    actions = ["new_draft"]

    @admin.action(description=_("新建草稿版本（复制最新版本）"))
    def new_draft(self, request, queryset):
        for template in queryset:
            draft = services.checklist_new_draft(template=template, by=request.user)
            self.message_user(request, _("已新建 %(version)s。") % {"version": draft})


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(admin.ModelAdmin):
    list_display = ("template", "number", "note", "published_at")
    list_filter = ("template",)
    inlines = [ChecklistItemInline]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        base = ["published_at", "published_by"]
        return base + ["template", "number", "note"] if obj is not None and obj.is_frozen else base

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    @admin.action(description=_("发布所选版本（发布后不可修改）"))
    def publish(self, request, queryset):
        for version in queryset:
            try:
                services.checklist_publish(version=version, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{version}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("已发布 %(version)s。") % {"version": version})


@admin.register(InspectionSchedule)
class InspectionScheduleAdmin(admin.ModelAdmin):
    list_display = ("market", "every_months", "inspector", "is_active")
    list_filter = ("is_active",)
    raw_id_fields = ("market", "inspector")


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("number", "market", "district", "status", "planned_for", "inspector")
    list_filter = ("status", "district")
    search_fields = ("number", "market__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
