"""Keeps ``EmployerMention`` (the employer index for repeat offenders) current.

Every case that names an employer — a wage claim's employer, a complaint's respondent, a mediation's
respondent — has one mention row with the credit code and the normalised name (``employers.employer_key``).
Receivers on the three models' ``post_save`` refresh the row when a save may have changed the employer
(``update_fields`` is None or names one of the fields), in the same transaction as the save."""

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save

from core.statements import insert_returning

from .employers import employer_key, normalise_credit_code

# model label → (name field, credit code field, opened-at field, extra filter on the instance)
_SOURCES = {
    "casework.WageClaim": ("employer_name", "employer_credit_code", "received_at"),
    "casework.Complaint": ("respondent_name", "respondent_credit_code", "submitted_at"),
    "casework.MediationCase": ("respondent_name", "respondent_credit_code", "received_at"),
}


def _mentions(instance) -> bool:
    """Complaints about a market operator or a private person do not name an employer."""
    if instance._meta.label == "casework.Complaint":
        return instance.respondent_kind == "employer"
    return True


def refresh_mention(instance) -> None:
    from .models import EmployerMention

    name_field, code_field, opened_field = _SOURCES[instance._meta.label]
    name = (getattr(instance, name_field) or "").strip()
    code = normalise_credit_code(getattr(instance, code_field))
    key = employer_key(name)
    ct = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    if not _mentions(instance) or not (key or code):
        EmployerMention.objects.filter(content_type=ct, object_id=instance.pk).delete()
        return
    # One upsert on (content_type, object_id) instead of update_or_create's savepoints, locking read and
    # insert (bench report 2026-11-27, measurement 5); nothing listens to mention rows' signals.
    insert_returning(
        EmployerMention(content_type=ct, object_id=instance.pk, district_id=instance.district_id,
                        name=name[:200], credit_code=code, key=key, opened_at=getattr(instance, opened_field)),
        on_conflict="(content_type_id, object_id) DO UPDATE SET district_id = excluded.district_id, "
                    "name = excluded.name, credit_code = excluded.credit_code, key = excluded.key, "
                    "opened_at = excluded.opened_at",
    )


def _on_save(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    name_field, code_field, _ = _SOURCES[sender._meta.label]
    watched = {name_field, code_field, "district", "district_id", "respondent_kind"}
    if update_fields is not None and not watched.intersection(update_fields):
        return
    refresh_mention(instance)


def _on_delete(sender, instance, **kwargs):
    from .models import EmployerMention

    ct = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    EmployerMention.objects.filter(content_type=ct, object_id=instance.pk).delete()


def connect() -> None:
    from django.apps import apps

    for label in _SOURCES:
        model = apps.get_model(label)
        post_save.connect(_on_save, sender=model, dispatch_uid=f"employer_index.save.{label}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"employer_index.delete.{label}")


def rebuild(models=None) -> int:
    """Re-create every mention (after a bulk import that bypassed ``save``); returns the rows written."""
    from django.apps import apps

    count = 0
    for label in models or _SOURCES:
        for instance in apps.get_model(label)._default_manager.iterator(chunk_size=2000):
            refresh_mention(instance)
            count += 1
    return count
