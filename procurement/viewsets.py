"""The procurement Application of the staff site: projects with their selection rounds, and service
contracts with their payment milestones (operator staff: their own contracts, read-only)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.urls import Application, Viewset
from viewflow.urls.sites import AppMenuMixin

from . import views


class ProjectViewset(AppMenuMixin, Viewset):
    title = _("项目与遴选")
    icon = "assignment"
    index_path = path("", RedirectView.as_view(pattern_name="procurement:project:list"), name="index")
    list_path = path("list/", views.project_list, name="list")
    create_path = path("new/", views.project_create, name="create")
    detail_path = path("<int:pk>/", views.project_detail, name="detail")
    round_path = path("rounds/<int:pk>/", views.round_detail, name="round_detail")

    def has_view_permission(self, user, obj=None):
        return user.has_perm("procurement.view_serviceproject")


class ContractViewset(AppMenuMixin, Viewset):
    title = _("服务合同")
    icon = "handshake"
    index_path = path("", RedirectView.as_view(pattern_name="procurement:contract:list"), name="index")
    list_path = path("list/", views.contract_list, name="list")
    detail_path = path("<str:number>/", views.contract_detail, name="detail")

    def has_view_permission(self, user, obj=None):
        return user.has_perm("procurement.view_servicecontract")


class ProcurementApp(Application):
    title = _("政府购买服务")
    icon = "handshake"
    app_name = "procurement"
    viewsets = [ProjectViewset(app_name="project"), ContractViewset(app_name="contract")]

    def has_view_permission(self, user, obj=None):
        return user.has_perm("procurement.view_serviceproject") or user.has_perm("procurement.view_servicecontract")
