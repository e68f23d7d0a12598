"""Encrypted PII columns: ciphertext in the database, plaintext in Python, and key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from core.fields import EncryptedCharField, decrypt, encrypt

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def field():
    f = EncryptedCharField(plain_max_length=18)
    f.set_attributes_from_name("id_number")
    return f


@pytest.fixture
def old_key(settings):
    key = Fernet.generate_key().decode()
    settings.GIGCASE_FIELD_KEYS = [key]
    return key


def test_encrypt_hides_the_value_and_decrypt_restores_it():
    token = encrypt(ID_NUMBER)
    assert ID_NUMBER not in token and "1949" not in token
    assert decrypt(token) == ID_NUMBER
    assert encrypt(ID_NUMBER) != token  # random IV: equal values do not show as equal ciphertext


def test_field_prepares_ciphertext_and_reads_back_plaintext(field):
    stored = field.get_prep_value(ID_NUMBER)
    assert stored != ID_NUMBER and ID_NUMBER not in stored
    assert field.from_db_value(stored, None, connection) == ID_NUMBER


@pytest.mark.parametrize("empty", [None, ""])
def test_field_leaves_empty_values_alone(field, empty):
    assert field.get_prep_value(empty) == empty
    assert field.from_db_value(empty, None, connection) == empty


@pytest.mark.django_db
def test_the_database_holds_only_ciphertext(field):
    """Round-trips through a real column; raw SQL sees no plaintext."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE gc_pii_probe (id integer PRIMARY KEY, value text)")
        cursor.execute("INSERT INTO gc_pii_probe VALUES (1, %s)",
                       [field.get_db_prep_save(ID_NUMBER, connection)])
        cursor.execute("SELECT value FROM gc_pii_probe WHERE id = 1")
        (raw,) = cursor.fetchone()
        cursor.execute("DROP TABLE gc_pii_probe")
    assert ID_NUMBER not in raw and "110105" not in raw
    assert field.from_db_value(raw, None, connection) == ID_NUMBER


def test_rotation_decrypts_rows_written_under_the_old_key(settings, field, old_key):
    old_row = field.get_prep_value(ID_NUMBER)

    new_key = Fernet.generate_key().decode()
    settings.GIGCASE_FIELD_KEYS = [new_key, old_key]  # new key first: it encrypts, both decrypt
    assert field.from_db_value(old_row, None, connection) == ID_NUMBER

    new_row = field.get_prep_value(ID_NUMBER)
    settings.GIGCASE_FIELD_KEYS = [new_key]  # after re-encryption the old key can be retired
    assert field.from_db_value(new_row, None, connection) == ID_NUMBER
    with pytest.raises(ImproperlyConfigured):
        field.from_db_value(old_row, None, connection)


def test_wrong_key_fails_loudly_instead_of_returning_ciphertext(settings, field, old_key):
    stored = field.get_prep_value(ID_NUMBER)
    settings.GIGCASE_FIELD_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured):
        field.from_db_value(stored, None, connection)


def test_no_key_configured_is_a_configuration_error(settings):
    settings.GIGCASE_FIELD_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        encrypt(ID_NUMBER)


def test_form_field_limits_the_plaintext_length(field):
    assert field.formfield().max_length == 18


def test_migrations_keep_the_plaintext_limit(field):
    _, path, _, kwargs = field.deconstruct()
    assert path == "core.fields.EncryptedCharField" and kwargs["plain_max_length"] == 18
