"""PDF documents: one way to turn a case into a PDF.

A document kind is registered once (``register_document``) with its template under
``templates/<app>/pdf/`` and a function building the template context from the case. Staff ask for a
document (``request_document``), which creates a pending ``GeneratedDocument`` row and enqueues
``render_document_task`` on commit; the task renders with WeasyPrint, stores the file privately with its
SHA-256 and marks the row ready, or failed with a short error so the UI can offer a retry.

Rendering never touches the network: ``StaticOnlyURLFetcher`` serves the project's own static files from
disk and refuses every other URL (a remote logo with no timeout once hung a whole PDF queue elsewhere).
Templates are ordinary autoescaped Django templates extending ``core/pdf/base.html``; the CJK font
(WenQuanYi Micro Hei, Debian ``fonts-wqy-microhei``) is found through fontconfig and embedded as a subset.
"""

import base64
import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, GeneratedDocument
from .queue import enqueue_on_commit
from .statements import insert_returning

logger = logging.getLogger(__name__)

# Relative URLs in PDF templates (``{% static %}`` gives ``/static/...``) are resolved against this base.
# ``.invalid`` is reserved (RFC 2606): nothing there could ever be fetched even if a URL escaped the fetcher.
PDF_BASE_URL = "https://gigcase-pdf.invalid/"

# A pending row older than this is taken as lost (worker killed before it could record anything) and may be
# retried or superseded by a new request.
STALE_PENDING_AFTER = timedelta(minutes=15)

_ERROR_MAX_CHARS = 500


# ---- registry ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    template_name: str
    title: Any  # str, lazy str, or callable(obj) -> str
    context: Callable[[Any], dict]

    def title_for(self, obj) -> str:
        return str(self.title(obj) if callable(self.title) else self.title)


_KINDS: dict[str, DocumentKind] = {}


def register_document(kind: str, *, template_name: str, title, context: Callable[[Any], dict]) -> DocumentKind:
    """Declare a document kind, e.g. ``register_document("casework.acceptance_notice",
    template_name="casework/pdf/acceptance_notice.html", title=_("受理通知书"), context=lambda c: {...})``.

    ``context`` is called by the render task with the case object and returns the template context; it may
    set ``case_number`` (shown in every page header), otherwise the object's ``case_number`` attribute is
    used. Call at import time of the app's documents module (e.g. from ``AppConfig.ready``); registering the
    same kind again replaces it."""
    spec = DocumentKind(kind=kind, template_name=template_name, title=title, context=context)
    _KINDS[kind] = spec
    return spec


def document_kind(kind: str) -> DocumentKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise ImproperlyConfigured(f"document kind {kind!r} is not registered (core.documents.register_document)")


def documents_for(obj):
    """The documents generated for ``obj``, newest first (for ``core/_documents.html``)."""
    return GeneratedDocument.objects.for_object(obj).select_related("requested_by").order_by("-created_at", "-pk")


# ---- services ---------------------------------------------------------------------------------------


def _is_stale_pending(doc: GeneratedDocument) -> bool:
    return doc.status == GeneratedDocument.Status.PENDING and doc.created_at < timezone.now() - STALE_PENDING_AFTER


@transaction.atomic(savepoint=False)  # one statement in the common case; nothing to catch
def request_document(obj, *, kind: str, by=None) -> GeneratedDocument:
    """Ask for a PDF of ``kind`` about ``obj``: creates a pending row and renders it after commit.

    A second request while one of the same kind is still pending returns that row instead of queueing a
    duplicate (double clicks); a ready document is never overwritten, a new request makes a new version."""
    spec = document_kind(kind)
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    doc = GeneratedDocument(
        content_type=content_type,
        object_id=obj.pk,
        kind=kind,
        title=spec.title_for(obj)[:200],
        template_name=spec.template_name,
        requested_by=by if getattr(by, "pk", None) else None,
    )
    fresh = doc.created_at - STALE_PENDING_AFTER
    # The row is inserted unless one of the kind is still pending, in the same statement.
    pending = ("SELECT 1 FROM core_generateddocument WHERE content_type_id = %s AND object_id = %s AND kind = %s "
               "AND status = %s AND created_at >= %s",
               [content_type.pk, obj.pk, kind, GeneratedDocument.Status.PENDING, fresh])
    if insert_returning(doc, unless_exists=pending) is None:
        existing = (
            GeneratedDocument.objects.select_for_update()
            .filter(content_type=content_type, object_id=obj.pk, kind=kind, status=GeneratedDocument.Status.PENDING,
                    created_at__gte=fresh)
            .order_by("-pk")
            .first()
        )
        if existing is not None:
            return existing
        doc.save(force_insert=True)  # it stopped being pending in between: a new version after all
    enqueue_on_commit(render_document_task, doc.pk)
    return doc


@transaction.atomic
def retry_document(doc: GeneratedDocument, *, by) -> GeneratedDocument:
    """Put a failed (or lost pending) document back in the queue. Raises ValidationError otherwise."""
    doc = GeneratedDocument.objects.select_for_update().get(pk=doc.pk)
    if doc.status != GeneratedDocument.Status.FAILED and not _is_stale_pending(doc):
        raise ValidationError(_("只有生成失败的文书可以重新生成。"), code="document_not_failed")
    doc.status = GeneratedDocument.Status.PENDING
    doc.error = ""
    doc.finished_at = None
    doc.created_at = timezone.now()  # restarts the staleness clock
    doc.save(update_fields=["status", "error", "finished_at", "created_at"])
    target = doc.target
    if target is not None:
        AuditEvent.record(target, AuditEvent.Action.DOCUMENT, by=by, name="retry",
                          data={"document_id": doc.pk, "kind": doc.kind, "attempts": doc.attempts})
    render_document_task.delay_on_commit(doc.pk)
    return doc


# ---- rendering --------------------------------------------------------------------------------------


def _static_roots() -> list[Path]:
    roots = []
    for entry in getattr(settings, "STATICFILES_DIRS", []):
        path = entry[1] if isinstance(entry, (list, tuple)) else entry
        roots.append(Path(path).resolve())
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def resolve_static_url(url: str) -> Path:
    """The file on disk that ``url`` names, if it is one of the project's static files; else ValueError.

    Accepted: ``/static/...`` resolved against ``PDF_BASE_URL`` or the site URL (looked up with the
    staticfiles finders, then in STATIC_ROOT for collected/hashed names), and ``file:`` URLs that lie inside
    STATICFILES_DIRS or STATIC_ROOT. Everything else (other hosts, other schemes, ``..`` escapes) is refused."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    roots = _static_roots()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"PDF fetcher refuses remote file URL {url!r}")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not _inside(path, roots) or not path.is_file():
            raise ValueError(f"PDF fetcher refuses file outside the static dirs: {url!r}")
        return path
    if scheme in ("http", "https"):
        own_origins = {urlsplit(PDF_BASE_URL).netloc.lower(), urlsplit(settings.GIGCASE_SITE_URL).netloc.lower()}
        static_prefix = urlsplit(settings.STATIC_URL).path or "/static/"
        if parts.netloc.lower() not in own_origins or not parts.path.startswith(static_prefix):
            raise ValueError(f"PDF fetcher refuses {url!r}: only the project's own static files are allowed")
        relative = unquote(parts.path[len(static_prefix):])
        if not relative or "\x00" in relative or ".." in relative.replace("\\", "/").split("/"):
            raise ValueError(f"PDF fetcher refuses {url!r}")
        try:
            found = finders.find(relative)  # safe_join inside each static location
        except SuspiciousFileOperation:
            raise ValueError(f"PDF fetcher refuses {url!r}") from None
        if isinstance(found, list):
            found = found[0] if found else None
        if found is None and getattr(settings, "STATIC_ROOT", None):
            candidate = (Path(settings.STATIC_ROOT) / relative).resolve()
            if _inside(candidate, roots) and candidate.is_file():
                found = candidate
        if found is None:
            raise ValueError(f"PDF fetcher: no static file for {url!r}")
        return Path(found).resolve()
    raise ValueError(f"PDF fetcher refuses {url!r}: scheme {scheme!r} not allowed")


def _url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """A WeasyPrint fetcher that reads the project's static files from disk and never opens a socket.

        A refused URL raises, which WeasyPrint reports as a warning and renders without that resource."""

        def __init__(self):
            super().__init__(timeout=1, allowed_protocols=("file", "http", "https"), allow_redirects=False)

        def fetch(self, url, headers=None):
            if url.startswith(("data:image/jpeg;base64,", "data:image/png;base64,")):
                # A case's photos, inlined by its template from private storage: decoded here, no I/O.
                mime, _sep, payload = url[5:].partition(";base64,")
                return URLFetcherResponse(url[:40], base64.b64decode(payload), {"Content-Type": mime})
            path = resolve_static_url(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            response_headers = {"Content-Type": content_type}
            if content_type.startswith("text/"):
                response_headers["Content-Type"] = f"{content_type}; charset=utf-8"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), response_headers)

    return StaticOnlyURLFetcher


def static_only_url_fetcher():
    """A fresh fetcher instance (WeasyPrint keeps per-render state on it)."""
    return _url_fetcher_class()()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render an autoescaped Django template (extending ``core/pdf/base.html``) to PDF bytes.

    Synchronous and CPU-bound: call it from a task or a management command, never from a view."""
    from weasyprint import HTML  # imported late: loading Pango costs ~0.3 s, not needed by web processes

    html = render_to_string(template_name, context)
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=static_only_url_fetcher())
    return document.write_pdf()


def _context_for(doc: GeneratedDocument, target) -> dict:
    spec = document_kind(doc.kind)
    context = dict(spec.context(target) or {})
    context.setdefault("case_number", getattr(target, "case_number", "") or "")
    context.setdefault("title", doc.title)
    context.setdefault("document", doc)
    context.setdefault("object", target)
    context.setdefault("generated_at", timezone.now())
    return context


def _short_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= _ERROR_MAX_CHARS else text[: _ERROR_MAX_CHARS - 1] + "…"


def render_document_now(doc: GeneratedDocument) -> GeneratedDocument:
    """Render ``doc`` synchronously and record the outcome; returns the refreshed row.

    Safe to run twice or concurrently: a row that is already ready is left alone, and the result is written
    under the row lock, so a second renderer that finishes later discards its copy. Rendering itself runs
    outside any transaction (it can take a while and must not hold locks). Errors never propagate: the row
    becomes ``failed`` with a short error text and the attempt is counted."""
    doc = GeneratedDocument.objects.get(pk=doc.pk)
    if doc.status == GeneratedDocument.Status.READY:
        return doc
    try:
        target = doc.target
        if target is None:
            raise LookupError(f"{doc.content_type} #{doc.object_id} no longer exists")
        # Documents are official Chinese paperwork whatever language the requesting page was in.
        with translation.override(settings.LANGUAGE_CODE):
            pdf = render_pdf(doc.template_name, _context_for(doc, target))
    except Exception as exc:  # any failure is shown to staff as 生成失败 with a retry button
        logger.exception("document %s (%s) failed to render", doc.pk, doc.kind)
        return _record_failure(doc.pk, exc)
    return _record_success(doc.pk, target, pdf)


@transaction.atomic
def _record_success(document_id: int, target, pdf: bytes) -> GeneratedDocument:
    doc = GeneratedDocument.objects.select_for_update().get(pk=document_id)
    if doc.status == GeneratedDocument.Status.READY:
        return doc  # another worker finished first; keep its file
    digest = hashlib.sha256(pdf).hexdigest()
    # Stored under MEDIA_ROOT (var/private), which no URL serves; only core.file_views hands it out.
    doc.file.save(f"{doc.pk}-{digest[:16]}.pdf", ContentFile(pdf), save=False)
    doc.sha256 = digest
    doc.size = len(pdf)
    doc.status = GeneratedDocument.Status.READY
    doc.error = ""
    doc.attempts += 1
    doc.finished_at = timezone.now()
    doc.save(update_fields=["file", "sha256", "size", "status", "error", "attempts", "finished_at"])
    AuditEvent.record(target, AuditEvent.Action.DOCUMENT, by=doc.requested_by, name=doc.kind,
                      data={"document_id": doc.pk, "title": doc.title, "sha256": digest, "size": len(pdf)})
    return doc


@transaction.atomic
def _record_failure(document_id: int, exc: BaseException) -> GeneratedDocument:
    doc = GeneratedDocument.objects.select_for_update().get(pk=document_id)
    if doc.status == GeneratedDocument.Status.READY:
        return doc
    doc.status = GeneratedDocument.Status.FAILED
    doc.error = _short_error(exc)
    doc.attempts += 1
    doc.finished_at = timezone.now()
    doc.save(update_fields=["status", "error", "attempts", "finished_at"])
    return doc


@shared_task(name="core.tasks.render_document_task")
def render_document_task(document_id: int) -> str | None:
    """Render one GeneratedDocument by id. Idempotent: a missing or already ready row is skipped.

    Redelivery after a worker is lost mid-render comes from acks_late / reject_on_worker_lost (settings)."""
    doc = GeneratedDocument.objects.filter(pk=document_id).first()
    if doc is None or doc.status == GeneratedDocument.Status.READY:
        return None
    return render_document_now(doc).status


# ---- case files (案卷) ----------------------------------------------------------------------------------

def audit_timeline(events, *, event_label: Callable[[AuditEvent], str], state_label: Callable[[AuditEvent, str], str],
                   actor_label: Callable[[AuditEvent], str] | None = None,
                   subject_label: Callable[[AuditEvent], str] | None = None) -> list[dict]:
    """The rows of templates/core/pdf/_timeline.html for ``events`` (AuditEvent rows, oldest first), in words.

    ``event_label(event)`` names what happened (a transition, a document kind…), ``state_label(event, state)``
    a status code of the event's object; ``actor_label(event)`` names who acted when the row has no user
    (default: 系统); ``subject_label(event)`` names the object when a case file covers several (e.g. the
    inspection and its notice). Each row carries the event's hash in the audit chain."""
    rows = []
    for event in events:
        rows.append({
            "at": event.created_at,
            "actor": event.actor_name or (actor_label(event) if actor_label else str(_("系统"))),
            "role": event.actor_role,
            "subject": str(subject_label(event)) if subject_label else "",
            "action": event.get_action_display(),
            "name": str(event_label(event)),
            "from_state": str(state_label(event, event.from_state)) if event.from_state else "",
            "to_state": str(state_label(event, event.to_state)) if event.to_state else "",
            "reason": event.reason,
            "hash": event.hash,
        })
    return rows
