"""Human-readable case numbers per type and year: TS-2026-000123 (投诉), TJ- (调解), QX- (欠薪),
JC- (检查), PJ- (评价), HT- (合同)."""

from django.db import transaction
from django.utils import timezone

from .models import CaseSequence


@transaction.atomic
def next_case_number(prefix: str, *, year: int | None = None) -> str:
    """Issue the next number for ``prefix``; gap-free per transaction that commits (the row is locked
    until commit, so two intakes never get the same number)."""
    year = year or timezone.localdate().year
    CaseSequence.objects.get_or_create(prefix=prefix, year=year)
    seq = CaseSequence.objects.select_for_update().get(prefix=prefix, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}-{year}-{seq.last:06d}"
