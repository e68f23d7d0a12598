"""Repeat offenders (issue 5): employers named by many cases are flagged wherever their cases are listed.

An employer is identified by its credit code, or by its normalised name when a case has no code
(``models.employer_q``). Counts come from ``EmployerMention`` limited to what the viewer may see (their
district; the bureau sees the city), so the badge agrees with the employer page it links to. An employer is
flagged when it has at least ``GIGCASE_REPEAT_OFFENDER_THRESHOLD`` cases."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse

from .employers import employer_key, normalise_credit_code

DEFAULT_THRESHOLD = 3


def threshold() -> int:
    return int(getattr(settings, "GIGCASE_REPEAT_OFFENDER_THRESHOLD", DEFAULT_THRESHOLD))


@dataclass(frozen=True)
class EmployerRef:
    credit_code: str
    key: str

    @classmethod
    def of(cls, name: str, credit_code: str = "") -> "EmployerRef":
        return cls(normalise_credit_code(credit_code), employer_key(name))

    @property
    def url(self) -> str:
        if self.credit_code:
            return reverse("wageclaim:employer_by_code", kwargs={"code": self.credit_code})
        return reverse("wageclaim:employer_by_name", kwargs={"key": self.key})

    def __bool__(self):
        return bool(self.credit_code or self.key)


@dataclass(frozen=True)
class Flag:
    cases: int
    url: str


def counts_for(refs, user) -> dict:
    """``{ref: number of visible cases naming that employer}`` in two grouped queries."""
    from .models import EmployerMention

    refs = {r for r in refs if r}
    if not refs:
        return {}
    mentions = EmployerMention.objects.visible_to(user)
    codes = {r.credit_code for r in refs if r.credit_code}
    keys = {r.key for r in refs if r.key}
    by_code = dict(mentions.filter(credit_code__in=codes).values("credit_code").annotate(n=Count("pk"))
                   .values_list("credit_code", "n")) if codes else {}
    by_key = {row["key"]: row for row in mentions.filter(key__in=keys).values("key").annotate(
        total=Count("pk"), without_code=Count("pk", filter=Q(credit_code="")))} if keys else {}
    counts = {}
    for ref in refs:
        row = by_key.get(ref.key, {"total": 0, "without_code": 0})
        if ref.credit_code:
            counts[ref] = by_code.get(ref.credit_code, 0) + (row["without_code"] if ref.key else 0)
        else:
            counts[ref] = row["total"]
    return counts


def flag_rows(rows, user, *, name_attr: str, code_attr: str) -> list:
    """Set ``repeat_offender`` on every row (a ``Flag`` or None); returns the rows as a list. Used by the
    wage-claim, complaint and mediation lists and the wage inbox."""
    rows = list(rows)
    refs = {id(row): EmployerRef.of(getattr(row, name_attr, "") or "", getattr(row, code_attr, "") or "")
            for row in rows}
    counts = counts_for(refs.values(), user)
    limit = threshold()
    for row in rows:
        ref = refs[id(row)]
        n = counts.get(ref, 0)
        row.repeat_offender = Flag(cases=n, url=ref.url) if ref and n >= limit else None
    return rows
