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
    """``{ref: number of visible cases naming that employer}`` in three grouped queries, counted as the
    employer page counts: an employer with a code has the cases with that code plus the code-less cases
    bearing any name its coded cases use; an employer known only by name has every case with that name."""
    from .models import EmployerMention

    refs = {r for r in refs if r}
    if not refs:
        return {}
    mentions = EmployerMention.objects.visible_to(user)
    codes = {r.credit_code for r in refs if r.credit_code}
    by_code, keys_of = {}, {}
    if codes:
        # COUNT(key), not COUNT(id): the district's (code, key) and (key, code) indexes answer alone (casework 0012)
        by_code = dict(mentions.filter(credit_code__in=codes).values("credit_code").annotate(n=Count("key"))
                       .values_list("credit_code", "n"))
        for code, key in (mentions.filter(credit_code__in=codes).exclude(key="")
                          .values_list("credit_code", "key").distinct()):
            keys_of.setdefault(code, set()).add(key)
    keys = {r.key for r in refs if r.key} | {k for ks in keys_of.values() for k in ks}
    by_key = {row["key"]: row for row in mentions.filter(key__in=keys).values("key").annotate(
        total=Count("key"), without_code=Count("key", filter=Q(credit_code="")))} if keys else {}
    counts = {}
    for ref in refs:
        if ref.credit_code:
            names = keys_of.get(ref.credit_code, set()) | ({ref.key} if ref.key else set())
            counts[ref] = by_code.get(ref.credit_code, 0) + sum(
                by_key.get(k, {}).get("without_code", 0) for k in names)
        else:
            counts[ref] = by_key.get(ref.key, {}).get("total", 0)
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
