"""Admin for the system administrator: rubrics (drafts editable, published versions read-only). Evaluations
are case records: read-only here, changed only through the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Evaluation, Indicator, Rubric


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("sort_order", "code", "name", "clause", "kind", "computed_key", "weight", "max_score", "full_at",
              "zero_at", "guidance")

    def _frozen(self, obj):
        return obj is not None and obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ("name", "number", "note", "published_at")
    inlines = [IndicatorInline]
    actions = ["publish", "new_draft"]

    def get_readonly_fields(self, request, obj=None):
        base = ["published_at", "published_by"]
        if obj is not None and obj.is_frozen:
            return base + ["name", "number", "note", "excellent_from", "pass_from", "rectify_from"]
        return base

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    @admin.action(description=_("发布所选版本（发布后不可修改）"))
    def publish(self, request, queryset):
        for rubric in queryset:
            try:
                services.rubric_publish(rubric=rubric, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{rubric}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("已发布 %(rubric)s。") % {"rubric": rubric})

    @admin.action(description=_("新建草稿版本（复制最新版本）"))
    def new_draft(self, request, queryset):
        for rubric in queryset:
            draft = services.rubric_new_draft(rubric=rubric, by=request.user)
            self.message_user(request, _("已新建 %(rubric)s。") % {"rubric": draft})


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("number", "operator", "district", "status", "outcome", "period_start", "period_end")
    list_filter = ("status", "outcome", "district")
    search_fields = ("number", "operator__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
