"""Uploads are judged by their bytes, images are cleaned, files are stored privately and audited."""

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.datastructures import MultiValueDict
from PIL import Image

from core.forms import AttachmentsField, AttachmentUploadForm
from core.models import Attachment, AuditEvent
from core.uploads import (DOC, DOCX, JPEG, PDF, PNG, XLS, XLSX, attach_file, attachments_for, display_name,
                          original_name_for, validate_upload)
from tests.core.filesamples import (EXE_BYTES, HTML_BYTES, PDF_BYTES, docx_bytes, jpeg_with_exif, ole_bytes,
                                    plain_zip_bytes, png_with_metadata, upload, xlsx_bytes)
from tests.factories import MarketFactory


def _refusal(name, data, content_type="application/pdf"):
    with pytest.raises(ValidationError) as exc:
        validate_upload(upload(name, data, content_type))
    return exc.value


# ---- type allow-list, decided by content --------------------------------------------------------------


@pytest.mark.parametrize("name,data,mime,ext", [
    ("申请书.pdf", PDF_BYTES, PDF, ".pdf"),
    ("现场照片.jpg", jpeg_with_exif(), JPEG, ".jpg"),
    ("截图.png", png_with_metadata(), PNG, ".png"),
    ("调解协议.docx", docx_bytes(), DOCX, ".docx"),
    ("工资表.xlsx", xlsx_bytes(), XLSX, ".xlsx"),
    ("旧版协议.doc", ole_bytes(["WordDocument", "1Table", "\x05SummaryInformation"]), DOC, ".doc"),
    ("旧版工资表.xls", ole_bytes(["Workbook", "\x05SummaryInformation"]), XLS, ".xls"),
])
def test_allowed_types_are_recognised_by_content(name, data, mime, ext):
    assert validate_upload(upload(name, data)) == (mime, ext)


def test_type_comes_from_content_not_from_name_or_browser_content_type():
    # A real PNG called .pdf and sent as application/pdf is a PNG.
    assert validate_upload(upload("照片.pdf", png_with_metadata(), "application/pdf")) == (PNG, ".png")


@pytest.mark.parametrize("name,data,claimed", [
    ("合同.pdf", EXE_BYTES, "application/pdf"),            # a Windows program renamed .pdf
    ("照片.jpg", EXE_BYTES, "image/jpeg"),
    ("证据.pdf", HTML_BYTES, "application/pdf"),           # an HTML page with script renamed .pdf
    ("照片.jpg", HTML_BYTES, "image/jpeg"),
    ("表格.docx", plain_zip_bytes(), DOCX),                # a zip that is no Word document
    ("说明.doc", ole_bytes(["Foo", "Bar"]), DOC),          # an OLE container holding no Word stream
    ("照片.jpg", b"\xff\xd8\xff\xe0" + HTML_BYTES, "image/jpeg"),  # JPEG magic, HTML body
])
def test_disguised_files_are_refused_with_a_chinese_message(name, data, claimed):
    error = _refusal(name, data, claimed)
    assert error.code in ("upload_type", "upload_corrupt")
    message = error.messages[0]
    assert name in message
    assert ("不是允许的类型" in message) or ("已损坏" in message)


def test_executable_refusal_lists_what_is_allowed():
    message = _refusal("合同.pdf", EXE_BYTES).messages[0]
    assert message == "文件“合同.pdf”的内容不是允许的类型，仅接受 PDF、JPG、PNG 图片或 Word、Excel 文档。"


@pytest.mark.parametrize("name,data", [
    ("宏.docm.docx", docx_bytes(main_type=b"application/vnd.ms-word.document.macroEnabled.main+xml",
                                extra={"word/vbaProject.bin": b"\0" * 64})),
    ("宏.doc", ole_bytes(["WordDocument", "1Table", "Macros"])),
    ("宏.xls", ole_bytes(["Workbook", "_VBA_PROJECT_CUR"])),
])
def test_office_documents_with_macros_are_refused(name, data):
    error = _refusal(name, data)
    assert error.code == "upload_macro"
    assert "含有宏" in error.messages[0]


# ---- size ---------------------------------------------------------------------------------------------


def test_oversize_file_is_refused_with_size_and_limit_in_chinese(settings):
    settings.GIGCASE_UPLOAD_MAX_BYTES = 2048
    data = PDF_BYTES + b"%" + b"x" * 4096
    error = _refusal("大文件.pdf", data)
    assert error.code == "upload_too_large"
    assert error.messages[0].startswith("文件“大文件.pdf”大小为")
    assert "超过了 2.0 KB 的上限" in error.messages[0].replace("\xa0", " ")


def test_file_at_the_size_limit_is_accepted(settings):
    settings.GIGCASE_UPLOAD_MAX_BYTES = len(PDF_BYTES)
    assert validate_upload(upload("刚好.pdf", PDF_BYTES))[0] == PDF


def test_empty_file_is_refused():
    assert _refusal("空.pdf", b"").code == "upload_empty"


def test_huge_image_dimensions_are_refused_before_decoding(monkeypatch):
    import core.uploads

    monkeypatch.setattr(core.uploads, "MAX_IMAGE_PIXELS", 100)
    error = _refusal("大图.png", png_with_metadata(size=(20, 20)))
    assert error.code == "upload_image_too_large"
    assert "尺寸过大" in error.messages[0]


# ---- names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\张三\\Desktop\\工资条.pdf", "工资条.pdf"),
    ('a<b>:"c|?*.pdf', "a_b___c___.pdf"),
    ("tab\tnew\nline.pdf", "tab_new_line.pdf"),
])
def test_display_name_drops_directories_and_unsafe_characters(raw, expected):
    assert display_name(raw) == expected


def test_original_name_gets_the_extension_of_the_real_content():
    assert original_name_for("照片.pdf", PNG) == "照片.png"
    assert original_name_for("照片.JPEG", JPEG) == "照片.JPEG"
    assert original_name_for("报告", PDF) == "报告.pdf"
    assert original_name_for("", PDF) == "附件.pdf"


# ---- attach_file ------------------------------------------------------------------------------------


@pytest.fixture
def market(db):
    return MarketFactory()


def test_attach_file_stores_privately_content_addressed_and_audits(market, official):
    attachment = attach_file(market, upload("申请书.pdf", PDF_BYTES), by=official, description="当事人提交")

    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert attachment.sha256 == digest
    assert attachment.size == len(PDF_BYTES)
    assert attachment.mime_type == PDF and attachment.extension == ".pdf"
    assert attachment.original_name == "申请书.pdf"
    assert attachment.file.name.startswith("attachments/") and attachment.file.name.endswith(f"/{digest}.pdf")
    assert default_storage.open(attachment.file.name).read() == PDF_BYTES

    # Stored under the private MEDIA_ROOT, not under the static or template trees.
    stored = Path(default_storage.path(attachment.file.name)).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.BASE_DIR / "static").resolve())

    event = AuditEvent.objects.for_object(market).get(action=AuditEvent.Action.UPLOAD)
    assert event.actor == official
    assert event.data["attachment_id"] == attachment.pk and event.data["sha256"] == digest
    assert list(attachments_for(market)) == [attachment]


def test_same_file_twice_reuses_the_stored_copy(market):
    first = attach_file(market, upload("a.pdf", PDF_BYTES))
    second = attach_file(market, upload("b.pdf", PDF_BYTES))
    assert first.file.name == second.file.name
    assert Attachment.objects.for_object(market).count() == 2


def test_refused_upload_stores_nothing_and_writes_no_audit(market):
    with pytest.raises(ValidationError):
        attach_file(market, upload("x.pdf", EXE_BYTES))
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPLOAD).exists()
    assert not default_storage.exists("attachments")


def test_jpeg_is_reencoded_upright_without_exif(market):
    original = jpeg_with_exif(size=(40, 20), orientation=6)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif()[0x010F] == "SecretPhone"  # the sample really carries EXIF

    attachment = attach_file(market, upload("现场.jpg", original))

    stored = default_storage.open(attachment.file.name).read()
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest() and attachment.size == len(stored)
    with Image.open(io.BytesIO(stored)) as after:
        assert after.format == "JPEG"
        assert after.size == (20, 40)  # orientation 6 applied to the pixels
        assert len(after.getexif()) == 0
        assert "exif" not in after.info
    assert b"SecretPhone" not in stored


def test_png_is_reencoded_without_text_or_exif(market):
    attachment = attach_file(market, upload("截图.png", png_with_metadata()))
    stored = default_storage.open(attachment.file.name).read()
    with Image.open(io.BytesIO(stored)) as after:
        assert after.format == "PNG" and after.mode == "RGBA" and after.size == (16, 8)
        assert "Comment" not in after.info and "exif" not in after.info
    assert b"secret note" not in stored and b"SecretPhone" not in stored


def test_office_and_pdf_files_are_stored_byte_for_byte(market):
    data = docx_bytes()
    attachment = attach_file(market, upload("协议.docx", data))
    assert default_storage.open(attachment.file.name).read() == data
    assert attachment.original_name == "协议.docx"


# ---- the multiple-file form field -------------------------------------------------------------------


def test_attachments_field_gives_one_chinese_error_per_refused_file(settings):
    settings.GIGCASE_UPLOAD_MAX_BYTES = 1024
    form = AttachmentUploadForm(data={}, files=MultiValueDict({"files": [
        upload("好的.pdf", PDF_BYTES),
        upload("病毒.pdf", EXE_BYTES),
        upload("页面.jpg", HTML_BYTES),
        upload("太大.pdf", PDF_BYTES + b"x" * 2048),
    ]}))
    assert not form.is_valid()
    errors = form.errors["files"]
    assert len(errors) == 3
    assert "病毒.pdf" in errors[0] and "不是允许的类型" in errors[0]
    assert "页面.jpg" in errors[1]
    assert "太大.pdf" in errors[2] and "上限" in errors[2]


def test_attachments_field_returns_every_accepted_file():
    form = AttachmentUploadForm(data={"description": "补充证据"}, files=MultiValueDict({"files": [
        upload("一.pdf", PDF_BYTES), upload("二.png", png_with_metadata()),
    ]}))
    assert form.is_valid(), form.errors
    assert [f.name for f in form.cleaned_data["files"]] == ["一.pdf", "二.png"]


def test_attachments_field_limits_the_number_of_files():
    field = AttachmentsField(max_files=2)
    with pytest.raises(ValidationError) as exc:
        field.clean([upload(f"{i}.pdf", PDF_BYTES) for i in range(3)])
    assert exc.value.messages == ["一次最多上传 2 个文件。"]


def test_attachments_field_widget_allows_multiple_selection():
    html = AttachmentUploadForm().as_p()
    assert "multiple" in html and 'accept=".pdf,' in html
