"""Queueing Celery tasks on commit, several at once in one broker message.

A transition that queues its letter and its SMS used to publish two messages after commit, each a round trip
to the broker (bench report 2026-11-26, measurement 5). Inside ``with one_message():`` the tasks queued with
``enqueue_on_commit`` are published after commit as one ``run_batch_task`` message, which a worker fans out
into the original tasks (each then runs, retries and is acknowledged on its own, exactly as if queued
directly). Outside such a block ``enqueue_on_commit`` is ``task.delay_on_commit``.

Rollbacks behave as with ``on_commit``: each queued task registers its own (empty) commit hook, so a task
queued inside a savepoint that is rolled back is dropped from the message; the message itself is published
by one hook registered when the block ends, which runs after theirs.
"""

import threading
from contextlib import contextmanager

from celery import current_app, shared_task
from django.db import transaction

_local = threading.local()


class _Queued:
    """One task of a block; its commit hook only records that it survived to commit."""

    def __init__(self, task, args, kwargs):
        self.name, self.args, self.kwargs = task.name, list(args), dict(kwargs)
        self.committed = False

    def __call__(self):
        self.committed = True


def _publish(queued):
    calls = [q for q in queued if q.committed]
    if len(calls) == 1:
        current_app.tasks[calls[0].name].apply_async(calls[0].args, calls[0].kwargs)
    elif calls:
        run_batch_task.apply_async(([[q.name, q.args, q.kwargs] for q in calls],))


@contextmanager
def one_message(using="default"):
    """Publish the tasks ``enqueue_on_commit`` queues inside this block in one broker message, after commit.
    Nothing is published if the block raises (its transaction, or savepoint, is rolling back)."""
    outer = getattr(_local, "queued", None)
    if outer is not None:  # nested: the outer block publishes
        yield
        return
    _local.queued = queued = []
    try:
        yield
    finally:
        _local.queued = None
    if queued:
        transaction.on_commit(lambda: _publish(queued), using=using)


def enqueue_on_commit(task, *args, **kwargs):
    """``task.delay_on_commit(*args, **kwargs)``, or, inside ``one_message()``, part of its one message."""
    queued = getattr(_local, "queued", None)
    if queued is None:
        task.delay_on_commit(*args, **kwargs)
        return
    entry = _Queued(task, args, kwargs)
    queued.append(entry)
    transaction.on_commit(entry)


@shared_task(name="core.tasks.run_batch_task")
def run_batch_task(calls):
    """Queue each ``[task name, args, kwargs]`` of ``calls`` as its own task (see ``one_message``)."""
    for name, args, kwargs in calls:
        current_app.tasks[name].apply_async(args, kwargs)
    return len(calls)
