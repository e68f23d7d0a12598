"""Pieces every workflow app shares with viewflow: the base of task views that call one service, and the
scoping of viewflow's task and process lists by an entity's ``visible_to(user)``.

viewflow does no object-level scoping and its default task view saves a ModelForm; ours validate a form,
call one service, turn a refused transition into a message and complete the task."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow.flow.views import mixins as flow_mixins

from .fsm import TransitionRefused


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it names one, else at the top."""
    for field, errors in exc.update_error_dict({}).items():
        form.add_error(field if field in form.fields else None, errors)


def scope_by_artifact(queryset, visible, *, prefix: str = "process__"):
    """Tasks (prefix ``process__``) or processes (prefix ``""``) whose artifact is in ``visible``, a
    queryset of the entity already filtered by ``visible_to(user)``."""
    return queryset.filter(**{f"{prefix}artifact_object_id__in": Subquery(visible.values("pk"))})


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
