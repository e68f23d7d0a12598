"""Staff views of the markets registry (viewflow Material)."""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, DetailViewMixin, ModelViewset

from .models import Market, Operator


class MarketViewset(DetailViewMixin, ModelViewset):
    model = Market
    icon = "storefront"
    title = _("市场与驿站")
    list_columns = ("name", "kind", "district", "street", "operator", "status")
    list_filter_fields = ("kind", "district", "status")
    list_search_fields = ("name", "address", "street")

    def get_queryset(self, request):
        return Market.objects.visible_to(request.user).select_related("district", "operator")

    def has_add_permission(self, user):
        return user.has_perm("markets.add_market")

    def has_change_permission(self, user, obj=None):
        return user.has_perm("markets.change_market") and (
            obj is None or Market.objects.visible_to(user).filter(pk=obj.pk).exists())


class OperatorViewset(DetailViewMixin, ModelViewset):
    model = Operator
    icon = "business"
    title = _("运营机构")
    list_columns = ("name", "kind", "credit_code", "contact_name", "contact_phone")
    list_search_fields = ("name", "credit_code")

    def get_queryset(self, request):
        return Operator.objects.visible_to(request.user)

    def has_add_permission(self, user):
        return user.has_perm("markets.add_operator")

    def has_change_permission(self, user, obj=None):
        return user.has_perm("markets.change_operator")


class MarketsApp(Application):
    title = _("零工市场")
    icon = "storefront"
    app_name = "markets"
    viewsets = [MarketViewset(), OperatorViewset()]
