"""The audit chain: every transition leaves a row in the same transaction, rows cannot be changed or removed,
and `manage.py verify_audit` finds the first tampered row."""

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import RequestFactory

from core.context import RequestInfo, current_request_info, reset_request_info, set_request_info
from core.middleware import RequestContextMiddleware
from core.models import GENESIS_HASH, AppendOnlyError, AuditEvent
from markets.models import Market
from tests.factories import MarketFactory, OrganizationFactory, Role, UserFactory

pytestmark = pytest.mark.django_db

TRIGGER = "core_auditevent_append_only"


@pytest.fixture
def market(db):
    return MarketFactory()


@pytest.fixture
def official_with_org(db, chaoyang):
    org = OrganizationFactory(name="朝阳区人力资源和社会保障局")
    return UserFactory(username="t_official_org", roles=[Role.DISTRICT_OFFICIAL], district=chaoyang,
                       organization=org, last_name="王", first_name="科长")


def _events(market, n=3):
    return [AuditEvent.record(market, AuditEvent.Action.NOTE, reason=f"第{i}条") for i in range(n)]


def _tamper(sql, params):
    """Change audit rows behind the model's back, as an attacker with table access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's foreign keys are deferred; ALTER TABLE refuses while their checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE core_auditevent DISABLE TRIGGER {TRIGGER}")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE core_auditevent ENABLE TRIGGER {TRIGGER}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# ---- the chain ----------------------------------------------------------------------------------


def test_records_link_into_a_chain_from_genesis(market):
    first, second, third = _events(market)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert AuditEvent.verify_chain() == (3, None, "")


def test_stored_rows_reproduce_their_hash(market):
    _events(market, 2)
    for event in AuditEvent.objects.all():  # read back from the database, not the in-memory objects
        assert event.compute_hash() == event.hash


@pytest.mark.parametrize("raw,stored", [
    ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
    ("192.0.2.1", "192.0.2.1"),
])
def test_chain_survives_the_database_round_trip_of_the_client_address(market, raw, stored):
    token = set_request_info(RequestInfo(ip=raw))
    try:
        event = AuditEvent.record(market, AuditEvent.Action.VIEW_PII)
    finally:
        reset_request_info(token)
    assert AuditEvent.objects.get(pk=event.pk).ip == stored
    assert AuditEvent.verify_chain() == (1, None, "")


def test_a_very_long_actor_name_is_cut_to_the_column_not_refused(market):
    user = UserFactory(first_name="名" * 150, last_name="张" * 150)
    event = AuditEvent.record(market, AuditEvent.Action.EXPORT, by=user)
    assert len(AuditEvent.objects.get(pk=event.pk).actor_name) == 150
    assert AuditEvent.verify_chain() == (1, None, "")


def test_a_garbage_client_address_is_not_recorded_and_does_not_break_the_write(market):
    token = set_request_info(RequestInfo(ip="unknown"))
    try:
        with transaction.atomic():
            event = AuditEvent.record(market, AuditEvent.Action.VIEW_PII)
    finally:
        reset_request_info(token)
    assert AuditEvent.objects.get(pk=event.pk).ip is None
    assert AuditEvent.verify_chain() == (1, None, "")


# ---- append-only ------------------------------------------------------------------------------


def test_model_refuses_to_update_a_saved_row(market):
    event = _events(market, 1)[0]
    event.reason = "改过的理由"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["reason"])
    assert AuditEvent.objects.get(pk=event.pk).reason == "第0条"


def test_model_and_queryset_refuse_to_delete(market):
    event = _events(market, 1)[0]
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_queryset_refuses_update_and_bulk_update(market):
    event = _events(market, 1)[0]
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    event.reason = "x"
    with pytest.raises(AppendOnlyError), transaction.atomic():  # bulk_update runs inside its own atomic
        AuditEvent.objects.bulk_update([event], ["reason"])
    assert AuditEvent.objects.get(pk=event.pk).reason == "第0条"


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "UPDATE core_auditevent SET reason = 'forged' WHERE id = %s",
    "DELETE FROM core_auditevent WHERE id = %s",
])
def test_postgres_trigger_refuses_raw_update_and_delete(market, sql):
    event = _events(market, 1)[0]
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == "第0条"


# ---- verify_audit -----------------------------------------------------------------------------


def test_verify_audit_passes_an_intact_chain(market, capsys):
    _events(market)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "审计链完整" in out and "3" in out
    assert "Audit chain intact: 3 events verified." in out


def test_verify_audit_names_the_first_tampered_row(market):
    first, second, third = _events(market)
    _tamper("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["没有发生过的事", second.pk])
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit")
    assert exc.value.returncode == 1
    message = str(exc.value)
    assert f"event #{second.pk} " in message and f"异常记录 #{second.pk}" in message
    assert f"event #{first.pk} " not in message and f"event #{third.pk} " not in message
    assert "content does not match its hash" in message and "被篡改" in message
    assert f"markets.market #{market.pk}" in message and "note" in message


def test_verify_audit_finds_a_deleted_row_at_its_successor(market):
    first, second, third = _events(market)
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [second.pk])
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit")
    assert f"event #{third.pk} " in str(exc.value)
    assert "prev_hash does not match" in str(exc.value)


def test_verify_audit_finds_a_row_whose_hash_was_recomputed_after_tampering(market):
    """Re-hashing a forged row does not help: the next row still points at the original hash."""
    first, second, third = _events(market)
    forged = AuditEvent.objects.get(pk=second.pk)
    forged.reason = "伪造"
    _tamper("UPDATE core_auditevent SET reason = %s, hash = %s WHERE id = %s",
            ["伪造", forged.compute_hash(), second.pk])
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit")
    assert f"event #{third.pk} " in str(exc.value)


def test_verify_audit_prints_the_head_and_detects_truncation_after_it(market, capsys):
    events = _events(market)
    call_command("verify_audit")
    assert f"#{events[-1].pk} {events[-1].hash}" in capsys.readouterr().out
    call_command("verify_audit", anchor=[events[-1].hash])  # still there: passes

    _tamper("DELETE FROM core_auditevent WHERE id = %s", [events[-1].pk])  # cut the newest row
    assert AuditEvent.verify_chain()[1] is None  # the chain alone cannot tell
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit", anchor=[events[-1].hash])
    assert exc.value.returncode == 1 and events[-1].hash in str(exc.value)


def test_verify_audit_exits_non_zero_from_the_command_line(market, capsys):
    _, second, _ = _events(market)
    _tamper("UPDATE core_auditevent SET to_state = %s WHERE id = %s", ["closed", second.pk])
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", "verify_audit"])
    assert exc.value.code == 1
    assert f"event #{second.pk} " in capsys.readouterr().err


def test_verify_audit_exits_zero_from_the_command_line(market, capsys):
    _events(market, 2)
    try:
        execute_from_command_line(["manage.py", "verify_audit"])
    except SystemExit as exc:  # a clean run returns without exiting; an explicit 0 is fine too
        assert exc.code in (0, None)
    assert "Audit chain intact: 2 events verified." in capsys.readouterr().out


def test_verify_audit_reads_the_chain_across_batches(market):
    events = _events(market, 7)
    assert AuditEvent.verify_chain(batch_size=2) == (7, None, "")
    _tamper("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["x", events[5].pk])
    checked, broken, _ = AuditEvent.verify_chain(batch_size=2)
    assert (checked, broken.pk) == (5, events[5].pk)


# ---- transitions ------------------------------------------------------------------------------


def test_fsm_transition_writes_one_audit_row_with_actor_reason_and_states(market, official_with_org):
    with transaction.atomic():
        market.suspend(by=official_with_org, reason="消防检查不合格")
        market.save(update_fields=["status", "status_reason"])

    event = AuditEvent.objects.for_object(market).get()
    assert event.action == AuditEvent.Action.TRANSITION
    assert event.name == "suspend"
    assert (event.from_state, event.to_state) == (Market.Status.OPEN, Market.Status.SUSPENDED)
    assert event.reason == "消防检查不合格"
    assert event.actor == official_with_org
    assert event.actor_name == official_with_org.get_full_name()
    assert event.actor_role == official_with_org.role_names() and event.actor_role
    assert event.actor_org == "朝阳区人力资源和社会保障局"
    assert event.object_repr == market.name
    assert AuditEvent.verify_chain() == (1, None, "")


def test_audit_row_rolls_back_when_the_change_fails_to_save(market, official_with_org):
    other = MarketFactory()
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            market.suspend(by=official_with_org, reason="消防检查不合格")
            market.code = other.code  # unique: the save fails after the transition was recorded
            market.save(update_fields=["status", "status_reason", "code"])

    assert not AuditEvent.objects.for_object(market).exists()
    assert Market.objects.get(pk=market.pk).status == Market.Status.OPEN


def test_audit_row_rolls_back_with_the_surrounding_transaction(market, official_with_org):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            market.suspend(by=official_with_org, reason="消防检查不合格")
            market.save(update_fields=["status", "status_reason"])
            raise RuntimeError("a later step of the service failed")

    assert AuditEvent.objects.count() == 0
    assert Market.objects.get(pk=market.pk).status == Market.Status.OPEN
    # The chain is still valid and the next row starts from genesis again.
    assert AuditEvent.record(market, AuditEvent.Action.NOTE).prev_hash == GENESIS_HASH


def test_illegal_transition_writes_no_audit_row(market, official_with_org):
    from django_fsm import TransitionNotAllowed

    with pytest.raises(TransitionNotAllowed):
        market.resume(by=official_with_org)  # an open market cannot be resumed
    assert AuditEvent.objects.count() == 0


# ---- who and where ----------------------------------------------------------------------------


def test_request_context_supplies_actor_role_and_ip(market, official_with_org):
    token = set_request_info(RequestInfo(user=official_with_org, ip="10.20.30.40"))
    try:
        event = AuditEvent.record(market, AuditEvent.Action.VIEW_PII, name="phone")
    finally:
        reset_request_info(token)
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor == official_with_org
    assert event.ip == "10.20.30.40"
    assert event.actor_role == official_with_org.role_names()
    assert event.actor_org == "朝阳区人力资源和社会保障局"
    assert current_request_info() == RequestInfo()  # nothing leaks into the next request


def test_middleware_snapshots_user_and_forwarded_ip_for_the_audit_row(market, official_with_org, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    request = RequestFactory().get("/staff/", REMOTE_ADDR="127.0.0.1",
                                   HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    request.user = official_with_org

    def view(request):
        return AuditEvent.record(market, AuditEvent.Action.EXPORT)

    event = RequestContextMiddleware(view)(request)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.ip == "198.51.100.7"  # the address our one proxy saw, not the client-supplied first hop
    assert stored.actor == official_with_org
    assert stored.actor_role == official_with_org.role_names()
    assert current_request_info() == RequestInfo()


def test_role_snapshot_does_not_change_when_the_user_changes_role(market, official_with_org):
    event = AuditEvent.record(market, AuditEvent.Action.EXPORT, by=official_with_org)
    official_with_org.groups.clear()
    assert AuditEvent.objects.get(pk=event.pk).actor_role == event.actor_role != ""
    assert AuditEvent.verify_chain() == (1, None, "")


def test_system_actions_have_no_actor(market):
    event = AuditEvent.record(market, AuditEvent.Action.DEADLINE, name="overdue")
    assert (event.actor, event.actor_name, event.actor_role, event.ip) == (None, "", "", None)
