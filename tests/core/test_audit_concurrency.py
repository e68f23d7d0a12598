"""Concurrent audit writers on PostgreSQL never fork the chain: each append takes the chain lock inside its
own transaction, so every row points at the row committed just before it."""

import threading

import pytest
from django.db import connection, transaction

from core.models import GENESIS_HASH, AuditEvent
from tests.factories import MarketFactory

WRITERS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_writers_leave_one_unbroken_chain():
    market = MarketFactory()  # committed: the writers' own connections can see it
    barrier = threading.Barrier(WRITERS)
    errors = []

    def write(i):
        try:
            barrier.wait(timeout=30)  # all writers race for the head of the chain at once
            with transaction.atomic():
                AuditEvent.record(market, AuditEvent.Action.NOTE, name=f"writer-{i}", data={"i": i})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert AuditEvent.verify_chain() == (WRITERS, None, "")
    rows = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "hash", "data"))
    assert len(rows) == WRITERS
    prev_hashes = [prev for prev, _, _ in rows]
    assert len(set(prev_hashes)) == WRITERS  # no two rows claim the same predecessor: no fork
    assert prev_hashes[0] == GENESIS_HASH
    assert [prev for prev, _, _ in rows[1:]] == [h for _, h, _ in rows[:-1]]
    assert sorted(data["i"] for _, _, data in rows) == list(range(WRITERS))
