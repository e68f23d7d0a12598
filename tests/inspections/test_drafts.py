"""Filing on the phone: drafts saved as the inspector goes keep the later answers and lose nothing; photos
lose their EXIF (GPS) data; the location is recorded when shared."""

import json

import pytest
from PIL import Image

from core.models import Attachment
from inspections.models import Finding, Inspection
from tests.inspections.helpers import client_for, photo, plan

pytestmark = pytest.mark.django_db


def post_draft(client, inspection, payload):
    return client.post(f"/staff/inspection/inspections/{inspection.number}/draft/", json.dumps(payload),
                       content_type="application/json")


def test_a_draft_saved_twice_keeps_the_later_answers_and_loses_nothing(inspector):
    inspection = plan(inspector)
    first, second, third = list(inspection.checklist.items.all()[:3])
    client = client_for(inspector)
    response = post_draft(client, inspection, {"answers": {
        str(first.pk): {"result": "fail", "severity": "minor", "note": "灭火器压力不足"},
        str(second.pk): {"result": "pass"}}, "summary": "上午检查"})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    # the second save changes one answer and adds another; it does not mention the second item at all
    response = post_draft(client, inspection, {"answers": {
        str(first.pk): {"severity": "major"}, str(third.pk): {"result": "na"}}})
    assert response.status_code == 200
    findings = {f.item_id: f for f in Finding.objects.filter(inspection=inspection)}
    assert (findings[first.pk].result, findings[first.pk].severity, findings[first.pk].note) == \
        ("fail", "major", "灭火器压力不足")
    assert findings[second.pk].result == "pass"
    assert findings[third.pk].result == "na"
    inspection.refresh_from_db()
    assert inspection.summary == "上午检查" and inspection.draft_saved_at is not None


def test_the_form_save_button_keeps_the_draft_too(inspector):
    from inspections.flows import InspectionFlow
    from tests.inspections.helpers import do_task

    inspection = plan(inspector)
    item = inspection.checklist.items.first()
    response = do_task(inspector, inspection, InspectionFlow.fill,
                       {f"result_{item.pk}": "pass", "summary": "草稿", "_save": "1"})
    assert response.status_code == 302
    assert inspection.status == Inspection.Status.IN_PROGRESS and inspection.summary == "草稿"
    assert inspection.findings.get(item=item).result == "pass"


def test_draft_rejects_items_of_another_checklist_and_bad_json(inspector):
    inspection = plan(inspector)
    client = client_for(inspector)
    assert post_draft(client, inspection, {"answers": {"999999": {"result": "pass"}}}).status_code == 409
    response = client.post(f"/staff/inspection/inspections/{inspection.number}/draft/", "not json",
                           content_type="application/json")
    assert response.status_code == 400
    assert not inspection.findings.exists()


def test_location_is_recorded_when_shared(inspector):
    inspection = plan(inspector)
    post_draft(client_for(inspector), inspection,
               {"answers": {}, "location": {"latitude": "39.971234", "longitude": "116.456789", "accuracy": 12}})
    inspection.refresh_from_db()
    assert str(inspection.latitude) == "39.971234" and inspection.location_accuracy == 12
    assert post_draft(client_for(inspector), inspection,
                      {"answers": {}, "location": {"latitude": "123", "longitude": "1"}}).status_code == 409


def test_photo_upload_strips_exif_location(inspector):
    inspection = plan(inspector)
    item = inspection.checklist.items.first()
    raw = photo()
    assert Image.open(raw).getexif().get_ifd(0x8825)  # the sample carries a GPS fix
    raw.seek(0)
    response = client_for(inspector).post(f"/staff/inspection/inspections/{inspection.number}/photo/",
                                          {"item": item.pk, "photo": raw})
    assert response.status_code == 200, response.content
    attachment = Attachment.objects.get(pk=response.json()["id"])
    with attachment.file.open("rb") as fh:
        image = Image.open(fh)
        exif = image.getexif()
        assert not exif.get_ifd(0x8825) and 0x010F not in exif
    assert Finding.objects.get(inspection=inspection, item=item).pk == attachment.object_id
