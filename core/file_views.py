"""Permission-checked file downloads and the document retry action (URL namespace ``files``).

Files live outside the web root; these views are the only way out. A user may fetch a file when the case it
belongs to is in ``type(case).objects.visible_to(user)``; otherwise the answer is 404, as for every
out-of-scope record (accounts.scoping). Every download writes an AuditEvent on the case."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .documents import retry_document
from .models import Attachment, AuditEvent, GeneratedDocument
from .uploads import safe_filename


def _visible_target(record, user):
    """The case ``record`` (an Attachment or GeneratedDocument) hangs on, if ``user`` may see it; else 404.

    Models without a ``visible_to`` scope are never served (deny by default)."""
    model = record.content_type.model_class()
    manager = getattr(model, "objects", None) if model is not None else None
    if manager is None or not hasattr(manager, "visible_to"):
        raise Http404
    target = manager.visible_to(user).filter(pk=record.object_id).first()
    if target is None:
        raise Http404
    return target


def _file_response(field_file, *, filename, content_type):
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    # Never let a browser sniff an upload into HTML, nor run anything it somehow renders.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def attachment_download(request, pk):
    attachment = get_object_or_404(Attachment, pk=pk)
    target = _visible_target(attachment, request.user)
    response = _file_response(attachment.file, filename=attachment.original_name, content_type=attachment.mime_type)
    AuditEvent.record(target, AuditEvent.Action.DOWNLOAD, by=request.user, name="attachment", data={
        "attachment_id": attachment.pk, "file": attachment.original_name, "sha256": attachment.sha256,
    })
    return response


@require_GET
def document_download(request, pk):
    document = get_object_or_404(GeneratedDocument, pk=pk)
    target = _visible_target(document, request.user)
    if document.status != GeneratedDocument.Status.READY or not document.file:
        raise Http404
    filename = f"{safe_filename(document.title) or _('文书')}.pdf"
    response = _file_response(document.file, filename=filename, content_type="application/pdf")
    AuditEvent.record(target, AuditEvent.Action.DOWNLOAD, by=request.user, name="document", data={
        "document_id": document.pk, "kind": document.kind, "file": filename, "sha256": document.sha256,
    })
    return response


@require_POST
def document_retry(request, pk):
    document = get_object_or_404(GeneratedDocument, pk=pk)
    _visible_target(document, request.user)
    try:
        retry_document(document, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已重新提交生成“%(title)s”，请稍后刷新查看。") % {"title": document.title})
    return _back(request)


def _back(request):
    """Return to the page the button was on (``next`` field, else the referrer), if it is on this site."""
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(candidate, status=303)
    return HttpResponseRedirect("/staff/", status=303)
