"""Employer identity across cases (欠薪、投诉、调解): by unified social credit code, and by a normalised name
when the code is missing. Pure functions here; the index of mentions is ``casework.models.EmployerMention``."""

import unicodedata

# Longest first: "有限责任公司" must not leave "责任" behind after "有限公司" fails to match.
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")


def employer_key(name: str | None) -> str:
    """The matching key of an employer name: full-width → half-width (NFKC), no spaces or punctuation,
    lower case, without the company-form suffix (有限公司 / 有限责任公司 / 股份有限公司).

    ``"北京 某某（劳务）有限责任公司"`` and ``"北京某某(劳务)有限公司"`` share the key ``"北京某某劳务"``."""
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC").lower()
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text[:200]


def normalise_credit_code(code: str | None) -> str:
    return unicodedata.normalize("NFKC", code or "").strip().upper()
