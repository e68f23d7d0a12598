"""Views of the inspection flow's human tasks. Each validates a form, calls its service(s) and completes the
task; a refused transition (someone else acted first) becomes a message, never a 500."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.fsm import TransitionRefused
from core.workflow import ServiceTaskView

from .. import services
from ..forms import FillForm, IssueNoticeForm, ReinspectForm
from ..models import Finding, Inspection, NoticeItem


class InspectionTaskView(ServiceTaskView):
    """Base of the inspection task views: subclasses set ``form_class`` and ``perform(form)``."""

    artifact_model = Inspection
    artifact_context_name = "inspection"

    def get_artifact_queryset(self):
        return Inspection.objects.with_list_data()

    @property
    def inspection(self) -> Inspection:
        return self.artifact


class FillTaskView(InspectionTaskView):
    """现场检查 on the phone. Every change is saved as a draft by the page's script (``inspection_draft``);
    this form saves too (``_save``, for phones without script) and submits (``_submit``)."""

    form_class = FillForm

    def get_form_kwargs(self):
        inspection = self.inspection
        return {**super().get_form_kwargs(), "items": inspection.checklist.items.all(),
                "findings": {f.item_id: f for f in inspection.findings.all()}}

    def get_context_data(self, **kwargs):
        from core.models import Attachment
        from django.contrib.contenttypes.models import ContentType

        findings = list(self.inspection.findings.all())
        photos = {}
        if findings:
            ct = ContentType.objects.get_for_model(Finding)
            by_finding = {f.pk: f.item_id for f in findings}
            for attachment in Attachment.objects.filter(content_type=ct, object_id__in=list(by_finding)):
                photos.setdefault(by_finding[attachment.object_id], []).append(attachment)
        kwargs["photos"] = photos
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        inspection, user = self.inspection, self.request.user
        try:
            services.inspection_save_draft(
                inspection=inspection, by=user, answers=form.answers(), summary=form.cleaned_data["summary"],
                on_site_contact=form.cleaned_data["on_site_contact"], location=form.location())
            for item_id, files in form.photos().items():
                for uploaded in files:
                    services.finding_add_photo(inspection=inspection, item_id=item_id, by=user,
                                               uploaded_file=uploaded)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except TransitionRefused as exc:
            messages.error(self.request, str(exc))
            return HttpResponseRedirect(inspection.get_absolute_url())
        if "_submit" not in self.request.POST:
            messages.success(self.request, _("草稿已保存。"))
            return HttpResponseRedirect(self.request.get_full_path())
        return super().form_valid(form)

    def perform(self, form):
        services.inspection_submit(inspection=self.inspection, by=self.request.user)


class IssueNoticeTaskView(InspectionTaskView):
    form_class = IssueNoticeForm

    def get_form_kwargs(self):
        findings = self.inspection.findings.filter(result=Finding.Result.FAIL).select_related("item")
        return {**super().get_form_kwargs(), "findings": findings}

    def perform(self, form):
        services.notice_issue(inspection=self.inspection, by=self.request.user, requirements=form.requirements())


class ReinspectTaskView(InspectionTaskView):
    """复查: the inspector starts (one click), then gives a verdict on each answered item."""

    form_class = ReinspectForm

    def _items(self):
        return (NoticeItem.objects.filter(notice__inspection=self.inspection, state=NoticeItem.State.ANSWERED)
                .prefetch_related("responses").select_related("finding__item"))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "items": self._items()}

    def get_context_data(self, **kwargs):
        from core.models import Attachment
        from django.contrib.contenttypes.models import ContentType

        from ..models import NoticeItemResponse

        items = list(self._items())
        responses = [r for item in items for r in item.responses.all()]
        ct = ContentType.objects.get_for_model(NoticeItemResponse)
        evidence = {}
        for attachment in Attachment.objects.filter(content_type=ct, object_id__in=[r.pk for r in responses]):
            evidence.setdefault(attachment.object_id, []).append(attachment)
        kwargs["review_items"] = [(item, [(r, evidence.get(r.pk, [])) for r in item.responses.all()])
                                  for item in items]
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        if "_start" in request.POST:
            try:
                services.inspection_start_reinspection(inspection=self.inspection, by=request.user)
                messages.success(request, _("已开始复查。"))
            except TransitionRefused as exc:
                messages.error(request, str(exc))
            return HttpResponseRedirect(request.get_full_path())
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        if self.inspection.status == Inspection.Status.RESPONDED:
            raise ValidationError(_("请先点击“开始复查”，再填写复查结论。"), code="not_started")
        services.notice_review(notice=self.inspection.notice, by=self.request.user, verdicts=form.verdicts())
