"""PDF documents: WeasyPrint with an embedded CJK font, a static-only URL fetcher, a Celery render task that
records SHA-256 and pending/ready/failed, and retry."""

import hashlib
import http.server
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from core import documents
from core.documents import (PDF_BASE_URL, register_document, render_document_now, render_document_task,
                            render_pdf, request_document, resolve_static_url, retry_document)
from core.models import AuditEvent, GeneratedDocument
from tests.factories import MarketFactory

KIND = "tests.market_sheet"
CASE_NUMBER = "TS-2026-000123"


def _tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install poppler-utils (scripts/bootstrap.sh test)", pytrace=False)
    return path


def pdf_fonts(pdf: bytes, tmp_path) -> list[dict]:
    """Rows of ``pdffonts``: name, type, encoding, emb, sub, uni."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        match = re.match(r"(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        if match:
            rows.append(dict(zip(("name", "type", "encoding", "emb", "sub", "uni"), match.groups())))
    return rows


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text, pages split by form feeds, with spaces and line breaks removed: pdftotext drops or
    inserts spaces between CJK characters depending on layout, so tests compare without whitespace."""
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([_tool("pdftotext"), str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"[ \t\r\n\xa0]+", "", text)


def sample_context(market, **extra):
    return {
        "case_number": CASE_NUMBER,
        "facts": [("地址", market.address), ("运营时间", market.opening_hours)],
        "paragraphs": ["依据《关于加强零工市场规范化建设的通知》，现将有关情况说明如下。"],
        "signer": "朝阳区人力资源和社会保障局",
        **extra,
    }


@pytest.fixture
def market(db):
    return MarketFactory(name="太阳宫零工市场")


@pytest.fixture
def sample_kind():
    """A registered kind rendering core/pdf/sample.html for a Market; ``state`` lets a test break it."""
    state = {"fail": False, "extra": {}}

    def context(market):
        if state["fail"]:
            raise RuntimeError("模板数据缺失")
        return sample_context(market, **state["extra"])

    register_document(KIND, template_name="core/pdf/sample.html", title="零工市场情况说明", context=context)
    yield state
    documents._KINDS.pop(KIND, None)


# ---- render_pdf: font, language, header/footer, escaping --------------------------------------------


def test_rendered_pdf_embeds_a_cjk_font_and_contains_the_chinese_text(tmp_path):
    pdf = render_pdf("core/pdf/sample.html", {
        "title": "零工市场情况说明", "object": "太阳宫零工市场", "case_number": CASE_NUMBER,
        "paragraphs": ["劳动者依法享有取得劳动报酬的权利。"], "generated_at": timezone.now(),
    })
    assert pdf.startswith(b"%PDF-")

    fonts = pdf_fonts(pdf, tmp_path)
    cjk = [f for f in fonts if "WenQuanYi" in f["name"] or "MicroHei" in f["name"]]
    assert cjk, f"no CJK font in {fonts}"
    assert all(f["emb"] == "yes" for f in cjk)
    assert all(f["emb"] == "yes" for f in fonts), "every font must be embedded for a fresh reader"

    text = pdf_text(pdf, tmp_path)
    assert "零工市场情况说明" in text
    assert "劳动者依法享有取得劳动报酬的权利。" in text
    assert "太阳宫零工市场" in text


def test_page_header_shows_case_number_and_footer_page_x_of_y_on_every_page(tmp_path):
    long = ["本段文字用于撑满页面，检验页眉页脚在每一页重复出现。" * 12] * 14
    pdf = render_pdf("core/pdf/sample.html", {
        "title": "多页文书", "case_number": CASE_NUMBER, "paragraphs": long, "generated_at": timezone.now(),
    })
    pages = pdf_text(pdf, tmp_path).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert CASE_NUMBER in page
        assert f"第{number}页/共{len(pages)}页" in page


def test_pdf_html_is_chinese_and_autoescaped():
    from django.template.loader import render_to_string

    html = render_to_string("core/pdf/sample.html", {"title": "<script>x</script>", "object": "<b>市场</b>"})
    assert '<html lang="zh-Hans">' in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "&lt;b&gt;市场&lt;/b&gt;" in html


def test_markup_in_case_data_prints_as_text(tmp_path):
    pdf = render_pdf("core/pdf/sample.html", {"title": "说明", "object": "<b>某市场</b>", "generated_at": timezone.now()})
    assert "<b>某市场</b>" in pdf_text(pdf, tmp_path)


# ---- the URL fetcher: own static files only, never the network ---------------------------------------


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def counting_server():
    _CountingHandler.hits = 0
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_remote_image_is_not_fetched_and_the_pdf_still_renders(counting_server, tmp_path):
    port = counting_server.server_address[1]
    for url in (f"http://127.0.0.1:{port}/x.png", "http://example.com/x.png"):
        pdf = render_pdf("core/pdf/sample.html", {"title": "带图片的文书", "image_url": url,
                                                  "generated_at": timezone.now()})
        assert "带图片的文书" in pdf_text(pdf, tmp_path)
    assert _CountingHandler.hits == 0


def test_remote_stylesheet_is_not_fetched(counting_server, tmp_path):
    port = counting_server.server_address[1]
    from django.template import engines

    template = engines["django"].from_string(
        '{% extends "core/pdf/base.html" %}{% block extra_head %}'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">'
        '<style>@import url("http://127.0.0.1:' + str(port) + '/evil2.css");</style>{% endblock %}'
        '{% block content %}<p>正文</p>{% endblock %}'
    )
    from weasyprint import HTML

    html = template.render({"title": "样式"})
    pdf = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=documents.static_only_url_fetcher()).write_pdf()
    assert "正文" in pdf_text(pdf, tmp_path)
    assert _CountingHandler.hits == 0


def test_fetcher_serves_the_projects_static_css():
    css = Path(settings.BASE_DIR / "static" / "core" / "pdf.css").resolve()
    assert resolve_static_url(PDF_BASE_URL + "static/core/pdf.css") == css
    assert resolve_static_url(settings.GIGCASE_SITE_URL + "/static/core/pdf.css") == css
    assert resolve_static_url(css.as_uri()) == css

    fetched = documents.static_only_url_fetcher().fetch(PDF_BASE_URL + "static/core/pdf.css")
    assert fetched.read() == css.read_bytes()
    assert fetched.content_type == "text/css"


@pytest.mark.parametrize("url", [
    "http://example.com/x.png",
    "https://example.com/static/core/pdf.css",           # right path, wrong host
    PDF_BASE_URL + "media/attachments/x.pdf",            # own host, not static
    PDF_BASE_URL + "static/../config/settings/base.py",  # escape attempt
    PDF_BASE_URL + "static/%2e%2e/%2e%2e/config/settings/base.py",
    PDF_BASE_URL + "static/core/missing.css",
    "file:///etc/passwd",
    "ftp://example.com/x.png",
    "data:text/css,body{}",
])
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(ValueError):
        resolve_static_url(url)


def test_fetcher_refuses_a_file_url_to_the_private_media_root(tmp_path):
    secret = Path(settings.MEDIA_ROOT) / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("secret")
    with pytest.raises(ValueError):
        resolve_static_url(secret.resolve().as_uri())


def test_stylesheet_from_static_is_applied(tmp_path):
    """The footer text comes only from static/core/pdf.css; its presence proves the fetcher loaded it."""
    pdf = render_pdf("core/pdf/sample.html", {"title": "页脚", "generated_at": timezone.now()})
    assert "第1页/共1页" in pdf_text(pdf, tmp_path)


# ---- request / task / retry ------------------------------------------------------------------------


def test_request_document_renders_on_commit_and_records_sha256(market, official, sample_kind,
                                                               django_capture_on_commit_callbacks, tmp_path):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        doc = request_document(market, kind=KIND, by=official)
        assert doc.status == GeneratedDocument.Status.PENDING  # nothing rendered before commit
    assert len(callbacks) == 1

    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.READY
    assert doc.title == "零工市场情况说明" and doc.template_name == "core/pdf/sample.html"
    assert doc.attempts == 1 and doc.error == "" and doc.finished_at is not None
    pdf = default_storage.open(doc.file.name).read()
    assert doc.sha256 == hashlib.sha256(pdf).hexdigest()
    assert doc.size == len(pdf)
    assert doc.file.name.startswith("documents/")
    assert Path(default_storage.path(doc.file.name)).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())

    text = pdf_text(pdf, tmp_path)
    assert CASE_NUMBER in text and "太阳宫零工市场" in text and "朝阳区人力资源和社会保障局" in text

    event = AuditEvent.objects.for_object(market).get(action=AuditEvent.Action.DOCUMENT)
    assert event.actor == official
    assert event.data["document_id"] == doc.pk and event.data["sha256"] == doc.sha256


def test_task_skips_a_ready_document(market, sample_kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = request_document(market, kind=KIND)
    doc.refresh_from_db()
    before = (doc.file.name, doc.sha256, doc.attempts, doc.finished_at)

    assert render_document_task(doc.pk) is None  # a redelivered message
    assert render_document_now(doc).status == GeneratedDocument.Status.READY

    doc.refresh_from_db()
    assert (doc.file.name, doc.sha256, doc.attempts, doc.finished_at) == before
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOCUMENT).count() == 1


def test_task_for_a_deleted_row_does_nothing(db):
    assert render_document_task(987654) is None


def test_second_request_while_pending_returns_the_same_row(market, sample_kind):
    first = request_document(market, kind=KIND)  # on-commit never runs inside the test transaction
    second = request_document(market, kind=KIND)
    assert first.pk == second.pk
    assert GeneratedDocument.objects.count() == 1


def test_unknown_kind_is_a_programming_error(market):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        request_document(market, kind="no.such.kind")


def test_failure_is_recorded_short_and_retry_renders_again(market, official, sample_kind,
                                                           django_capture_on_commit_callbacks):
    sample_kind["fail"] = True
    with django_capture_on_commit_callbacks(execute=True):
        doc = request_document(market, kind=KIND, by=official)
    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.FAILED
    assert doc.error == "RuntimeError: 模板数据缺失"
    assert doc.attempts == 1 and not doc.file and doc.sha256 == ""
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOCUMENT, name=KIND).exists()

    sample_kind["fail"] = False
    with django_capture_on_commit_callbacks(execute=True):
        retried = retry_document(doc, by=official)
        assert retried.status == GeneratedDocument.Status.PENDING and retried.error == ""
    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.READY
    assert doc.attempts == 2
    names = list(AuditEvent.objects.for_object(market).filter(action=AuditEvent.Action.DOCUMENT)
                 .values_list("name", flat=True))
    assert names == ["retry", KIND]


def test_long_errors_are_cut_short(market, sample_kind, django_capture_on_commit_callbacks):
    def broken(market):
        raise ValueError("数" * 5000)

    register_document(KIND, template_name="core/pdf/sample.html", title="坏", context=broken)
    with django_capture_on_commit_callbacks(execute=True):
        doc = request_document(market, kind=KIND)
    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.FAILED
    assert len(doc.error) == 500 and doc.error.endswith("…")


def test_missing_template_fails_instead_of_crashing(market, django_capture_on_commit_callbacks):
    register_document("tests.no_template", template_name="core/pdf/does-not-exist.html", title="无模板",
                      context=lambda m: {})
    try:
        with django_capture_on_commit_callbacks(execute=True):
            doc = request_document(market, kind="tests.no_template")
    finally:
        documents._KINDS.pop("tests.no_template", None)
    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.FAILED
    assert doc.error.startswith("TemplateDoesNotExist")


def test_retry_is_refused_for_a_ready_or_fresh_pending_document(market, official, sample_kind,
                                                               django_capture_on_commit_callbacks):
    pending = request_document(market, kind=KIND)
    with pytest.raises(ValidationError) as exc:
        retry_document(pending, by=official)
    assert exc.value.messages == ["只有生成失败的文书可以重新生成。"]

    render_document_now(pending)
    with pytest.raises(ValidationError):
        retry_document(pending, by=official)


def test_a_lost_pending_document_can_be_retried(market, official, sample_kind, django_capture_on_commit_callbacks):
    doc = request_document(market, kind=KIND)
    GeneratedDocument.objects.filter(pk=doc.pk).update(created_at=timezone.now() - documents.STALE_PENDING_AFTER * 2)
    with django_capture_on_commit_callbacks(execute=True):
        retry_document(doc, by=official)
    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.READY


def test_render_document_now_renders_synchronously(market, sample_kind):
    doc = request_document(market, kind=KIND)
    result = render_document_now(doc)
    assert result.status == GeneratedDocument.Status.READY
    assert result.sha256 == hashlib.sha256(default_storage.open(result.file.name).read()).hexdigest()


def test_task_is_registered_under_the_core_tasks_name():
    assert render_document_task.name == "core.tasks.render_document_task"
