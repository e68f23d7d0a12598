"""Human-readable case numbers per type and year: TS-2026-000123 (投诉), TJ- (调解), QX- (欠薪),
JC- (检查), PJ- (评价), HT- (合同)."""

from django.db import connection
from django.utils import timezone

from .models import CaseSequence


def next_case_number(prefix: str, *, year: int | None = None) -> str:
    """Issue the next number for ``prefix``; gap-free per transaction that commits (the row is locked
    until commit, so two intakes never get the same number).

    One statement: the first number of a year inserts the row, every later one increments it under the
    row lock that the upsert takes (it waits for a concurrent intake to commit and then sees its number),
    instead of get_or_create, SELECT … FOR UPDATE and UPDATE in savepoints (bench report 2026-11-27,
    measurement 5). PostgreSQL and SQLite (3.35+) share the syntax."""
    year = year or timezone.localdate().year
    table = connection.ops.quote_name(CaseSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [prefix, year],
        )
        (last,) = cursor.fetchone()
    return f"{prefix}-{year}-{last:06d}"
