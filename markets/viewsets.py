"""Staff views of the markets registry (viewflow Material).

Every view of a single record looks it up in ``visible_to(user)`` (``ScopedViewsetMixin``), so a
market outside the user's district answers 404 on detail and change alike."""

from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, DetailViewMixin, ModelViewset
from viewflow.views import CreateModelView, UpdateModelView

from accounts.viewsets import ScopedViewsetMixin

from . import services
from .forms import OperatorForm, market_form_for
from .models import Market, Operator


class _ServiceSaveMixin:
    """Staff create/edit save through ``markets.services.registry_save`` (audited), not ``form.save()``."""

    def form_valid(self, form):
        self.object = services.registry_save(form=form, by=self.request.user)
        self.message_user()
        return HttpResponseRedirect(self.get_success_url())


class RegistryCreateView(_ServiceSaveMixin, CreateModelView):
    pass


class RegistryUpdateView(_ServiceSaveMixin, UpdateModelView):
    pass


class MarketViewset(ScopedViewsetMixin, DetailViewMixin, ModelViewset):
    model = Market
    create_view_class = RegistryCreateView
    update_view_class = RegistryUpdateView
    icon = "storefront"
    title = _("市场与驿站")
    list_columns = ("name", "kind", "district", "street", "operator", "status")
    list_filter_fields = ("kind", "district", "status")
    list_search_fields = ("name", "address", "street")
    # No ``form_class`` here: it would take precedence over the per-user forms below.

    def get_queryset(self, request):
        return Market.objects.visible_to(request.user).select_related("district", "operator")

    def get_create_form_class(self, request):
        return market_form_for(request.user)

    def get_update_form_class(self, request):
        return market_form_for(request.user)

    def has_add_permission(self, user):
        return user.has_perm("markets.add_market")

    def has_change_permission(self, user, obj=None):
        return user.has_perm("markets.change_market") and (
            obj is None or Market.objects.visible_to(user).filter(pk=obj.pk).exists())


class OperatorViewset(ScopedViewsetMixin, DetailViewMixin, ModelViewset):
    model = Operator
    create_view_class = RegistryCreateView
    update_view_class = RegistryUpdateView
    icon = "business"
    title = _("运营机构")
    list_columns = ("name", "kind", "credit_code", "contact_name", "contact_phone")
    list_search_fields = ("name", "credit_code")
    form_class = OperatorForm

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
