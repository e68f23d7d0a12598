"""Encrypted model fields for PII (ID numbers, phones, bank accounts).

Values are encrypted with Fernet (AES-128-CBC + HMAC) under ``settings.GIGCASE_FIELD_KEYS``; the first
key encrypts, every key decrypts, so keys can be rotated. Encrypted columns cannot be searched: keep a
separate non-secret column (e.g. the last four digits of a phone) where a lookup is needed.
"""

from functools import lru_cache

from cryptography.fernet import InvalidToken, MultiFernet, Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("GIGCASE_FIELD_KEYS must hold at least one Fernet key")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.GIGCASE_FIELD_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong key must fail loudly, never return ciphertext as data
        raise ImproperlyConfigured("PII cannot be decrypted with the configured GIGCASE_FIELD_KEYS") from exc


class EncryptedCharField(models.TextField):
    """A string stored encrypted. ``max_length`` limits the plaintext (checked by forms and validators)."""

    description = "Encrypted string"

    def __init__(self, *args, plain_max_length=None, **kwargs):
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)
        if plain_max_length:
            from django.core.validators import MaxLengthValidator

            self.validators.append(MaxLengthValidator(plain_max_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def formfield(self, **kwargs):
        from django import forms

        defaults = {"form_class": forms.CharField, "max_length": self.plain_max_length}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)
