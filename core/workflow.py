"""Pieces every workflow app shares with viewflow: the base of task views that call one service, and the
scoping of viewflow's task and process lists by an entity's ``visible_to(user)``.

viewflow does no object-level scoping and its default task view saves a ModelForm; ours validate a form,
call one service, turn a refused transition into a message and complete the task."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow import flow
from viewflow.workflow.flow.views import DashboardProcessListView, FlowChartView
from viewflow.workflow.flow.views import mixins as flow_mixins

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
        return scope_by_artifact(super().get_queryset(), visible, prefix="")


class ScopedChartView(FlowChartView):
    """The chart of one process shows its progress: only for users who may see its case (else 404)."""

    def dispatch(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            from django.shortcuts import get_object_or_404

            process = get_object_or_404(self.flow_class.process_class, pk=process_pk)
            self.flow_class.instance.has_view_permission(request.user, process)  # raises Http404 out of scope
        return super().dispatch(request, *args, **kwargs)
