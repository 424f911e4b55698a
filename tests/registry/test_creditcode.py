"""The unified social credit code check (GB 32100-2015, GB 11714-1997)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from offsite.registry.creditcode import (
    credit_code_check_character,
    make_credit_code,
    normalize_credit_code,
    organisation_check_character,
    validate_credit_code,
)


def refusal(code: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    return caught.value.message_dict["credit_code"]


# Published codes of well-known holders; each passes both check characters.
@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",  # 华为技术有限公司
        "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
        "91330100799655058B",  # 阿里巴巴（中国）有限公司
        "91110000802100433B",  # 北京百度网讯科技有限公司
        "12100000400000624D",  # 清华大学 (机构编制, 事业单位)
    ],
)
def test_published_codes_are_accepted(code):
    validate_credit_code(code)


# Worked by hand: organisation body 00000001 gives GB 11714 check 9
# (1×2 = 2, 11 − 2 = 9); the 17 characters 91110105000000019 weigh
# 9+3+9+27+26+85+30+252 = 441 ≡ 7 (mod 31), 31 − 7 = 24 = Q.
def test_hand_computed_code_is_accepted():
    validate_credit_code("91110105000000019Q")


def test_check_character_of_hand_computed_code():
    assert credit_code_check_character("91110105000000019") == "Q"


# Worked by hand with letters: M=22 A=10 B=11 C=12 D=13 in GB 11714 give
# 358 ≡ 6 (mod 11), check 5; in GB 32100 M=21 and the 17 characters weigh
# 1927 ≡ 5 (mod 31), check 31 − 5 = 26 = T.
def test_hand_computed_code_with_letters_is_accepted():
    validate_credit_code("91110108MA01ABCD5T")


# 21 ... + 3×10 + 8×30 + 5×28 = 620 = 20 × 31, so the check is 31 → 0.
def test_check_character_zero_when_sum_is_a_multiple_of_31():
    assert credit_code_check_character("91110108000000385") == "0"


def test_organisation_check_ten_is_written_x():
    assert organisation_check_character("00000006") == "X"


def test_organisation_check_eleven_is_written_zero():
    assert organisation_check_character("00000000") == "0"


def test_make_credit_code_builds_the_hand_computed_code():
    assert make_credit_code(organisation=1, division="110105") == "91110105000000019Q"


def test_make_credit_code_accepts_a_letter_body():
    code = make_credit_code(organisation="MA01ABCD", division="110108")
    assert code == "91110108MA01ABCD5T"


# 1+6+9+27+26+85 + 30 + 252 = 436 ≡ 2 (mod 31), 31 − 2 = 29 = X.
def test_make_credit_code_for_a_public_institution():
    code = make_credit_code(
        organisation=1, division="110105", authority="1", entity_type="2"
    )
    assert code == "12110105000000019X"


@pytest.mark.parametrize(
    ("code", "length"),
    [("", 0), ("9111010500000001", 16), ("91110105000000019QQ", 19)],
)
def test_wrong_length_is_refused(code, length):
    assert refusal(code) == [f"must be 18 characters, got {length}"]


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_letters_outside_the_code_alphabet_are_refused(letter):
    code = f"91110105{letter}00000019Q"
    assert refusal(code) == [
        f"character '{letter}' at position 9 is not allowed "
        "(digits and upper-case letters except I, O, Z, S, V)"
    ]


def test_lower_case_is_refused_before_normalising():
    assert refusal("91110108ma01abcd5t") == [
        "character 'm' at position 9 is not allowed "
        "(digits and upper-case letters except I, O, Z, S, V)"
    ]


def test_lower_case_is_accepted_after_normalising():
    code = normalize_credit_code(" 91110108ma01abcd5t ")
    assert code == "91110108MA01ABCD5T"
    validate_credit_code(code)


def test_wrong_check_character_is_refused_with_the_expected_one():
    assert refusal("91110105000000019P") == ["check character should be 'Q', got 'P'"]


def test_unknown_registration_authority_is_refused():
    assert refusal("B1110105000000019Q") == [
        "position 1: 'B' is not a registration authority code"
    ]


def test_entity_type_outside_the_market_regulator_list_is_refused():
    assert refusal("94110105000000019Q") == [
        "position 2: '4' is not an entity type of registration authority '9' "
        "(allowed: 1, 2, 3)"
    ]


def test_letters_in_the_division_code_are_refused():
    assert refusal("9111A105000000019Q") == [
        "positions 3-8 (administrative division code) must be digits, got '11A105'"
    ]


# Body 00000001 needs check 9; with 0 instead the 17 characters weigh
# 210 + 30 = 240 ≡ 23 (mod 31), so the last character 8 is right.
def test_wrong_organisation_check_character_is_refused():
    assert refusal("911101080000000108") == [
        "position 17 (organisation code check character, GB 11714) should be "
        "'9', got '0'"
    ]


def test_refusal_carries_a_code_naming_the_rule():
    with pytest.raises(ValidationError) as caught:
        validate_credit_code("91110105000000019P")
    assert caught.value.error_dict["credit_code"][0].code == "check_character"
