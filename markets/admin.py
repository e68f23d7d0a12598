"""Reference-data admin for the system administrator (系统管理员). Market status is read-only here: it
changes only through the Market transitions, so the audit trail records who suspended or closed a site."""

from django.contrib import admin

from .forms import MarketForm, OperatorForm
from .models import Market, Operator


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    form = OperatorForm
    list_display = ["name", "kind", "credit_code", "licence_number", "contact_name", "contact_phone"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code", "licence_number"]
    autocomplete_fields = ["organization"]


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    form = MarketForm
    list_display = ["name", "code", "kind", "district", "street", "operator", "status"]
    list_filter = ["kind", "district", "status"]
    search_fields = ["name", "code", "address", "street"]
    list_select_related = ["district", "operator"]
    autocomplete_fields = ["operator"]
    readonly_fields = ["status", "status_reason"]
