"""The inspection case file (案卷): requested from the inspection page (officials and the inspector only),
rendered with the CJK font, the photos, the notice items and answers, the audit trail with its hashes and
every document and photo with its SHA-256; ``manage.py dossier JC-…`` renders it too."""

import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import Attachment, AuditEvent, GeneratedDocument
from inspections.models import Finding, NoticeItemResponse
from tests.inspections.helpers import client_for, file_and_submit, issue, operator_for, plan, reinspect, respond

pytestmark = pytest.mark.django_db


def _poppler(*args):
    if not shutil.which(args[0]):
        pytest.skip(f"{args[0]} (poppler-utils) is not installed")
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


@pytest.fixture
def closed_case(inspector, django_capture_on_commit_callbacks):
    inspection = plan(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        file_and_submit(inspector, inspection, fail=inspection.checklist.items.first())
    with django_capture_on_commit_callbacks(execute=True):
        notice = issue(inspector, inspection)
    with django_capture_on_commit_callbacks(execute=True):
        respond(operator_for(inspection.market), notice, text="已更换全部过期灭火器并张贴检查标签。")
    with django_capture_on_commit_callbacks(execute=True):
        inspection = reinspect(inspector, inspection)
    assert inspection.status == "closed"
    return inspection


def _check_pdf(path, inspection):
    fonts = _poppler("pdffonts", str(path))
    assert "WenQuanYi" in fonts or "Noto" in fonts, fonts
    assert " yes yes " in fonts  # embedded subset
    images = _poppler("pdfimages", "-list", str(path)).strip().splitlines()[2:]
    assert len(images) >= 2, images  # the finding's photo and the operator's evidence photo
    # Table cells wrap lines: compare without line breaks and spaces.
    compact = _poppler("pdftotext", "-raw", str(path), "-").replace("\n", "").replace(" ", "")
    notice = inspection.notice
    assert "安全检查案卷" in compact and inspection.number in compact and notice.number in compact
    assert "已更换全部过期灭火器并张贴检查标签" in compact, compact[compact.find("三、"):compact.find("四、")]  # the operator's answer
    assert "下达整改通知" in compact and "整改完成" in compact  # the timeline in words
    photos = Attachment.objects.filter(content_type__model__in=["finding", "noticeitemresponse"])
    assert photos.count() == 2 and all(a.sha256 in compact for a in photos)
    for doc in GeneratedDocument.objects.exclude(kind="inspection.dossier").filter(status="ready"):
        assert doc.sha256 in compact, doc.kind
    closing = AuditEvent.objects.for_object(inspection).get(name="close")
    assert closing.hash in compact  # rows carry their hash in the audit chain
    return compact


def test_official_requests_the_case_file_from_the_inspection_page(closed_case, official,
                                                                  django_capture_on_commit_callbacks):
    client = client_for(official)
    page = client.get(closed_case.get_absolute_url()).content.decode()
    url = reverse("inspection:inspection_dossier", args=[closed_case.number])
    assert url in page and "生成案卷PDF" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    doc = GeneratedDocument.objects.for_object(closed_case).get(kind="inspection.dossier")
    assert doc.status == "ready", doc.error
    _check_pdf(doc.file.path, closed_case)
    export = AuditEvent.objects.for_object(closed_case).filter(action=AuditEvent.Action.EXPORT).get()
    assert export.name == "dossier" and export.actor == official
    # The case file is the bureau's: the operator may not download it.
    download = reverse("files:document_download", args=[doc.pk])
    assert client_for(operator_for(closed_case.market, "t_op2")).get(download).status_code == 404


def test_only_officials_and_the_inspector_may_export(closed_case, inspector, intake, official, chaoyang):
    from tests.factories import Role, UserFactory

    other_inspector = UserFactory(username="t_inspector2", roles=[Role.INSPECTOR], district=chaoyang)
    url = reverse("inspection:inspection_dossier", args=[closed_case.number])
    assert client_for(other_inspector).post(url).status_code == 403
    assert "生成案卷PDF" not in client_for(other_inspector).get(closed_case.get_absolute_url()).content.decode()
    assert client_for(inspector).post(url).status_code == 302
    assert not GeneratedDocument.objects.filter(kind="inspection.dossier", requested_by=other_inspector).exists()


def test_manage_py_dossier_renders_an_inspection_case_file(closed_case, tmp_path, official):
    out = tmp_path / "case.pdf"
    stdout = StringIO()
    call_command("dossier", closed_case.number.lower(), "-o", str(out), "--by", official.username, stdout=stdout)
    _check_pdf(out, closed_case)
    assert closed_case.number in stdout.getvalue()
    export = AuditEvent.objects.for_object(closed_case).filter(action=AuditEvent.Action.EXPORT).get()
    assert export.data["via"] == "manage.py dossier" and len(export.data["sha256"]) == 64
    with pytest.raises(CommandError, match="JC-2099-999999"):
        call_command("dossier", "JC-2099-999999", "-o", str(tmp_path / "x.pdf"))


def test_case_file_of_a_passed_inspection_has_no_notice(inspector, tmp_path):
    inspection = file_and_submit(inspector, plan(inspector))
    out = tmp_path / "passed.pdf"
    call_command("dossier", inspection.number, "-o", str(out), stdout=StringIO())
    text = _poppler("pdftotext", str(out), "-").replace("\n", "").replace(" ", "")
    assert "未下达整改通知" in text and "检查合格" in text
    assert not Finding.objects.filter(inspection=inspection, result="fail").exists()
    assert not NoticeItemResponse.objects.exists()
