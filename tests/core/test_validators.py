import pytest
from django.core.exceptions import ValidationError

from core.validators import (resident_id_check_digit, validate_credit_code, validate_mobile,
                             validate_resident_id)
from tests.factories import make_credit_code


def _valid_id(prefix17="11010519491231002"):
    return prefix17 + resident_id_check_digit(prefix17)


def test_resident_id_accepts_valid_check_digit():
    validate_resident_id(_valid_id())
    validate_resident_id("11010519491231002X")  # the textbook GB 11643 example ends in X


@pytest.mark.parametrize("value,code", [
    ("1101051949123100", "id_format"),
    ("110105194913310021", "id_birthdate"),
    ("110105194912310021", "id_checksum"),
])
def test_resident_id_rejects_with_stable_code(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(value)
    assert exc.value.code == code


def test_credit_code_check_char():
    code = make_credit_code(42)
    validate_credit_code(code)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(wrong)
    assert exc.value.code == "uscc_checksum"
    # A real published code: 北京市人力资源和社会保障局
    validate_credit_code("11110000000021135M")


def test_mobile():
    validate_mobile("13912345678")
    with pytest.raises(ValidationError):
        validate_mobile("1234")
