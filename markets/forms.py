"""Forms of the markets registry: the public list filter and the staff edit forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import District
from accounts.scoping import is_citywide, is_district_staff

from .models import Market, Operator


class MarketFilterForm(forms.Form):
    """The public list's filter (GET). Invalid values are ignored rather than shown as errors: a stale
    shared link still lists something useful."""

    district = forms.ModelChoiceField(
        label=_("所属区"), queryset=District.objects.all(), required=False, empty_label=_("全部区"),
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *Market.Kind.choices],
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        if self.cleaned_data.get("district"):
            queryset = queryset.filter(district=self.cleaned_data["district"])
        if self.cleaned_data.get("kind"):
            queryset = queryset.filter(kind=self.cleaned_data["kind"])
        return queryset


class MarketForm(forms.ModelForm):
    """Staff create/edit of a market. ``status`` is left out: it changes only through the Market
    transitions (suspend, resume, close), never by editing a field."""

    class Meta:
        model = Market
        fields = [
            "kind", "name", "code", "district", "street", "address", "latitude", "longitude",
            "opening_hours", "phone", "complaint_phone", "operator", "services", "facilities", "rules",
            "is_crowded_venue",
        ]
        widgets = {
            "services": forms.Textarea(attrs={"rows": 3}),
            "facilities": forms.Textarea(attrs={"rows": 3}),
            "rules": forms.Textarea(attrs={"rows": 5}),
        }


def market_form_for(user) -> type[MarketForm]:
    """The market form for ``user``: district staff may only pick their own district, so an edit can
    never move a market out of the editor's scope (it would vanish from their list and land in another
    district's)."""
    if is_citywide(user):
        return MarketForm
    district_ids = [user.district_id] if is_district_staff(user) else []

    class ScopedMarketForm(MarketForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["district"].queryset = District.objects.filter(pk__in=district_ids)

    return ScopedMarketForm


class OperatorForm(forms.ModelForm):
    class Meta:
        model = Operator
        fields = [
            "name", "kind", "credit_code", "licence_number", "contact_name", "contact_phone", "address",
            "organization",
        ]

    def clean_credit_code(self):
        # Codes are printed upper-case; people type them in lower-case. The model validator checks the
        # check character.
        return (self.cleaned_data.get("credit_code") or "").strip().upper()
