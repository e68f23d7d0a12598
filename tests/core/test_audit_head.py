"""Appending to the audit chain takes the chain lock and reads the head once per transaction; later appends
in the same transaction link to the row just written. A savepoint that rolls back its appends makes the next
append read the head again, so the chain never points at a row that does not exist."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from tests.factories import MarketFactory


@pytest.fixture
def market(db):
    return MarketFactory()


def test_the_second_append_in_a_transaction_is_one_insert(market):
    with transaction.atomic():
        first = AuditEvent.record(market, AuditEvent.Action.NOTE, name="one")
        with CaptureQueriesContext(connection) as ctx:
            second = AuditEvent.record(market, AuditEvent.Action.NOTE, name="two")
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["INSERT"]
    assert second.prev_hash == first.hash
    assert AuditEvent.verify_chain()[1] is None


def test_an_append_after_a_rolled_back_savepoint_links_to_the_surviving_row(market):
    with transaction.atomic():
        kept = AuditEvent.record(market, AuditEvent.Action.NOTE, name="kept")
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                AuditEvent.record(market, AuditEvent.Action.NOTE, name="rolled back")
                raise RuntimeError("the change failed")
        after = AuditEvent.record(market, AuditEvent.Action.NOTE, name="after")
    assert after.prev_hash == kept.hash
    assert list(AuditEvent.objects.values_list("name", flat=True)) == ["kept", "after"]
    assert AuditEvent.verify_chain() == (2, None, "")


def test_an_append_in_a_released_savepoint_stays_the_head(market):
    with transaction.atomic():
        with transaction.atomic():
            inner = AuditEvent.record(market, AuditEvent.Action.NOTE, name="inner")
        with CaptureQueriesContext(connection) as ctx:
            outer = AuditEvent.record(market, AuditEvent.Action.NOTE, name="outer")
    assert outer.prev_hash == inner.hash
    assert len(ctx.captured_queries) == 1
    assert AuditEvent.verify_chain() == (2, None, "")
