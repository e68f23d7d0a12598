"""``manage.py dossier <number> -o file.pdf`` writes the case file and records the export."""

import hashlib

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from tests.casework.helpers import submit
from tests.core.test_documents import pdf_text

pytestmark = pytest.mark.django_db


def test_command_writes_the_case_file_and_audits_the_export(tmp_path, official):
    complaint = submit().complaint
    out = tmp_path / "案卷.pdf"
    call_command("dossier", complaint.number.lower(), "-o", str(out), "--by", official.username)

    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    assert "投诉举报案卷" in text and complaint.number in text
    # Every row of the timeline carries its hash in the audit chain (templates/core/pdf/_timeline.html).
    created = AuditEvent.objects.for_object(complaint).order_by("id").first()
    assert created.hash in text.replace("\n", "")
    event = AuditEvent.objects.for_object(complaint).get(action=AuditEvent.Action.EXPORT)
    assert event.name == "dossier" and event.actor == official
    assert event.data["sha256"] == hashlib.sha256(data).hexdigest()


def test_unknown_case_number_is_an_error(tmp_path, db):
    with pytest.raises(CommandError, match="TS-2026-999999"):
        call_command("dossier", "TS-2026-999999", "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
