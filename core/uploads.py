"""Attachments: uploads checked by content, images cleaned, files stored privately and content-addressed.

The allow-list is PDF, JPEG, PNG and Office documents (DOCX/XLSX and legacy DOC/XLS). A file's type is
decided from its bytes, never from its name or the browser's Content-Type: an .exe or an HTML page renamed
``.pdf`` is refused. Office containers are opened and checked for the parts that make them a Word or
Excel document, and macro-bearing ones are refused. Images are re-encoded with Pillow after applying their
EXIF orientation, which drops EXIF (GPS position, device serials) and anything smuggled after the pixels.
Files are stored under MEDIA_ROOT (``var/private``), which no URL serves; ``core.file_views`` hands them out
after a permission check and writes an audit row.
"""

import hashlib
import io
import re
import struct
import unicodedata
import zipfile

import filetype
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import Attachment, AuditEvent

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"

# mime → the extension files of that type are stored and downloaded with.
ALLOWED_TYPES = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOCX: ".docx", XLSX: ".xlsx", DOC: ".doc", XLS: ".xls"}
# Extensions a user's file name may keep for each type (otherwise the detected one replaces it).
_NAME_EXTENSIONS = {JPEG: {".jpg", ".jpeg"}}
# An <input accept> hint for browsers; the server never trusts it.
ACCEPT_ATTR = ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"

# Pixel bound for images: a phone photo is ~12–50 MP; beyond this decoding could exhaust memory.
MAX_IMAGE_PIXELS = 60_000_000
# Zip bombs: we never extract, but refuse containers that claim absurd sizes or entry counts.
_MAX_ZIP_ENTRIES = 5000
_MAX_ZIP_UNCOMPRESSED = 500 * 1024 * 1024

# The part that makes an OOXML zip a Word or Excel document, and the content type it must be declared with.
_OOXML_MAIN_PARTS = {
    DOCX: ("word/document.xml", b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    XLSX: ("xl/workbook.xml", b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ALLOWED_LABEL = _("PDF、JPG、PNG 图片或 Word、Excel 文档")


def _type_error(name):
    return ValidationError(
        _("文件“%(name)s”的内容不是允许的类型，仅接受 %(allowed)s。"),
        code="upload_type", params={"name": name, "allowed": _ALLOWED_LABEL},
    )


def _macro_error(name):
    return ValidationError(_("文件“%(name)s”含有宏，出于安全原因不予接收，请另存为不含宏的文档后上传。"),
                           code="upload_macro", params={"name": name})


def _read_all(uploaded_file) -> bytes:
    uploaded_file.seek(0)
    if hasattr(uploaded_file, "chunks"):
        data = b"".join(uploaded_file.chunks())
    else:
        data = uploaded_file.read()
    uploaded_file.seek(0)
    return data


def _file_size(uploaded_file) -> int:
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, io.SEEK_END)
        size = uploaded_file.tell()
        uploaded_file.seek(0)
    return size


# ---- validation -------------------------------------------------------------------------------------


def validate_upload(uploaded_file) -> tuple[str, str]:
    """Check one uploaded file; return ``(mime, extension)`` decided from its content.

    Raises ValidationError with a Chinese message naming the file (codes: upload_empty, upload_too_large,
    upload_type, upload_macro, upload_corrupt, upload_image_too_large)."""
    name = display_name(getattr(uploaded_file, "name", "") or "")
    size = _file_size(uploaded_file)
    limit = settings.GIGCASE_UPLOAD_MAX_BYTES
    if size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。"), code="upload_empty", params={"name": name})
    if size > limit:
        raise ValidationError(
            _("文件“%(name)s”大小为 %(size)s，超过了 %(limit)s 的上限。"), code="upload_too_large",
            params={"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    data = _read_all(uploaded_file)
    mime = _sniff(data, name)
    return mime, ALLOWED_TYPES[mime]


def _sniff(data: bytes, name: str) -> str:
    if data.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(data, name)
    if data.startswith(_OLE_MAGIC):
        return _sniff_ole(data, name)
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else None
    if mime == "image/apng":
        mime = PNG  # re-encoding keeps only the first frame, a plain PNG
    if mime == PDF and not data.lstrip()[:5] == b"%PDF-":
        mime = None
    if mime not in (PDF, JPEG, PNG):
        raise _type_error(name)
    if mime in (JPEG, PNG):
        _check_image(data, mime, name)
    return mime


def _sniff_ooxml(data: bytes, name: str) -> str:
    """A DOCX or XLSX: a zip whose [Content_Types].xml declares the main Word/Excel part, present."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > _MAX_ZIP_UNCOMPRESSED:
                raise _type_error(name)
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise _type_error(name)
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:
                raise _type_error(name)
            content_types = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, RuntimeError, NotImplementedError, OSError):
        raise _type_error(name) from None
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise _macro_error(name)
    for mime, (part, content_type) in _OOXML_MAIN_PARTS.items():
        if part in names and content_type in content_types:
            return mime
    raise _type_error(name)


def _ole_stream_names(data: bytes) -> set[str]:
    """Names of the entries in an OLE2 compound file's directory (MS-CFB), read by following the FAT.

    Enough structure to tell a Word document from an Excel workbook from anything else in the same
    container (MSI installers, Outlook messages, encrypted OOXML); raises ValueError on a malformed file."""
    if len(data) < 512:
        raise ValueError("short OLE header")
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    sector_size = 1 << sector_shift
    n_sectors = -(-(len(data) - sector_size) // sector_size)  # the last sector may be short
    first_dir, = struct.unpack_from("<I", data, 0x30)
    first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
    ids_per_sector = sector_size // 4

    def sector(i):
        if i >= n_sectors:
            raise ValueError("sector out of range")
        start = (i + 1) * sector_size
        return data[start:start + sector_size].ljust(sector_size, b"\0")

    difat = first_difat
    for _i in range(min(n_difat, n_sectors)):
        if difat >= 0xFFFFFFFA:
            break
        entries = struct.unpack(f"<{ids_per_sector}I", sector(difat))
        fat_sectors.extend(s for s in entries[:-1] if s < 0xFFFFFFFA)
        difat = entries[-1]
    fat = []
    for s in fat_sectors[: n_sectors]:
        fat.extend(struct.unpack(f"<{ids_per_sector}I", sector(s)))

    names = set()
    current, seen = first_dir, set()
    while current < 0xFFFFFFFA:
        if current in seen or current >= len(fat):
            raise ValueError("broken directory chain")
        seen.add(current)
        block = sector(current)
        for off in range(0, sector_size, 128):
            entry = block[off:off + 128]
            name_len = struct.unpack_from("<H", entry, 0x40)[0]
            if entry[0x42] in (1, 2) and 2 <= name_len <= 64:
                names.add(entry[: name_len - 2].decode("utf-16-le", "replace"))
        current = fat[current]
    return names


def _sniff_ole(data: bytes, name: str) -> str:
    try:
        streams = _ole_stream_names(data)
    except (ValueError, struct.error):
        raise _type_error(name) from None
    if streams & {"Macros", "_VBA_PROJECT_CUR", "VBA", "_VBA_PROJECT"}:
        raise _macro_error(name)
    if "WordDocument" in streams:
        return DOC
    if streams & {"Workbook", "Book"}:
        return XLS
    raise _type_error(name)


def _open_image(data: bytes, name: str):
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            probe.verify()  # structure and checksums; the image must be reopened after this
        if width * height > MAX_IMAGE_PIXELS:
            raise ValidationError(_("图片“%(name)s”尺寸过大（%(w)d×%(h)d 像素），请缩小后再上传。"),
                                  code="upload_image_too_large", params={"name": name, "w": width, "h": height})
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("图片“%(name)s”尺寸过大，请缩小后再上传。"),
                              code="upload_image_too_large", params={"name": name}) from None
    except Exception:  # Pillow raises many types for broken files
        raise ValidationError(_("图片“%(name)s”已损坏或无法读取。"),
                              code="upload_corrupt", params={"name": name}) from None


def _check_image(data: bytes, mime: str, name: str) -> None:
    image = _open_image(data, name)
    with image:
        if {JPEG: "JPEG", PNG: "PNG"}[mime] != image.format:
            raise _type_error(name)


def clean_image(data: bytes, mime: str, name: str = "") -> bytes:
    """Re-encode an image in its own format: EXIF orientation applied to the pixels, then every metadata
    block (EXIF, XMP, text chunks, comments) dropped. The colour profile is kept so colours stay right."""
    from PIL import ImageOps

    image = _open_image(data, name)
    with image:
        upright = ImageOps.exif_transpose(image)
        icc_profile = image.info.get("icc_profile")
        out = io.BytesIO()
        if mime == JPEG:
            if upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            options = {"quality": 90, "optimize": True}
            if image.info.get("progressive"):
                options["progressive"] = True
        else:
            options = {"optimize": True}
            if "transparency" in image.info and upright.mode in ("P", "L", "RGB"):
                options["transparency"] = image.info["transparency"]
        if icc_profile:
            options["icc_profile"] = icc_profile
        # A fresh info dict: Pillow copies some keys (exif, comment, dpi) from info when saving.
        upright.info = {}
        upright.save(out, format={JPEG: "JPEG", PNG: "PNG"}[mime], **options)
    return out.getvalue()


# ---- names ------------------------------------------------------------------------------------------

_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_filename(text: str) -> str:
    """``text`` usable as a file name: control and reserved characters (``/`` and ``\\`` included) → ``_``."""
    return _UNSAFE_NAME_CHARS.sub("_", unicodedata.normalize("NFC", str(text))).strip(" .")[:200]


def display_name(name: str) -> str:
    """A user's file name made safe to store and show: no directories, control or reserved characters."""
    return safe_filename(str(name).replace("\\", "/").rsplit("/", 1)[-1])


def original_name_for(name: str, mime: str) -> str:
    """The name stored and offered on download: sanitised, with an extension matching the real content
    (a PNG uploaded as ``照片.pdf`` downloads as ``照片.png``)."""
    ext = ALLOWED_TYPES[mime]
    clean = display_name(name)
    stem, dot, current = clean.rpartition(".")
    if not dot:
        stem, current = clean, ""
    if f".{current.lower()}" in _NAME_EXTENSIONS.get(mime, {ext}):
        return clean
    stem = stem or str(_("附件"))
    return f"{stem[: 200 - len(ext)]}{ext}"


# ---- service ----------------------------------------------------------------------------------------


def attachments_for(obj):
    """The attachments of ``obj``, oldest first (for ``core/_attachments.html``)."""
    return Attachment.objects.for_object(obj).select_related("uploaded_by").order_by("uploaded_at", "pk")


@transaction.atomic
def attach_file(obj, uploaded_file, *, by=None, is_public=False, description="") -> Attachment:
    """Validate ``uploaded_file``, clean it and attach it to ``obj``; writes an ``upload`` AuditEvent.

    The stored name is content-addressed (``attachments/YYYY/MM/ab/<sha256><ext>``): an identical file
    uploaded again in the same month reuses the stored copy. Raises ValidationError (Chinese message) for
    a refused file; nothing is stored then."""
    mime, ext = validate_upload(uploaded_file)
    raw_name = getattr(uploaded_file, "name", "") or ""
    data = _read_all(uploaded_file)
    if mime in (JPEG, PNG):
        data = clean_image(data, mime, display_name(raw_name))
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=obj.pk,
        original_name=original_name_for(raw_name, mime),
        mime_type=mime,
        extension=ext,
        size=len(data),
        sha256=digest,
        description=description[:200],
        is_public=is_public,
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    field = attachment.file.field
    storage_name = field.generate_filename(attachment, attachment.original_name)
    if field.storage.exists(storage_name):
        attachment.file.name = storage_name  # same bytes (the name is their hash)
    else:
        attachment.file.save(storage_name, ContentFile(data), save=False)
    attachment.save()
    AuditEvent.record(obj, AuditEvent.Action.UPLOAD, by=by, name="attach", data={
        "attachment_id": attachment.pk, "file": attachment.original_name, "mime": mime,
        "size": attachment.size, "sha256": digest, "is_public": is_public,
    })
    return attachment
