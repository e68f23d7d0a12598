"""Pieces every workflow app shares with viewflow: the base of task views that call one service, and the
scoping of viewflow's task and process lists by an entity's ``visible_to(user)``.

viewflow does no object-level scoping and its default task view saves a ModelForm; ours validate a form,
call one service, turn a refused transition into a message and complete the task."""

import copy
import re

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Case, CharField, Count, Exists, F, Func, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django_filters import ChoiceFilter, DateRangeFilter, FilterSet
from viewflow.utils import viewprop
from viewflow.workflow import flow
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import (DashboardProcessListView, DashboardTaskListView, FlowArchiveListView,
                                          FlowChartView, FlowInboxListView, FlowQueueListView)
from viewflow.workflow.flow.views import mixins as flow_mixins
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from .fsm import TransitionRefused


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it names one, else at the top."""
    for field, errors in exc.update_error_dict({}).items():
        form.add_error(field if field in form.fields else None, errors)


def scope_by_artifact(queryset, visible, *, prefix: str = "process__"):
    """Tasks (prefix ``process__``) or processes (prefix ``""``) whose artifact is in ``visible``, a
    queryset of the entity already filtered by ``visible_to(user)``.

    A correlated EXISTS, not ``IN (subquery)``: the planner then probes the entity's primary key per task
    instead of hashing (and sorting) every case of the district on each request (bench report 2026-11-26)."""
    return queryset.filter(Exists(visible.order_by().filter(pk=OuterRef(f"{prefix}artifact_object_id"))))


def prefixed(condition: Q, prefix: str) -> Q:
    """``condition`` (plain lookups, as ``visible_q`` returns) with every lookup moved under ``prefix``."""
    clone = copy.copy(condition)
    clone.children = [prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
                      for child in condition.children]
    return clone


def case_path(model) -> str | None:
    """The task → case path (``process__<app>_<model>``) of a flow entity that declares
    ``processes = core.models.flow_processes()``; None for one that does not."""
    for field in model._meta.private_fields:
        if isinstance(field, GenericRelation) and issubclass(field.related_model, Process):
            return f"process__{field.related_query_name()}"
    return None


def scope_tasks(tasks, model, user, *, live: bool):
    """``tasks`` of ``model``'s flow whose case ``user`` may see, joined to the case once.

    ``live``: the tasks are NEW or ASSIGNED (inbox, queue and their badges), so their case is open (a case
    that closes, is withdrawn or merged ends or cancels its process). Saying so lets PostgreSQL start from the
    district's open cases (a small partial index) instead of every open task of the city (ADR 0002)."""
    path = case_path(model)
    manager = model._default_manager
    if path is None or not hasattr(manager, "visible_q"):
        return scope_by_artifact(tasks, manager.visible_to(user))
    condition = manager.visible_q(user)
    if live and hasattr(manager, "open_q"):
        condition &= manager.open_q()
    if not condition:  # a city-wide user: still join, so the case's columns come from the same row
        condition = Q(pk__isnull=False)
    return tasks.filter(prefixed(condition, f"{path}__"))


class ServiceTaskView(flow_mixins.TaskSuccessUrlMixin, flow_mixins.TaskViewTemplateNames, generic.FormView):
    """Base of a human task's view. Subclasses set ``form_class``, ``artifact_model`` and
    ``perform(form)``, which calls exactly one service; the task completes only when it succeeds."""

    template_filename = "task.html"
    success_message = _("已办理：%(task)s")
    artifact_model = None
    #: the context name of the artifact in templates (e.g. "complaint")
    artifact_context_name = "object"

    def get_artifact_queryset(self):
        return self.artifact_model._default_manager.all()

    @property
    def artifact(self):
        # Re-read, never the process's cached artifact: a service may have changed it since.
        if not hasattr(self, "_artifact"):
            self._artifact = self.get_artifact_queryset().get(pk=self.request.activation.process.artifact_object_id)
        return self._artifact

    def get_context_data(self, **kwargs):
        kwargs.setdefault(self.artifact_context_name, self.artifact)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            self.perform(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        except TransitionRefused as exc:
            messages.error(self.request, str(exc))
            return HttpResponseRedirect(self.artifact.get_absolute_url())
        self.request.activation.execute()
        messages.success(self.request, self.success_message % {"task": self.request.activation.task.title})
        return HttpResponseRedirect(self.get_success_url())


class ScopedView(flow.View):
    """A human task that only the users who may see its case can claim, execute or open.

    The flow's ``has_view_permission(user, process)`` decides (it raises Http404 out of scope: ADR 0001), and
    a task id that belongs to another node of the flow is 404 too."""

    _owner_permission_obj = None  # viewflow reads it even on nodes assigned with .Assign()

    def _in_scope(self, user, task):
        if task.flow_task != self:
            raise Http404
        return self.flow_class.instance.has_view_permission(user, task.process)

    def can_assign(self, user, task):
        return self._in_scope(user, task) and super().can_assign(user, task)

    def can_execute(self, user, task):
        return self._in_scope(user, task) and super().can_execute(user, task)

    def can_view(self, user, task):
        return self._in_scope(user, task) and super().can_view(user, task)


def ensure_visible(model, user, process) -> None:
    """Raise Http404 unless ``user`` may see the process's artifact (``model.objects.visible_to``)."""
    if not model._default_manager.visible_to(user).filter(pk=process.artifact_object_id).exists():
        raise Http404


# Flow nodes run after a service saved the case, but ``process.artifact`` may be a copy cached before that
# (a task view loaded it). Gates and owners therefore read the committed row, never the cached artifact.

def committed(model, field: str):
    """A callable ``(activation) -> value`` reading ``field`` of the process's artifact from the database."""
    def read(activation):
        return (model._default_manager.filter(pk=activation.process.artifact_object_id)
                .values_list(field, flat=True).first())

    return read


def status_is(model, status):
    """A Switch/If condition: the artifact's committed status equals ``status``."""
    read = committed(model, "status")
    return lambda activation: read(activation) == status


def committed_user(model, field: str):
    """An ``.Assign()`` callable: the user in the artifact's ``field`` as committed."""
    read = committed(model, f"{field}_id")

    def owner(activation):
        from django.contrib.auth import get_user_model

        pk = read(activation)
        return get_user_model()._default_manager.get(pk=pk) if pk else None

    return owner


class ScopedProcessListView(DashboardProcessListView):
    """A flow's process list, limited to the processes whose case the user may see. The flow names its
    entity as ``artifact_model`` (which provides ``objects.visible_to(user)``)."""

    def get_queryset(self):
        visible = self.flow_class.artifact_model._default_manager.visible_to(self.request.user)
        queryset = scope_by_artifact(super().get_queryset(), visible, prefix="")
        return queryset if queryset.ordered else queryset.order_by("-created")


class ScopedChartView(FlowChartView):
    """The chart of one process shows its progress: only for users who may see its case (else 404)."""

    def dispatch(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            from django.shortcuts import get_object_or_404

            process = get_object_or_404(self.flow_class.process_class, pk=process_pk)
            self.flow_class.instance.has_view_permission(request.user, process)  # raises Http404 out of scope
        return super().dispatch(request, *args, **kwargs)


# ---- the scoped task lists and menu counters of a flow's Application ---------------------------------------
#
# viewflow's inbox, queue and archive list every district's tasks, its filter form lists every queued process
# in a drop-down (megabytes of HTML on a busy queue), its menu badges count the whole city's tasks and its
# StoreRequestPathMixin saves the session on every GET. ``ScopedFlowAppViewset`` replaces all four for any
# flow that names its entity as ``artifact_model`` (with ``objects.visible_to(user)``).

class TaskFilter(FilterSet):
    """Task list filters in Chinese: the flow's human tasks by title and the creation date."""

    flow_task = ChoiceFilter(label=_("任务"))
    created = DateRangeFilter(label=_("创建时间"))

    class Meta:
        model = Task
        fields = ("flow_task", "created")

    def __init__(self, *args, flow_class=None, **kwargs):
        super().__init__(*args, **kwargs)
        if flow_class is not None:
            self.filters["flow_task"].field.choices = [
                (get_task_ref(node), str(node.task_title))
                for node in flow_class.instance.nodes() if isinstance(node, flow.View)
            ]


class ArchiveTaskFilter(TaskFilter):
    finished = DateRangeFilter(label=_("完成时间"))

    class Meta:
        model = Task
        fields = ("flow_task", "created", "finished")


def _menu_counts(request) -> dict:
    return request.__dict__.setdefault("_gigcase_task_counts", {})


def _menu_count_key(flow_class, name: str) -> str:
    return f"{flow_class.__module__}.{flow_class.__name__}:{name}"


class CountedTasks:
    """A menu counter: the scoped tasks, whose ``count()`` runs at most once per request. The inbox and queue
    pages store the count their paginator already made (same tasks, unfiltered), so the badge next to the
    page's own menu entry costs no second COUNT (bench report 2026-11-26)."""

    def __init__(self, request, key, queryset):
        self._request, self._key, self.queryset = request, key, queryset

    def count(self):
        counts = _menu_counts(self._request)
        if self._key not in counts:
            counts[self._key] = self.queryset.count()
        return counts[self._key]

    def __iter__(self):
        return iter(self.queryset)

    def __getattr__(self, name):
        return getattr(self.queryset, name)


#: What a task without ``owner_permission`` (open to every user of the flow) is indexed as: never a permission
#: name (those are "app_label.codename"). See ``open_to`` and core migration 0010.
NO_PERMISSION = "-"

#: The queue key qualified by the task's node, ``"<flow_task>|<permission>"`` (e.g.
#: ``"casework/flows.ComplaintFlow.review|casework.accept_complaint"``), NULL for every task that is not NEW and
#: HUMAN. One flow's queue asks for (node, permission) pairs in this one column, and its statistics know which
#: pairs exist (core migration 0010): with ``queue_key IN … AND flow_task IN …`` PostgreSQL multiplied the two
#: selectivities as if independent and expected 1,250–2,130 tasks in a mediator's complaint queue that has none,
#: so the plan of that badge flipped from one ANALYZE to the next (0.2 against 20 ms at 1,000,000 cases; ADR
#: 0002). The SQL of this expression must stay the migration's.
FLOW_QUEUE_KEY = Case(When(status=STATUS.NEW, flow_task_type="HUMAN",
                           then=Func(F("flow_task"), Value("|"), Coalesce("owner_permission", Value(NO_PERMISSION)),
                                     template="(%(expressions)s)", arg_joiner=" || ", output_field=CharField())),
                      default=None, output_field=CharField())


def flow_nodes(flow_class) -> list[str]:
    """What viewflow stores in ``Task.flow_task`` for each node of ``flow_class``
    (``"casework/flows.ComplaintFlow.review"``)."""
    return sorted(get_task_ref(node) for node in flow_class.instance.nodes())


def open_to(tasks, user, flow_class):
    """The NEW human tasks of ``flow_class`` among ``tasks`` that ``user`` may take: viewflow's ``user_queue``
    test (the task's permission is the user's, or it has none, or it is the user's own), written as
    ``FLOW_QUEUE_KEY IN (each human node | each of the user's permissions or '-') OR (owner_id = user AND NEW AND
    HUMAN)`` so that PostgreSQL answers each arm from a small index and estimates it right (ADR 0002). The key is
    NULL for the millions of finished tasks, so its statistics describe the open human tasks only, pair by pair:
    a mediator's permissions match no complaint node, a district official's match most of the flow's open tasks.
    A key of the permission alone (core 0007, dropped in 0011) made a mediator's complaint-queue badge read the
    city's open mediation and wage-claim tasks asking for the same permissions (2,706 read for 0 at 1,000,000
    cases: bench report 2026-11-27, measurement 1). Without django-guardian, as here: viewflow's per-object
    permissions are not supported."""
    if user.is_superuser:
        return tasks.filter(status=STATUS.NEW, flow_task_type="HUMAN")
    if "guardian" in settings.INSTALLED_APPS:  # pragma: no cover - viewflow's own test handles object perms
        return tasks.filter(status=STATUS.NEW, flow_task_type="HUMAN").user_queue(user)
    permissions = [*sorted(user.get_all_permissions()), NO_PERMISSION]
    own = Q(owner=user, status=STATUS.NEW, flow_task_type="HUMAN")
    pairs = [f"{node}|{permission}" for node in human_nodes(flow_class) for permission in permissions]
    return tasks.alias(flow_queue_key=FLOW_QUEUE_KEY).filter(Q(flow_queue_key__in=pairs) | own)


def human_nodes(flow_class) -> list[str]:
    """``flow_nodes`` of the nodes that make HUMAN tasks (the only ones a queue holds)."""
    return sorted(get_task_ref(node) for node in flow_class.instance.nodes()
                  if getattr(node, "task_type", None) == "HUMAN")


def queue_of(flow_class, user):
    """The tasks of ``flow_class`` in ``user``'s queue, as viewflow's ``Task.objects.queue`` (the menu badge)."""
    manager = flow_class.task_class._default_manager
    return open_to(manager.filter_available([flow_class], user), user, flow_class)


class CountedPagePaginator(Paginator):
    """A page's rows and the list's total in one query: ``COUNT(*) OVER ()`` rides along with the rows, so a
    task list costs one query whatever its length (no separate COUNT, which read every matching task a
    second time; bench report 2026-11-26, issue 8). A page past the end has no row to carry the total: it
    is counted the usual way and refused (``EmptyPage``), as Django's paginator does."""

    total_alias = "_gc_list_total"

    def page(self, number):
        qs = self.object_list
        if "count" in self.__dict__ or self.orphans or not hasattr(qs, "query") or qs.query.distinct:
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"])
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        bottom = (number - 1) * self.per_page
        rows = list(qs.annotate(**{self.total_alias: Window(Count("*"))})[bottom:bottom + self.per_page])
        if rows:
            self.__dict__["count"] = getattr(rows[0], self.total_alias)  # the cached_property's slot
            return self._get_page(rows, number, self)
        if number == 1 and self.allow_empty_first_page:
            self.__dict__["count"] = 0
            return self._get_page(rows, number, self)
        return super().page(number)


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


class ScopedTaskListMixin:
    """A flow's task list limited to the tasks whose case the user may see, most urgent first (overdue,
    priority (第十四条), nearest due date), with the case number and deadline as columns. Each of these is
    used when the artifact model has the field (``number``, ``is_overdue``, ``priority``, ``due_at``)."""

    filterset_class = TaskFilter
    paginator_class = CountedPagePaginator
    #: the menu counter this list shows unfiltered ("user_inbox"/"user_queue"), shared with the menu badge
    menu_count_name = None
    #: the list holds only NEW/ASSIGNED tasks, whose cases are open (``scope_tasks``)
    live_tasks = False

    @property
    def artifact_model(self):
        return self.flow_class.artifact_model

    def dispatch(self, request, *args, **kwargs):
        # viewflow's StoreRequestPathMixin assigns the "back" location on every GET, which saves the session
        # (an UPDATE per page view); write it only when it changes (issue 8's benchmark).
        path = request.get_full_path()
        if request.session.get("vf-pin-location") != path:
            request.session["vf-pin-location"] = path
        if isinstance(self, flow_mixins.StoreRequestPathMixin):
            return super(flow_mixins.StoreRequestPathMixin, self).dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if issubclass(filterset_class, TaskFilter):
            kwargs["flow_class"] = self.flow_class
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = context.get("paginator")
        # Only an unfiltered first look is the same set of tasks as the menu's counter.
        if self.menu_count_name and paginator is not None and set(self.request.GET) <= {"page"}:
            _menu_counts(self.request).setdefault(_menu_count_key(self.flow_class, self.menu_count_name),
                                                  paginator.count)
        return context

    def get_queryset(self):
        model = self.artifact_model
        qs = scope_tasks(super().get_queryset(), model, self.request.user, live=self.live_tasks)
        path = case_path(model)
        case = model._default_manager.filter(pk=OuterRef("process__artifact_object_id")).order_by()
        annotations, order = {}, []
        for name, field in (("case_number", "number"), ("case_overdue", "is_overdue"),
                            ("case_priority", "priority"), ("case_due", "due_at")):
            if _has_field(model, field):
                # the joined case's column; an entity without ``flow_processes`` is probed per task
                annotations[name] = F(f"{path}__{field}") if path else Subquery(case.values(field)[:1])
        if "case_overdue" in annotations:
            order.append("-case_overdue")
        if "case_priority" in annotations:
            order.append("-case_priority")
        if "case_due" in annotations:
            order.append(F("case_due").asc(nulls_last=True))
        return qs.annotate(**annotations).order_by(*order, "-created")


#: Ids no task or process has, in the task link reversed once per node (``CaseColumnsMixin.task_id``).
_SENTINEL_PROCESS, _SENTINEL_TASK = 2147480001, 2147480002
#: A case number no case has (numbers are ``<prefix>-<year>-<serial>``), and what a number must look like to be
#: put in its place (``CaseColumnsMixin._case_url``).
_SENTINEL_NUMBER, _PLAIN_NUMBER = "GCSENTINEL-0000-000000", re.compile(r"[A-Za-z0-9-]+")


class CaseColumnsMixin:
    """Inbox and queue show which case a task is for and when it is due (限时办结)."""

    columns = ("task_id", "task_title", "case", "due", "created")

    def task_id(self, task):
        """viewflow's link to the task, reversed once per node and request: the URL is built with two sentinel
        ids and each row substitutes its own (a namespaced ``reverse()`` per row was a good part of what a
        row cost; issue 8's benchmark, page growth with rows)."""
        template = self._url_template(task.flow_task, lambda: task.flow_task.reverse(
            "index", args=[_SENTINEL_PROCESS, _SENTINEL_TASK]))
        url = template.replace(str(_SENTINEL_PROCESS), str(task.process_id)).replace(str(_SENTINEL_TASK), str(task.pk))
        return format_html('<a href="{}">#{}/{}</a>', url, task.process_id, task.pk)

    task_id.short_description = _("#")

    def _url_template(self, key, reverse):
        """``reverse()`` (a URL built with sentinel ids), called once per ``key`` and request (the view)."""
        templates = self.__dict__.setdefault("_gigcase_url_templates", {})
        template = templates.get(key)
        if template is None:
            template = templates[key] = reverse()
        return template

    def case(self, task):
        number = getattr(task, "case_number", None)
        if not number:
            return "—"
        return format_html('<a href="{}">{}</a>', self._case_url(number), number)

    def _case_url(self, number: str) -> str:
        """The case's ``get_absolute_url()``, reversed once per request with a sentinel number that each row
        replaces with its own (as ``task_id``). Case numbers are ``TS-2026-000123``: letters, digits and
        hyphens, which a URL keeps as they are; any other number is reversed on its own."""
        if not _PLAIN_NUMBER.fullmatch(number):
            return self._reverse_case_url(number)
        template = self._url_template("case", lambda: self._reverse_case_url(_SENTINEL_NUMBER))
        return template.replace(_SENTINEL_NUMBER, number)

    def _reverse_case_url(self, number: str) -> str:
        # An instance holding only its number, without Model.__init__ (the case models' get_absolute_url
        # reads nothing else): building a full instance cost more than the link.
        case = self.artifact_model.__new__(self.artifact_model)
        case.number = number
        return case.get_absolute_url()

    case.short_description = _("案件编号")

    def due(self, task):
        due = getattr(task, "case_due", None)
        if due is None:
            return "—"
        label = timezone.localtime(due).strftime("%Y年%m月%d日")
        if getattr(task, "case_overdue", False):
            return format_html('{} <strong style="color:#b71c1c">{}</strong>', label, _("已逾期"))
        if getattr(task, "case_priority", False):
            return format_html('{} <strong style="color:#e65100">{}</strong>', label, _("优先"))
        return label

    due.short_description = _("办理期限")


class ScopedInboxView(CaseColumnsMixin, ScopedTaskListMixin, FlowInboxListView):
    menu_count_name = "user_inbox"
    live_tasks = True


class ScopedQueueView(CaseColumnsMixin, ScopedTaskListMixin, FlowQueueListView):
    menu_count_name = "user_queue"
    live_tasks = True

    @viewprop
    def queryset(self):
        """viewflow's queue list (HUMAN tasks of the flow, NEW, open to the user), with ``open_to``."""
        tasks = self.model._default_manager.all().select_related("process")
        return (open_to(tasks.filter(process__flow_class=self.flow_class), self.request.user, self.flow_class)
                .order_by("-created"))


class ScopedArchiveView(ScopedTaskListMixin, FlowArchiveListView):
    filterset_class = ArchiveTaskFilter


class ScopedTaskListView(ScopedTaskListMixin, DashboardTaskListView):
    pass


class ScopedFlowAppViewset(FlowAppViewset):
    """A flow's Application on the staff site, scoped to what the user may see: inbox, queue, archive, task
    and process lists, the chart, and the menu's inbox/queue counters. Subclasses add their own pages and
    call ``super().__init__(TheFlow)``; the flow names its entity as ``artifact_model``."""

    inbox_view_class = ScopedInboxView
    queue_view_class = ScopedQueueView
    archive_view_class = ScopedArchiveView
    task_list_view_class = ScopedTaskListView
    process_list_view_class = ScopedProcessListView
    chart_view_class = ScopedChartView

    def get_context_data(self, request):
        """The menu's inbox/queue counters, scoped like the lists (viewflow counts every district's tasks)."""
        context = super().get_context_data(request)
        context["user_queue"] = queue_of(self._flow_class, request.user)
        model = self._flow_class.artifact_model
        # viewflow's counters are "user_inbox" and "user_queue": live tasks only
        return {key: CountedTasks(request, _menu_count_key(self._flow_class, key),
                                  scope_tasks(qs, model, request.user, live=True))
                for key, qs in context.items()}
