"""The staff list pages' shared part (complaints, mediation cases, wage claims, referrals, inspections,
notices, evaluations, service contracts, procurement projects): the records the user may see, narrowed by the
filters the page offers, in a fixed order, 25 a page.

A page is a ``FilteredListView`` naming its model, the permissions that open it (any one), its filters and its
order; the template extends ``core/filtered_list.html`` and fills in the title, the columns and the rows. The
filters render themselves through ``core/_list_filters.html`` and the pager links keep them.

Every list starts from ``Model.objects.visible_to(user)`` (ADR 0001), so a filter can only narrow what the user
may see. A filter value the page does not know (an old bookmark, a hand-edited URL) is ignored, never an error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .workflow import CountedPagePaginator

PAGE_SIZE = 25


@dataclass(frozen=True)
class Control:
    """One filter as the template draws it: a ``select`` (with ``options``), a ``checkbox`` or a ``search``."""

    kind: str
    name: str
    label: str
    value: str | bool
    options: tuple = ()


class ListFilter:
    """A query-string parameter ``name`` that narrows the list. Subclasses read, apply and draw it."""

    kind = "select"
    name = ""
    label = ""

    def read(self, request) -> str | bool:
        return request.GET.get(self.name, "").strip()

    def apply(self, queryset: QuerySet, value, request) -> QuerySet:
        raise NotImplementedError

    def control(self, value, request) -> Control | None:
        """What the template shows (None: nothing, e.g. a filter this user has no use for)."""
        return Control(self.kind, self.name, self.label, value, tuple(self.options(request)))

    def options(self, request):
        return ()


class StatusFilter(ListFilter):
    """``status``: one state of ``choices``. With ``open_by_default`` an empty value lists the open records
    only (the queryset's ``open()``) and ``all`` lists every state; otherwise an empty value lists them all."""

    name = "status"
    label = _("状态")

    def __init__(self, choices, *, open_by_default=True, empty_label=None):
        self.choices, self.open_by_default = choices, open_by_default
        self.empty_label = empty_label or (_("未办结") if open_by_default else _("全部状态"))

    def apply(self, queryset, value, request):
        if value in {code for code, _label in self.choices}:
            return queryset.filter(status=value)
        if self.open_by_default and value != "all":
            return queryset.open()
        return queryset

    def options(self, request):
        yield "", self.empty_label
        if self.open_by_default:
            yield "all", _("全部")
        yield from self.choices


class ChoiceFilter(ListFilter):
    """A ``select`` on one field of the model: ``field`` equals one of ``choices``; empty: any."""

    def __init__(self, name, *, field, choices, label, empty_label):
        self.name, self.field, self.choices, self.label, self.empty_label = name, field, choices, label, empty_label

    def apply(self, queryset, value, request):
        if value in {code for code, _label in self.choices}:
            return queryset.filter(**{self.field: value})
        return queryset

    def options(self, request):
        yield "", self.empty_label
        yield from self.choices


class DistrictFilter(ListFilter):
    """``district`` (a district's id). Offered to city-wide users only: anyone else sees one district anyway,
    and the value can only narrow their scoped list further."""

    name = "district"
    label = _("所属区")

    def apply(self, queryset, value, request):
        return queryset.filter(district_id=int(value)) if value.isdigit() else queryset

    def control(self, value, request):
        from accounts.scoping import is_citywide

        return super().control(value, request) if is_citywide(request.user) else None

    def options(self, request):
        from accounts.models import District

        yield "", _("全部区")
        for district in District.objects.all():
            yield str(district.pk), district.name


class FlagFilter(ListFilter):
    """A checkbox: when ticked, only the records matching ``condition`` (a ``Q``, or a function of the user
    returning one, e.g. the user's own cases)."""

    kind = "checkbox"

    def __init__(self, name, *, label, condition: Q | Callable[[object], Q]):
        self.name, self.label, self.condition = name, label, condition

    def read(self, request):
        return bool(request.GET.get(self.name))

    def apply(self, queryset, value, request):
        if not value:
            return queryset
        condition = self.condition(request.user) if callable(self.condition) else self.condition
        return queryset.filter(condition)


class OverdueFilter(FlagFilter):
    """仅逾期 (or the page's own ``label``): the records whose deadline has passed (``is_overdue`` of
    ``core.models.DeadlineTracked``)."""

    def __init__(self, *, label=_("仅逾期")):
        super().__init__("overdue", label=label, condition=Q(is_overdue=True))


class SearchFilter(ListFilter):
    """``q``: the text in any of ``fields`` (case-insensitive), or meeting ``also`` (a function of the text
    returning a ``Q``, for a match that is not a substring, e.g. a whole code). ``distinct`` when a field is
    reached through a to-many relation, so a record matching twice is listed (and counted) once."""

    kind = "search"
    name = "q"

    def __init__(self, *fields, label, distinct=False, also: Callable[[str], Q] | None = None):
        self.fields, self.label, self.distinct, self.also = fields, label, distinct, also

    def apply(self, queryset, value, request):
        if not value:
            return queryset
        condition = Q()
        for field in self.fields:
            condition |= Q(**{f"{field}__icontains": value})
        if self.also is not None:
            condition |= self.also(value)
        queryset = queryset.filter(condition)
        return queryset.distinct() if self.distinct else queryset


class FilteredListView(TemplateView):
    """A staff list page. Subclasses set ``model``, ``permissions`` (any one opens the page), ``filters``,
    ``ordering`` (or override ``order``) and ``template_name``, and may extend ``get_queryset`` (annotations
    for the columns) and ``get_context_data`` (buttons the user may press, marks on the page's rows).

    The template gets ``page`` (the records of this page), ``filters`` (the controls to draw, with the values
    read) and ``query`` (the filters in use as a query string ending in ``&``, or empty, for the pager's
    links)."""

    model = None
    permissions: tuple[str, ...] = ()
    filters: tuple[ListFilter, ...] = ()
    ordering: tuple[str, ...] = ()
    paginate_by = PAGE_SIZE

    def dispatch(self, request, *args, **kwargs):
        if not any(request.user.has_perm(permission) for permission in self.permissions):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        return self.model.objects.visible_to(self.request.user).with_list_data()

    def order(self, queryset: QuerySet) -> QuerySet:
        """The filtered records in the page's order: ``ordering``, or (overridden) a queryset method that
        names the order once for the model, e.g. ``by_urgency()``."""
        return queryset.order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        request = self.request
        queryset = self.get_queryset()
        controls, query = [], QueryDict(mutable=True)
        for list_filter in self.filters:
            value = list_filter.read(request)
            queryset = list_filter.apply(queryset, value, request)
            if value:
                query[list_filter.name] = "1" if value is True else value
            control = list_filter.control(value, request)
            if control is not None:
                controls.append(control)
        page = CountedPagePaginator(self.order(queryset), self.paginate_by).get_page(request.GET.get("page"))
        encoded = query.urlencode()
        return super().get_context_data(page=page, filters=controls, query=f"{encoded}&" if encoded else "",
                                        **kwargs)

    def render_to_response(self, context, **response_kwargs):
        # A rendered response, as the function views these pages were before: viewflow's SiteMiddleware adds
        # a flow application's menu counters (inbox, queue: a COUNT query each) to template responses only,
        # and these pages never showed them.
        return render(self.request, self.get_template_names(), context, **response_kwargs)
