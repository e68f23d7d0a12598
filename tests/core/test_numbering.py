"""Case numbers: TS-2026-000001, per prefix and year, never issued twice even under concurrency."""

import threading

import pytest
from django.db import connection, transaction

from core.models import CaseSequence
from core.numbering import next_case_number


@pytest.mark.django_db
def test_numbers_count_up_per_prefix_and_year():
    assert next_case_number("TS", year=2026) == "TS-2026-000001"
    assert next_case_number("TS", year=2026) == "TS-2026-000002"
    assert next_case_number("TJ", year=2026) == "TJ-2026-000001"
    assert next_case_number("TS", year=2027) == "TS-2027-000001"
    assert next_case_number("TS", year=2026) == "TS-2026-000003"
    assert CaseSequence.objects.get(prefix="TS", year=2026).last == 3


@pytest.mark.django_db
def test_year_defaults_to_the_local_date_in_beijing(settings, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    # 2026-12-31 17:30 UTC is already 2027-01-01 in Beijing.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.timezone.utc))
    assert next_case_number("QX") == "QX-2027-000001"


@pytest.mark.django_db
def test_a_rolled_back_intake_does_not_burn_a_number():
    with pytest.raises(RuntimeError), transaction.atomic():
        next_case_number("JC", year=2026)
        raise RuntimeError("intake failed")
    assert next_case_number("JC", year=2026) == "JC-2026-000001"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_intakes_get_twenty_distinct_numbers():
    n = 20
    barrier = threading.Barrier(n)
    numbers, errors = [], []

    def issue():
        try:
            barrier.wait(timeout=30)  # all race to create the year's sequence row at once
            with transaction.atomic():
                numbers.append(next_case_number("TS", year=2026))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"TS-2026-{i:06d}" for i in range(1, n + 1)]
