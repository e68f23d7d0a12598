"""The evaluation documents (PDF), all hung on the Evaluation (so the operator's staff may download them:
file downloads follow ``Evaluation.objects.visible_to``):

* 评价报告: the indicator table (values, basis, source cases, scores), the evidence list, the scorer, the
  reviewers and the approver;
* 整改通知: the requirements and the plan deadline after a 限期整改 outcome (or a public body's failing one);
* 退出决定书: the exit decision after a failed evaluation under a service contract;
* 案卷: the case file with the whole audit trail and every document and file with its SHA-256.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents import audit_timeline, register_document
from core.models import Attachment, AuditEvent, Deadline, GeneratedDocument

from .models import Approval, Evaluation, Evidence


def bureau_name(evaluation: Evaluation) -> str:
    return f"{evaluation.district.name}人力资源和社会保障局"


CITY_BUREAU = "北京市人力资源和社会保障局"


def _base(evaluation: Evaluation) -> dict:
    approvals = list(evaluation.approvals.select_related("decided_by"))
    return {
        "evaluation": evaluation,
        "operator": evaluation.operator,
        "contract": evaluation.contract,
        "markets": list(evaluation.markets.all()),
        "case_number": evaluation.number,
        "bureau": bureau_name(evaluation),
        "city_bureau": CITY_BUREAU,
        "hotline": settings.GIGCASE_PUBLIC_HOTLINE,
        "issued_on": timezone.now(),
        "reviews": [a for a in approvals if a.stage == Approval.Stage.DISTRICT_REVIEW],
        "approvals": [a for a in approvals if a.stage == Approval.Stage.BUREAU_APPROVAL],
    }


def report_context(evaluation: Evaluation) -> dict:
    rows = evaluation.indicator_rows()
    return {**_base(evaluation), "rows": rows,
            "evidence_rows": [r for r in rows if r["evidence"] is not None]}


def rectification_context(evaluation: Evaluation) -> dict:
    deadline = (Deadline.objects.for_object(evaluation).filter(kind="evaluation.plan").order_by("-pk").first())
    return {**_base(evaluation), "plan_due": deadline.due_at if deadline else evaluation.due_at}


def exit_context(evaluation: Evaluation) -> dict:
    return {**_base(evaluation), "markets": list(evaluation.markets.all())}


EVENT_LABELS = {
    "open_self_assessment": _("发起自评"),
    "submit_self_assessment": _("提交自评"),
    "compute": _("计算指标"),
    "submit_scores": _("提交评分"),
    "pass_review": _("区级审核通过"),
    "return_from_review": _("区级审核退回"),
    "return_from_approval": _("市局审批退回"),
    "approve_pass": _("审批通过"),
    "approve_rectification": _("审批：限期整改"),
    "approve_exit": _("审批：退出"),
    "submit_plan": _("提交整改计划"),
    "start_follow_up": _("启动跟踪评价"),
    "cancel": _("取消评价"),
    "attach": _("上传材料"),
    "overdue": _("逾期"),
    "dossier": _("导出案卷"),
    "deadline_start": _("期限开始"),
    "deadline_met": _("期限已完成"),
    "deadline_cancel": _("期限取消"),
}


def dossier_context(evaluation: Evaluation) -> dict:
    """The case file (案卷): the report's content, then the whole audit trail of the evaluation and its
    evidence (oldest first, each row with its hash) and every document and file with its SHA-256."""
    evidence = list(evaluation.evidence.all())
    objects = {Evaluation: [evaluation], Evidence: evidence}
    condition = Q(pk__in=[])
    attachment_condition = Q(pk__in=[])
    for model, instances in objects.items():
        if instances:
            ct = ContentType.objects.get_for_model(model)
            condition |= Q(content_type=ct, object_id__in=[str(o.pk) for o in instances])
            attachment_condition |= Q(content_type=ct, object_id__in=[o.pk for o in instances])
    states = dict(Evaluation.Status.choices)
    timeline = audit_timeline(
        AuditEvent.objects.filter(condition).order_by("id"),
        event_label=lambda e: EVENT_LABELS.get(e.name, e.name),
        state_label=lambda e, state: states.get(state, state))
    ct = ContentType.objects.get_for_model(Evaluation)
    documents = (GeneratedDocument.objects.filter(content_type=ct, object_id=evaluation.pk)
                 .exclude(kind="evaluation.dossier").order_by("created_at", "pk"))
    return {**report_context(evaluation), "timeline": timeline, "documents": list(documents),
            "attachments": list(Attachment.objects.filter(attachment_condition).order_by("uploaded_at", "pk"))}


KINDS = {
    "evaluation.report": ("evaluations/pdf/evaluation_report.html", _("评价报告"), report_context),
    "evaluation.rectification": ("evaluations/pdf/rectification_notice.html", _("整改通知"), rectification_context),
    "evaluation.exit": ("evaluations/pdf/exit_decision.html", _("退出决定书"), exit_context),
    "evaluation.dossier": ("evaluations/pdf/evaluation_dossier.html", _("评价案卷"), dossier_context),
}

for _kind, (_template, _title, _context) in KINDS.items():
    register_document(_kind, template_name=_template, title=_title, context=_context)

