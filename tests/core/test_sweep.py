"""The sweep fires each reminder and escalation exactly once, even when two sweeps run at the same time, and
fires viewflow's due timers."""

import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from core import deadlines
from core.models import Deadline
from tests.core.deadline_support import (  # noqa: F401  (fixtures)
    SweepTimerFlow, bj, clock, d, deadline_test_app, end_of, target,
)


@pytest.fixture
def fired():
    """Register handlers for kinds ``sweeptest.*`` that record each call; removed after the test."""
    calls, lock = [], threading.Lock()

    def remember(phase):
        def handler(deadline):
            with lock:
                calls.append((phase, deadline.pk, threading.get_ident()))
        return handler

    deadlines.register_deadline_handler("sweeptest.", on_remind=remember("remind"), on_overdue=remember("overdue"))
    yield calls
    deadlines.unregister_deadline_handler("sweeptest.")


def _deadline(target, *, kind="sweeptest.accept", due, remind=None, status=Deadline.Status.RUNNING):
    return Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk, kind=kind, label="测试期限",
        unit="working", days=5, started_at=bj(2026, 11, 2), due_at=due, remind_at=remind, status=status,
    )


@pytest.mark.django_db
def test_reminder_and_escalation_fire_once_each(target, clock, fired):
    clock.now = bj(2026, 11, 2, 10)
    deadline = deadlines.start_deadline(target, kind="sweeptest.accept", label="受理期限", days=5, unit="working")
    assert deadline.remind_at == bj(2026, 11, 4, 9)

    clock.now = bj(2026, 11, 4, 8, 59)
    assert deadlines.sweep()["reminded"] == 0
    clock.now = bj(2026, 11, 4, 9, 0)
    assert deadlines.sweep() == {"reminded": 1, "overdue": 0, "timers": 0, "failed": 0}
    assert deadlines.sweep()["reminded"] == 0  # idempotent

    clock.now = bj(2026, 11, 9, 23, 59, 58)
    assert deadlines.sweep()["overdue"] == 0
    clock.now = bj(2026, 11, 9, 23, 59, 59)
    assert deadlines.sweep()["overdue"] == 1
    assert deadlines.sweep()["overdue"] == 0

    assert [call[:2] for call in fired] == [("remind", deadline.pk), ("overdue", deadline.pk)]
    deadline.refresh_from_db()
    assert deadline.reminded_at == bj(2026, 11, 4, 9)
    assert deadline.overdue_at == end_of(d("2026-11-09"))


@pytest.mark.django_db
def test_an_overdue_deadline_is_escalated_not_reminded(target, fired):
    _deadline(target, due=bj(2026, 11, 9, 23, 59, 59), remind=bj(2026, 11, 4, 9))
    assert deadlines.sweep(now=bj(2026, 11, 20)) == {"reminded": 0, "overdue": 1, "timers": 0, "failed": 0}
    assert [phase for phase, _, _ in fired] == ["overdue"]


@pytest.mark.django_db
def test_suspended_met_and_cancelled_deadlines_do_not_fire(target, fired):
    for status in (Deadline.Status.SUSPENDED, Deadline.Status.MET, Deadline.Status.CANCELLED):
        _deadline(target, due=bj(2026, 11, 9, 23, 59, 59), remind=bj(2026, 11, 4, 9), status=status)
    assert deadlines.sweep(now=bj(2026, 11, 20))["overdue"] == 0
    assert fired == []


@pytest.mark.django_db
def test_the_longest_matching_prefix_handles_a_kind(target, fired):
    specific = []
    deadlines.register_deadline_handler("sweeptest.special", on_overdue=lambda dl: specific.append(dl.pk))
    try:
        special = _deadline(target, kind="sweeptest.special.x", due=bj(2026, 11, 9))
        general = _deadline(target, kind="sweeptest.accept", due=bj(2026, 11, 9))
        deadlines.sweep(now=bj(2026, 11, 20))
    finally:
        deadlines.unregister_deadline_handler("sweeptest.special")
    assert specific == [special.pk]
    assert [(phase, pk) for phase, pk, _ in fired] == [("overdue", general.pk)]


@pytest.mark.django_db
def test_a_failing_handler_rolls_back_its_row_only_and_is_retried(target, fired):
    attempts = []

    def flaky(deadline):
        attempts.append(deadline.pk)
        if len(attempts) == 1:
            raise RuntimeError("notification backend down")

    deadlines.register_deadline_handler("sweeptest.flaky", on_overdue=flaky)
    try:
        bad = _deadline(target, kind="sweeptest.flaky", due=bj(2026, 11, 9))
        good = _deadline(target, kind="sweeptest.accept", due=bj(2026, 11, 9))
        assert deadlines.sweep(now=bj(2026, 11, 20)) == {"reminded": 0, "overdue": 1, "timers": 0, "failed": 1}
        bad.refresh_from_db()
        assert bad.overdue_at is None  # rolled back: not silently lost
        assert deadlines.sweep(now=bj(2026, 11, 20, 10, 1)) == {"reminded": 0, "overdue": 1, "timers": 0,
                                                                "failed": 0}
    finally:
        deadlines.unregister_deadline_handler("sweeptest.flaky")
    bad.refresh_from_db()
    assert bad.overdue_at is not None
    assert attempts == [bad.pk, bad.pk]
    assert [(phase, pk) for phase, pk, _ in fired] == [("overdue", good.pk)]


@pytest.mark.django_db
def test_sweep_handles_more_rows_than_one_batch(target, fired, monkeypatch):
    monkeypatch.setattr(deadlines, "SWEEP_BATCH", 3)
    rows = [_deadline(target, due=bj(2026, 11, 9)) for _ in range(8)]
    assert deadlines.sweep(now=bj(2026, 11, 20))["overdue"] == 8
    assert sorted(pk for _, pk, _ in fired) == sorted(r.pk for r in rows)


@pytest.mark.django_db
def test_management_command_prints_the_counts(target, fired):
    _deadline(target, due=bj(2020, 1, 1))  # long overdue, whatever today is
    out = StringIO()
    call_command("sweep_deadlines", stdout=out)
    assert out.getvalue().strip() == "期限提醒：0，逾期督办：1，流程定时器：0，处理失败：0"
    call_command("sweep_deadlines", stdout=out)
    assert len(fired) == 1


@pytest.mark.django_db
def test_celery_task_runs_the_sweep(target, fired):
    from core.tasks import sweep_deadlines_task

    _deadline(target, due=bj(2020, 1, 1))
    result = sweep_deadlines_task.delay()
    assert result.get()["overdue"] == 1
    assert sweep_deadlines_task.name == "core.tasks.sweep_deadlines_task"
    assert len(fired) == 1


@pytest.mark.django_db
def test_sweep_fires_due_viewflow_timers(deadline_test_app, clock):
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    process = SweepTimerFlow.start.run()
    timer = Task.objects.get(process=process, flow_task_type="TIMER")
    assert timer.status == STATUS.SCHEDULED
    clock.now = timer.scheduled - timedelta(seconds=1)
    assert deadlines.sweep()["timers"] == 0  # not due yet

    clock.now = timer.scheduled
    assert deadlines.sweep()["timers"] == 1
    timer.refresh_from_db()
    process.refresh_from_db()
    assert timer.status == STATUS.DONE
    assert process.status == "DONE"
    assert deadlines.sweep()["timers"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_fire_each_handler_exactly_once(fired, monkeypatch):
    """Two sweeps on two connections at once: row locks with SKIP LOCKED and the re-checked conditions mean
    every reminder and escalation fires once, and both sweeps did part of the work."""
    assert connection.vendor == "postgresql"
    monkeypatch.setattr(deadlines, "SWEEP_BATCH", 2)
    target = Group.objects.create(name="并发测试")
    now = bj(2026, 11, 20, 10)
    reminders = [_deadline(target, due=bj(2026, 11, 30), remind=bj(2026, 11, 19, 9)) for _ in range(12)]
    overdue = [_deadline(target, due=bj(2026, 11, 10)) for _ in range(12)]

    # Slow handlers keep rows locked long enough for the sweeps to overlap.
    deadlines.register_deadline_handler(
        "sweeptest.", on_remind=_slow(deadlines.handler_for("sweeptest.").on_remind),
        on_overdue=_slow(deadlines.handler_for("sweeptest.").on_overdue),
    )
    start, results, errors = threading.Barrier(2), [], []

    def run():
        from django.db import connection as thread_connection

        try:
            start.wait()
            results.append(deadlines.sweep(now=now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(pk for phase, pk, _ in fired if phase == "remind") == sorted(r.pk for r in reminders)
    assert sorted(pk for phase, pk, _ in fired if phase == "overdue") == sorted(r.pk for r in overdue)
    assert sum(r["reminded"] for r in results) == 12 and sum(r["overdue"] for r in results) == 12
    assert len({thread for _, _, thread in fired}) == 2, "the two sweeps did not run concurrently"
    assert not Deadline.objects.filter(reminded_at__isnull=True, remind_at__isnull=False).exists()
    assert not Deadline.objects.filter(overdue_at__isnull=True, due_at__lte=now).exists()


def _slow(handler):
    def wrapped(deadline):
        time.sleep(0.02)
        handler(deadline)
    return wrapped
