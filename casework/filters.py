"""Filters of the complaint task lists, in Chinese and cheap: viewflow's default filter names tasks by their
English node names and lists every queued process in a drop-down (megabytes of HTML on a busy queue)."""

from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, DateRangeFilter, FilterSet
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task
from viewflow.workflow.nodes import View


def human_task_choices(flow_class):
    return [(get_task_ref(node), str(node.task_title)) for node in flow_class.instance.nodes()
            if isinstance(node, View)]


class ComplaintTaskFilter(FilterSet):
    flow_task = ChoiceFilter(label=_("任务"))
    created = DateRangeFilter(label=_("创建时间"))

    class Meta:
        model = Task
        fields = ("flow_task", "created")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .flows import ComplaintFlow

        self.filters["flow_task"].field.choices = human_task_choices(ComplaintFlow)


class ComplaintArchiveFilter(ComplaintTaskFilter):
    finished = DateRangeFilter(label=_("完成时间"))

    class Meta:
        model = Task
        fields = ("flow_task", "created", "finished")
