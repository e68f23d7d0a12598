"""core.statements.lock_row: the row as the ORM loads it, locked until the transaction ends."""

import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.db.transaction import TransactionManagementError

from casework.models import Complaint
from core.statements import lock_row
from tests.casework.helpers import submit


@pytest.mark.django_db
def test_the_row_is_the_one_the_orm_loads_decrypted_fields_included():
    complaint = submit().complaint
    with transaction.atomic():
        locked = lock_row(Complaint, complaint.pk)
    expected = Complaint.objects.get(pk=complaint.pk)
    for field in Complaint._meta.concrete_fields:
        assert getattr(locked, field.attname) == getattr(expected, field.attname), field.name
    assert locked.complainant_phone == "13912345678"  # decrypted, not the stored token
    assert not locked._state.adding and locked._state.db == "default"
    assert locked.get_deferred_fields() == set()


@pytest.mark.django_db
def test_a_missing_row_raises_does_not_exist():
    with transaction.atomic(), pytest.raises(Complaint.DoesNotExist):
        lock_row(Complaint, 987654321)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_is_refused_as_the_orm_refuses():
    complaint = submit().complaint
    assert not connection.in_atomic_block
    with pytest.raises(TransactionManagementError):
        lock_row(Complaint, complaint.pk)
    with pytest.raises(TransactionManagementError):  # the ORM's own refusal, for comparison
        Complaint.objects.select_for_update().get(pk=complaint.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_row_stays_locked_until_the_transaction_ends():
    complaint = submit().complaint
    outcome = {}

    def try_lock():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT id FROM casework_complaint WHERE id = %s FOR UPDATE NOWAIT", [complaint.pk])
            outcome["locked"] = False
        except OperationalError:
            outcome["locked"] = True
        finally:
            connection.close()

    with transaction.atomic():
        lock_row(Complaint, complaint.pk)
        thread = threading.Thread(target=try_lock)
        thread.start()
        thread.join(timeout=30)
    assert outcome == {"locked": True}

    thread = threading.Thread(target=try_lock)  # committed: free again
    thread.start()
    thread.join(timeout=30)
    assert outcome == {"locked": False}
