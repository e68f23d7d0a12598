"""Validators for Chinese identifiers, with stable error codes that tests assert on."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def validate_resident_id(value: str) -> None:
    """A mainland resident identity number: 18 characters, valid birth date, GB 11643 check digit."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(_("身份证号码应为18位，最后一位可为数字或X。"), code="id_format")
    from datetime import date

    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birthdate") from None
    if resident_id_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对。"), code="id_checksum")


# GB 32100-2015 unified social credit code: 18 chars from this alphabet (no I, O, Z, S, V).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码), GB 32100 check character included."""
    value = (value or "").strip().upper()
    if len(value) != 18 or any(c not in _USCC_ALPHABET for c in value):
        raise ValidationError(_("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）。"), code="uscc_format")
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。"), code="uscc_checksum")


def validate_mobile(value: str) -> None:
    """A mainland mobile number (11 digits starting with 1) or a fixed line with area code."""
    value = (value or "").replace("-", "").replace(" ", "")
    if not re.fullmatch(r"1[3-9]\d{9}|0\d{9,11}", value):
        raise ValidationError(_("请输入有效的手机号码或带区号的固定电话。"), code="phone_format")
