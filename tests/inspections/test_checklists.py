"""Checklist versions: the default one is seeded by migration, published versions are frozen, and an
inspection keeps the version it was filed with."""

import pytest
from django.core.exceptions import ValidationError

from inspections import services
from inspections.models import ChecklistItem, ChecklistTemplate, Section
from tests.inspections.helpers import plan

pytestmark = pytest.mark.django_db


def test_default_checklist_covers_every_section():
    version = services.current_checklist()
    assert version.is_frozen and version.template.name == services.DEFAULT_TEMPLATE_NAME
    assert set(version.items.values_list("section", flat=True)) == set(Section.values)


def test_published_items_cannot_change():
    item = services.current_checklist().items.first()
    item.text = "改过的内容"
    with pytest.raises(ValidationError):
        item.save()
    with pytest.raises(ValidationError):
        item.delete()
    with pytest.raises(ValidationError):
        ChecklistItem.objects.get(pk=item.pk).version.items.create(section="fire", text="新增项目")


def test_inspection_keeps_the_version_it_was_filed_with(inspector, official):
    old = services.current_checklist()
    inspection = plan(inspector)
    draft = services.checklist_new_draft(template=old.template, by=official, note="增加电动车充电检查")
    assert draft.items.count() == old.items.count()
    draft.items.create(section="fire", sort_order=999, text="电动自行车集中充电设施符合要求")
    with pytest.raises(ValidationError):
        services.checklist_publish(version=old, by=official)
    services.checklist_publish(version=draft, by=official)
    assert services.current_checklist() == draft
    inspection.refresh_from_db()
    assert inspection.checklist == old and inspection.checklist.items.count() == old.items.count()
    assert plan(inspector).checklist == draft


def test_an_empty_draft_cannot_be_published(official):
    template = ChecklistTemplate.objects.create(name="空白检查表")
    draft = services.checklist_new_draft(template=template, by=official)
    with pytest.raises(ValidationError):
        services.checklist_publish(version=draft, by=official)
