"""``get_FOO_display()`` from a table built once per field.

Django's own ``Model._get_FIELD_display`` rebuilds ``dict(make_hashable(field.flatchoices))`` on every call, and
hashing each lazy label translates it: 65–85 µs for one status label of a complaint, where a look-up in a prepared
``{value: label}`` table takes about 3 µs. A list page shows two or three labels per row and a case page one per
timeline event, so this was most of what a row cost to render (issue 8's benchmark, measurements 1–3).

``install_choice_labels()`` (called from ``CoreConfig.ready``) points each choices field's ``get_FOO_display`` of
our apps' models at ``choice_display``. The labels stay lazy in the table, so each call still returns the active
language's text; a value the table does not hold (or cannot hash) falls back to Django's own method, so the
result is always what Django would return.
"""

from functools import partialmethod

from django.utils.encoding import force_str

_TABLE = "_gigcase_choice_labels"


def choice_labels(field) -> dict:
    """``{value: lazy label}`` of ``field``'s (flattened) choices, kept on the field."""
    table = field.__dict__.get(_TABLE)
    if table is None:
        table = field.__dict__[_TABLE] = dict(field.flatchoices)
    return table


def choice_display(instance, field):
    value = getattr(instance, field.attname)
    try:
        label = choice_labels(field)[value]
    except (KeyError, TypeError):  # not a choice (shown as itself) or unhashable: Django's way
        return instance._get_FIELD_display(field)
    return force_str(label, strings_only=True)


def install_choice_labels(models) -> int:
    """Use ``choice_display`` for the choices fields of ``models``; returns how many.

    Only a ``get_FOO_display`` that is still Django's generated one is replaced: a model that writes its own
    keeps it."""
    installed = 0
    for model in models:
        for field in model._meta.concrete_fields:
            name = f"get_{field.name}_display"
            if not field.choices or not isinstance(model.__dict__.get(name), partialmethod):
                continue
            setattr(model, name, partialmethod(choice_display, field=field))
            installed += 1
    return installed
