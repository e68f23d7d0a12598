"""Real sample files for upload and document tests, built in memory (no binary fixtures in the repo)."""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# A minimal but valid one-page PDF.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# A Windows PE executable header (what filetype reports as application/x-msdownload).
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00"
    + b"\x0e\x1f\xba\x0e\x00\xb4\t\xcd!\xb8\x01L\xcd!This program cannot be run in DOS mode.\r\r\n$"
    + b"\x00" * 8 + b"PE\x00\x00" + b"\x00" * 200
)

HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def upload(name, data, content_type="application/octet-stream"):
    """What Django hands a view: the browser's name and Content-Type are whatever the sender claims."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_with_exif(size=(40, 20), orientation=6):
    """A JPEG carrying EXIF: orientation (6 = rotate 90° clockwise to display), camera make and a GPS fix."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue, to see the rotation
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretPhone"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (39.0, 54.0, 27.0)
    gps[3] = "E"
    gps[4] = (116.0, 23.0, 17.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def png_with_metadata(size=(16, 8)):
    from PIL import PngImagePlugin

    image = Image.new("RGBA", size, (0, 128, 0, 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret note")
    exif = Image.Exif()
    exif[0x010F] = "SecretPhone"
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, exif=exif)
    return out.getvalue()


_CT_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="xml" ContentType="application/xml"/>')


def _zip(entries: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_bytes(main_type=b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
               extra=None):
    return _zip({
        "[Content_Types].xml": _CT_HEAD + b'<Override PartName="/word/document.xml" ContentType="' + main_type
        + b'"/></Types>',
        "word/document.xml": "<w:document><w:body><w:p>调解协议</w:p></w:body></w:document>".encode(),
        **(extra or {}),
    })


def xlsx_bytes():
    return _zip({
        "[Content_Types].xml": _CT_HEAD + b'<Override PartName="/xl/workbook.xml" ContentType="'
        b'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "xl/workbook.xml": b"<workbook/>",
    })


def plain_zip_bytes():
    return _zip({"readme.txt": b"not an office document"})


def ole_bytes(stream_names):
    """A minimal OLE2 compound file (MS-CFB v3, 512-byte sectors) whose directory holds ``stream_names``
    as empty streams: sector 0 is the FAT, sectors 1.. the directory."""
    free, end, fatsect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    entries = [("Root Entry", 5)] + [(name, 2) for name in stream_names]
    n_dir = -(-len(entries) // 4)
    fat = [fatsect] + [i + 2 for i in range(n_dir - 1)] + [end]
    fat += [free] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    directory = bytearray()
    for index, (name, kind) in enumerate(entries):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry[: len(encoded)] = encoded
        struct.pack_into("<HBB", entry, 0x40, len(encoded), kind, 1)
        # Root's child is entry 1; each stream's right sibling is the next one (a degenerate tree is fine
        # for a reader that only lists names).
        child = 1 if kind == 5 and len(entries) > 1 else free
        right = index + 1 if kind == 2 and index + 1 < len(entries) else free
        struct.pack_into("<III", entry, 0x44, free, right, child)
        struct.pack_into("<IQ", entry, 0x74, end, 0)
        directory += entry
    directory += bytes(n_dir * 512 - len(directory))
    return bytes(header) + struct.pack("<128I", *fat) + bytes(directory)
