from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import District, Organization, User


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort_order"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district", "is_active"]
    list_filter = ["kind", "district", "is_active"]
    search_fields = ["name", "credit_code"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "organization", "district", "is_active"]
    list_filter = ["groups", "district", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("单位与辖区"), {"fields": ("organization", "district", "phone", "title")}),
    )
