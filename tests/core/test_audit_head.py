"""The audit chain's head is one row that each append moves in the statement that inserts the event: on
PostgreSQL an append is one INSERT, the first of a transaction included (no lock statement, no read of the
newest row). A savepoint that rolls back its appends rolls the head back with them, so the chain never
points at a row that does not exist."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import GENESIS_HASH, AuditChainHead, AuditEvent
from tests.factories import MarketFactory


@pytest.fixture
def market(db):
    return MarketFactory()


def _statements_per_append():
    return 1 if connection.vendor == "postgresql" else 3  # SQLite: read the head, insert, move the head


def test_every_append_is_one_statement_and_moves_the_head(market):
    ContentType.objects.get_for_model(market)  # cached for the process, as in a running server
    with transaction.atomic():
        with CaptureQueriesContext(connection) as first_ctx:
            first = AuditEvent.record(market, AuditEvent.Action.NOTE, name="one")
        with CaptureQueriesContext(connection) as second_ctx:
            second = AuditEvent.record(market, AuditEvent.Action.NOTE, name="two")
    assert len(first_ctx.captured_queries) == _statements_per_append()
    assert len(second_ctx.captured_queries) == _statements_per_append()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    # The hash the database computed is the one Python computes from the stored row.
    stored = AuditEvent.objects.get(pk=second.pk)
    assert stored.hash == stored.compute_hash() == second.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.prev_hash, head.hash) == (first.hash, second.hash)
    assert AuditEvent.verify_chain() == (2, None, "")


def test_an_append_after_a_rolled_back_savepoint_links_to_the_surviving_row(market):
    with transaction.atomic():
        kept = AuditEvent.record(market, AuditEvent.Action.NOTE, name="kept")
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                AuditEvent.record(market, AuditEvent.Action.NOTE, name="rolled back")
                raise RuntimeError("the change failed")
        assert AuditChainHead.objects.get(pk=1).hash == kept.hash
        after = AuditEvent.record(market, AuditEvent.Action.NOTE, name="after")
    assert after.prev_hash == kept.hash
    assert list(AuditEvent.objects.values_list("name", flat=True)) == ["kept", "after"]
    assert AuditEvent.verify_chain() == (2, None, "")


def test_an_append_in_a_released_savepoint_stays_the_head(market):
    with transaction.atomic():
        with transaction.atomic():
            inner = AuditEvent.record(market, AuditEvent.Action.NOTE, name="inner")
        outer = AuditEvent.record(market, AuditEvent.Action.NOTE, name="outer")
    assert outer.prev_hash == inner.hash
    assert AuditEvent.verify_chain() == (2, None, "")


def test_text_outside_ascii_hashes_the_same_in_the_database_and_in_python(market):
    event = AuditEvent.record(market, AuditEvent.Action.NOTE, name="备注",
                              reason="拖欠工资 ¥3,000 — “引号” 😀 %s %(x)s", data={"说明": "零工驿站"})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.hash == stored.compute_hash() == event.hash
