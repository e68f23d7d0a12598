"""The sweep claims due deadlines set-based and hands each kind's batch to its bulk handler; when the bulk
handler fails it falls back to the per-row handler, one savepoint each."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import deadlines
from core.models import Deadline
from tests.core.deadline_support import bj, target  # noqa: F401  (fixture)


def _deadline(target, *, kind="bulktest.accept", due):
    return Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk, kind=kind, label="测试期限",
        unit="working", days=5, started_at=bj(2026, 11, 2), due_at=due,
    )


@pytest.fixture
def handlers():
    calls = {"many": [], "one": []}
    yield calls
    deadlines.unregister_deadline_handler("bulktest.")


@pytest.mark.django_db
def test_a_bulk_handler_gets_the_whole_batch_in_one_call(target, handlers):
    deadlines.register_deadline_handler(
        "bulktest.", on_overdue=lambda dl: handlers["one"].append(dl.pk),
        on_overdue_many=lambda rows: handlers["many"].append(sorted(dl.pk for dl in rows)))
    rows = [_deadline(target, due=bj(2026, 11, 9)) for _ in range(5)]
    assert deadlines.sweep(now=bj(2026, 11, 20)) == {"reminded": 0, "overdue": 5, "timers": 0, "failed": 0}
    assert handlers["many"] == [sorted(r.pk for r in rows)]
    assert handlers["one"] == []
    assert Deadline.objects.filter(overdue_at=bj(2026, 11, 20)).count() == 5
    assert deadlines.sweep(now=bj(2026, 11, 21))["overdue"] == 0  # fired once


@pytest.mark.django_db
def test_a_failing_bulk_handler_falls_back_to_rows_and_only_the_bad_row_is_retried(target, handlers):
    rows = [_deadline(target, due=bj(2026, 11, 9)) for _ in range(3)]
    bad = rows[1]

    def many(batch):
        raise RuntimeError("bulk path down")

    def one(deadline):
        if deadline.pk == bad.pk:
            raise RuntimeError("this row is broken")
        handlers["one"].append(deadline.pk)

    deadlines.register_deadline_handler("bulktest.", on_overdue=one, on_overdue_many=many)
    assert deadlines.sweep(now=bj(2026, 11, 20)) == {"reminded": 0, "overdue": 2, "timers": 0, "failed": 1}
    assert sorted(handlers["one"]) == sorted([rows[0].pk, rows[2].pk])
    bad.refresh_from_db()
    assert bad.overdue_at is None  # un-stamped: the next sweep retries it
    assert Deadline.objects.filter(overdue_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_the_sweep_makes_the_same_number_of_queries_for_three_or_thirty_due_rows(target, handlers):
    deadlines.register_deadline_handler("bulktest.", on_overdue_many=lambda rows: None,
                                        on_remind_many=lambda rows: None)
    counts = []
    for n, day in ((3, 20), (30, 21)):
        for _ in range(n):
            _deadline(target, due=bj(2026, 11, day - 1))
        with CaptureQueriesContext(connection) as ctx:
            assert deadlines.sweep(now=bj(2026, 11, day))["overdue"] == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
