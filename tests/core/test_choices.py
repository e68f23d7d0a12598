"""core.choices: get_FOO_display() from a prepared table returns exactly what Django's own method returns."""

from functools import partialmethod

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps
from django.utils import translation

from core.apps import PROJECT_APPS
from core.choices import choice_display, install_choice_labels


def _choice_fields():
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                # not viewflow's Process fields our flows' proxy models inherit
                if field.choices and field.model._meta.app_label in PROJECT_APPS:
                    yield model, field


def _instance(model, field, value):
    """An unsaved instance holding ``value`` (set under the attname: FSM fields refuse assignment)."""
    obj = model.__new__(model)
    obj.__dict__[field.attname] = value
    return obj


def test_every_choices_field_of_our_apps_uses_the_table():
    fields = list(_choice_fields())
    assert len(fields) >= 40  # statuses, categories, kinds, outcomes … of every app
    for model, field in fields:
        # a proxy model inherits its concrete model's method
        owner = next(cls for cls in model.__mro__ if f"get_{field.name}_display" in cls.__dict__)
        method = owner.__dict__[f"get_{field.name}_display"]
        assert isinstance(method, partialmethod) and method.func is choice_display, (model, field.name)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_label_is_djangos_in_the_active_language(language):
    with translation.override(language):
        for model, field in _choice_fields():
            for value, _label in field.flatchoices:
                obj = _instance(model, field, value)
                assert getattr(obj, f"get_{field.name}_display")() == obj._get_FIELD_display(field), (
                    model, field.name, value)


def test_labels_follow_the_language_of_each_call():
    from casework.models import Complaint

    field = Complaint._meta.get_field("status")
    obj = _instance(Complaint, field, "submitted")
    with translation.override("zh-hans"):
        chinese = obj.get_status_display()
    with translation.override("en"):
        english = obj.get_status_display()
    assert chinese == "待受理" and english != chinese and english.isascii()


def test_a_value_that_is_not_a_choice_is_shown_as_itself():
    from casework.models import Complaint

    obj = _instance(Complaint, Complaint._meta.get_field("category"), "retired_category")
    assert obj.get_category_display() == "retired_category"
    obj = _instance(Complaint, Complaint._meta.get_field("category"), None)
    assert obj.get_category_display() is None


@isolate_apps("core")
def test_a_model_that_writes_its_own_display_method_keeps_it():
    class Own(models.Model):
        kind = models.CharField(max_length=5, choices=[("a", "A")])

        class Meta:
            app_label = "core"

        def get_kind_display(self):
            return "own"

    class Generated(models.Model):
        kind = models.CharField(max_length=5, choices=[("a", "A")])

        class Meta:
            app_label = "core"

    before = Own.__dict__["get_kind_display"]
    assert install_choice_labels([Own, Generated]) == 1
    assert Own.__dict__["get_kind_display"] is before
    assert Generated.__dict__["get_kind_display"].func is choice_display
    assert Own(kind="a").get_kind_display() == "own"
