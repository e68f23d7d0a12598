"""The inspection PDFs: 检查记录, 整改通知书 and 复查意见书 are issued by the services, embed a CJK font
(checked with pdffonts) and show the photos (pdfimages)."""

import shutil
import subprocess

import pytest

from core.models import GeneratedDocument
from tests.inspections.helpers import file_and_submit, issue, operator_for, plan, reinspect, respond

pytestmark = pytest.mark.django_db


def _tool(name, path):
    if not shutil.which(name):
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return subprocess.run([name, path], capture_output=True, text=True, check=True).stdout


def _ready(obj, kind):
    from django.contrib.contenttypes.models import ContentType

    doc = GeneratedDocument.objects.get(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk,
                                        kind=kind)
    assert doc.status == "ready", doc.error
    return doc


def test_record_notice_and_reinspection_pdfs_embed_cjk_font_and_photos(inspector, django_capture_on_commit_callbacks):
    inspection = plan(inspector)
    operator = operator_for(inspection.market)
    with django_capture_on_commit_callbacks(execute=True):
        file_and_submit(inspector, inspection, fail=inspection.checklist.items.first())
    with django_capture_on_commit_callbacks(execute=True):
        notice = issue(inspector, inspection)
    with django_capture_on_commit_callbacks(execute=True):
        respond(operator, notice)
    with django_capture_on_commit_callbacks(execute=True):
        reinspect(inspector, inspection)
    expected_images = {"inspection.record": 1, "inspection.notice": 1, "inspection.reinspection": 1}
    for obj, kind in ((inspection, "inspection.record"), (notice, "inspection.notice"),
                      (notice, "inspection.reinspection")):
        doc = _ready(obj, kind)
        path = doc.file.path
        fonts = _tool("pdffonts", path)
        assert "WenQuanYi" in fonts or "Noto" in fonts, fonts
        assert " yes yes " in fonts  # embedded subset
        images = subprocess.run(["pdfimages", "-list", path], capture_output=True, text=True, check=True).stdout
        assert len(images.strip().splitlines()) - 2 >= expected_images[kind], (kind, images)
        text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout
        assert notice.number in text or inspection.number in text


def test_operator_may_download_the_notice_but_not_the_record(inspector, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from tests.inspections.helpers import client_for

    inspection = plan(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        file_and_submit(inspector, inspection, fail=inspection.checklist.items.first())
        notice = issue(inspector, inspection)
    client = client_for(operator_for(inspection.market))
    notice_pdf = _ready(notice, "inspection.notice")
    record_pdf = _ready(inspection, "inspection.record")
    assert client.get(reverse("files:document_download", args=[notice_pdf.pk])).status_code == 200
    assert client.get(reverse("files:document_download", args=[record_pdf.pk])).status_code == 404
