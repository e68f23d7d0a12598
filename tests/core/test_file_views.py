"""Files leave only through permission-checked, audited views; out-of-scope records answer 404."""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from core import documents
from core.documents import documents_for, register_document, render_document_now, request_document
from core.models import AuditEvent, GeneratedDocument
from core.uploads import attach_file, attachments_for
from tests.core.filesamples import PDF_BYTES, png_with_metadata, upload
from tests.factories import MarketFactory

KIND = "tests.file_views_sheet"


@pytest.fixture
def market(db, chaoyang):
    return MarketFactory(district=chaoyang, name="太阳宫零工市场")


@pytest.fixture
def attachment(market, official):
    return attach_file(market, upload("工资条 2026年.pdf", PDF_BYTES), by=official)


@pytest.fixture
def kind():
    state = {"fail": False}

    def context(market):
        if state["fail"]:
            raise RuntimeError("渲染失败")
        return {"case_number": "TS-2026-000001"}

    register_document(KIND, template_name="core/pdf/sample.html", title="市场情况/说明", context=context)
    yield state
    documents._KINDS.pop(KIND, None)


@pytest.fixture
def ready_document(market, kind):
    return render_document_now(request_document(market, kind=KIND))


@pytest.fixture
def failed_document(market, kind):
    kind["fail"] = True
    doc = render_document_now(request_document(market, kind=KIND))
    kind["fail"] = False
    assert doc.status == GeneratedDocument.Status.FAILED
    return doc


def _downloads(market):
    return AuditEvent.objects.for_object(market).filter(action=AuditEvent.Action.DOWNLOAD)


# ---- attachments ----------------------------------------------------------------------------------


def test_url_names_and_paths():
    assert reverse("files:attachment_download", args=[5]) == "/files/a/5/"
    assert reverse("files:document_download", args=[6]) == "/files/d/6/"
    assert reverse("files:document_retry", args=[6]) == "/files/d/6/retry/"


def test_attachment_download_serves_the_file_as_attachment_and_audits(client, official, market, attachment):
    client.force_login(official)
    response = client.get(reverse("files:attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('工资条 2026年.pdf')}" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]

    event = _downloads(market).get()
    assert event.actor == official and event.name == "attachment"
    assert event.data == {"attachment_id": attachment.pk, "file": "工资条 2026年.pdf", "sha256": attachment.sha256}
    assert event.ip == "127.0.0.1"


def test_image_attachment_keeps_its_type_but_is_never_inline(client, official, market):
    image = attach_file(market, upload("照片.png", png_with_metadata()))
    client.force_login(official)
    response = client.get(reverse("files:attachment_download", args=[image.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]


def test_other_district_gets_404_and_no_audit_row(client, other_official, market, attachment):
    client.force_login(other_official)
    response = client.get(reverse("files:attachment_download", args=[attachment.pk]))
    assert response.status_code == 404
    assert not _downloads(market).exists()


def test_unknown_attachment_is_404(client, official, db):
    client.force_login(official)
    assert client.get(reverse("files:attachment_download", args=[999999])).status_code == 404


def test_anonymous_user_is_sent_to_login(client, attachment):
    response = client.get(reverse("files:attachment_download", args=[attachment.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_user_without_a_role_sees_nothing(client, market, attachment):
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=[]))
    assert client.get(reverse("files:attachment_download", args=[attachment.pk])).status_code == 404


def test_bureau_official_sees_every_district(client, bureau, market, attachment):
    client.force_login(bureau)
    assert client.get(reverse("files:attachment_download", args=[attachment.pk])).status_code == 200


def test_missing_file_on_disk_is_404_without_audit(client, official, market, attachment):
    default_storage.delete(attachment.file.name)
    client.force_login(official)
    assert client.get(reverse("files:attachment_download", args=[attachment.pk])).status_code == 404
    assert not _downloads(market).exists()


def test_download_refuses_post(client, official, attachment):
    client.force_login(official)
    assert client.post(reverse("files:attachment_download", args=[attachment.pk])).status_code == 405


def test_model_without_visible_to_is_never_served(client, official, db):
    """Deny by default: an attachment on a model with no scoping method cannot be downloaded."""
    from accounts.models import District

    district = District.objects.first()
    attached = attach_file(district, upload("区划.pdf", PDF_BYTES))
    client.force_login(official)
    assert client.get(reverse("files:attachment_download", args=[attached.pk])).status_code == 404


# ---- generated documents --------------------------------------------------------------------------


def test_document_download_serves_the_pdf_and_audits(client, official, market, ready_document):
    client.force_login(official)
    response = client.get(reverse("files:document_download", args=[ready_document.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    # The "/" in the title cannot reach the file name.
    assert f"filename*=utf-8''{quote('市场情况_说明.pdf')}" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    event = _downloads(market).get()
    assert event.name == "document" and event.data["sha256"] == ready_document.sha256


def test_document_not_ready_is_404(client, official, market, kind):
    pending = request_document(market, kind=KIND)
    client.force_login(official)
    assert client.get(reverse("files:document_download", args=[pending.pk])).status_code == 404
    assert not _downloads(market).exists()


def test_other_district_cannot_download_a_document(client, other_official, market, ready_document):
    client.force_login(other_official)
    assert client.get(reverse("files:document_download", args=[ready_document.pk])).status_code == 404
    assert not _downloads(market).exists()


def test_retry_requeues_a_failed_document(client, official, market, failed_document,
                                          django_capture_on_commit_callbacks):
    client.force_login(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("files:document_retry", args=[failed_document.pk]),
                               {"next": "/staff/markets/1/"})
    assert response.status_code == 303
    assert response["Location"] == "/staff/markets/1/"
    failed_document.refresh_from_db()
    assert failed_document.status == GeneratedDocument.Status.READY
    assert failed_document.attempts == 2
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["已重新提交生成“市场情况/说明”，请稍后刷新查看。"]


def test_retry_of_a_ready_document_says_why_and_changes_nothing(client, official, ready_document):
    client.force_login(official)
    response = client.post(reverse("files:document_retry", args=[ready_document.pk]))
    assert response.status_code == 303
    assert [str(m) for m in response.wsgi_request._messages] == ["只有生成失败的文书可以重新生成。"]
    ready_document.refresh_from_db()
    assert ready_document.status == GeneratedDocument.Status.READY and ready_document.attempts == 1


def test_retry_is_post_only(client, official, failed_document):
    client.force_login(official)
    assert client.get(reverse("files:document_retry", args=[failed_document.pk])).status_code == 405
    failed_document.refresh_from_db()
    assert failed_document.status == GeneratedDocument.Status.FAILED


def test_retry_from_other_district_is_404(client, other_official, failed_document):
    client.force_login(other_official)
    assert client.post(reverse("files:document_retry", args=[failed_document.pk])).status_code == 404
    failed_document.refresh_from_db()
    assert failed_document.status == GeneratedDocument.Status.FAILED


def test_retry_ignores_an_offsite_next_url(client, official, failed_document):
    client.force_login(official)
    response = client.post(reverse("files:document_retry", args=[failed_document.pk]),
                           {"next": "https://evil.example.com/"})
    assert response["Location"] == "/staff/"


# ---- the panels -----------------------------------------------------------------------------------


def test_documents_panel_shows_each_state_with_its_action(market, kind, official):
    ready = render_document_now(request_document(market, kind=KIND))
    kind["fail"] = True
    failed = render_document_now(request_document(market, kind=KIND))
    pending = request_document(market, kind=KIND)

    request = RequestFactory().get("/staff/markets/1/")
    request.user = official
    html = render_to_string("core/_documents.html",
                            {"documents": documents_for(market), "next": "/staff/markets/1/"}, request=request)

    assert html.count("<tr class=\"gc-document") == 3
    assert "已生成" in html and "生成失败" in html and "生成中" in html
    assert reverse("files:document_download", args=[ready.pk]) in html
    assert reverse("files:document_retry", args=[failed.pk]) in html
    assert "RuntimeError: 渲染失败" in html
    assert reverse("files:document_download", args=[pending.pk]) not in html
    assert reverse("files:document_retry", args=[pending.pk]) not in html
    assert "csrfmiddlewaretoken" in html


def test_attachments_panel_links_through_the_checked_view(market, attachment):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    html = render_to_string("core/_attachments.html", {"attachments": attachments_for(market)}, request=request)
    assert reverse("files:attachment_download", args=[attachment.pk]) in html
    assert "工资条 2026年.pdf" in html
    assert attachment.file.name not in html  # the storage path never leaks to the page
