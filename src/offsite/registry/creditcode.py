"""The unified social credit code of a unit (GB 32100-2015).

The code has 18 characters:

====== ==================================================================
1      registration authority code (登记管理部门代码)
2      entity type code (机构类别代码), assigned by that authority
3–8    administrative division of the registering office (GB/T 2260)
9–17   subject identifier: the organisation code of GB 11714, whose own
       check character is position 17
18     check character over positions 1–17 (ISO 7064 MOD 31-3, as GB
       32100 §5 sets it out)
====== ==================================================================

Known limit: a code that a registrar issued with a wrong check character is
refused like any mistyped code; the unit is registered once its registrar
has corrected it.
"""

from __future__ import annotations

from typing import NoReturn

from django.core.exceptions import ValidationError

FIELD = "credit_code"
LENGTH = 18

# GB 32100-2015 §4.1: Arabic digits and upper-case Latin letters without
# I, O, Z, S and V; a character's value is its index in this string.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# GB 32100-2015 §5: the weight of position i is 3**(i-1) mod 31.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Registration authority codes (position 1): 1 机构编制, 2 外交, 3 司法行政,
# 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 工商 (market regulation),
# A 中央军委改革和编制办公室, N 农业, Y 其他.
AUTHORITY_CODES = frozenset("123456789ANY")

# Entity type codes (position 2) of the four registrars named in the 2015
# text. The registrars added since then keep their own lists, so for them
# any character of the alphabet is accepted.
ENTITY_TYPES = {
    # 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "1": frozenset("1239"),
    # 社会团体, 民办非企业单位 (社会服务机构), 基金会, 其他
    "5": frozenset("1239"),
    # 企业, 个体工商户, 农民专业合作社
    "9": frozenset("123"),
    # 其他: not divided into types
    "Y": frozenset("1"),
}

# GB 11714-1997 §5: weights of the eight body characters of an
# organisation code; letters count A=10 … Z=35 there, unlike in GB 32100.
ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalize_credit_code(code: str) -> str:
    """Return the code stripped of surrounding blanks and in upper case."""
    return code.strip().upper()


def credit_code_check_character(first17: str) -> str:
    """Return the check character (position 18) for the first 17 characters."""
    if len(first17) != LENGTH - 1:
        raise ValueError(f"expected 17 characters, got {len(first17)}")
    total = sum(
        _value(char, position) * weight
        for position, (char, weight) in enumerate(
            zip(first17, WEIGHTS, strict=True), start=1
        )
    )
    # GB 32100 §5: C18 = 31 − (Σ mod 31), where 31 is written as 0.
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(body: str) -> str:
    """Return the GB 11714 check character for an 8-character organisation body."""
    if len(body) != len(ORGANISATION_WEIGHTS):
        raise ValueError(f"expected 8 characters, got {len(body)}")
    total = sum(
        int(char, 36) * weight
        for char, weight in zip(body, ORGANISATION_WEIGHTS, strict=True)
    )
    # GB 11714 §5: C9 = 11 − (Σ mod 11); 10 is written X and 11 is written 0.
    value = 11 - total % 11
    if value == 10:
        return "X"
    if value == 11:
        return "0"
    return str(value)


def validate_credit_code(code: str) -> None:
    """Raise ValidationError on `credit_code` naming the first rule broken.

    The code is checked as given: normalise it first with
    `normalize_credit_code` if lower case should be accepted.
    """
    if len(code) != LENGTH:
        _refuse(f"must be {LENGTH} characters, got {len(code)}", "length")

    for position, char in enumerate(code, start=1):
        if char not in ALPHABET:
            _refuse(
                f"character {char!r} at position {position} is not allowed "
                "(digits and upper-case letters except I, O, Z, S, V)",
                "character",
            )

    authority, entity_type = code[0], code[1]
    if authority not in AUTHORITY_CODES:
        _refuse(
            f"position 1: {authority!r} is not a registration authority code",
            "authority",
        )
    allowed_types = ENTITY_TYPES.get(authority)
    if allowed_types is not None and entity_type not in allowed_types:
        _refuse(
            f"position 2: {entity_type!r} is not an entity type of registration "
            f"authority {authority!r} (allowed: {', '.join(sorted(allowed_types))})",
            "entity_type",
        )

    division = code[2:8]
    if not division.isdigit():
        _refuse(
            f"positions 3-8 (administrative division code) must be digits, "
            f"got {division!r}",
            "division",
        )

    # The check character covers the whole code, so a single mistyped
    # character anywhere is reported here first.
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        _refuse(
            f"check character should be {expected!r}, got {code[17]!r}",
            "check_character",
        )

    expected = organisation_check_character(code[8:16])
    if code[16] != expected:
        _refuse(
            f"position 17 (organisation code check character, GB 11714) should "
            f"be {expected!r}, got {code[16]!r}",
            "organisation_check",
        )


def make_credit_code(
    *,
    organisation: str | int,
    division: str = "110000",
    authority: str = "9",
    entity_type: str = "1",
) -> str:
    """Build a valid code around an 8-character organisation body.

    An integer `organisation` is written as 8 digits, which makes a run of
    distinct codes for demonstrations and tests.
    """
    body = f"{organisation:08d}" if isinstance(organisation, int) else organisation
    first16 = f"{authority}{entity_type}{division}{body}"
    first17 = first16 + organisation_check_character(body)
    code = first17 + credit_code_check_character(first17)
    validate_credit_code(code)
    return code


def _value(char: str, position: int) -> int:
    index = ALPHABET.find(char)
    if index < 0:
        raise ValueError(f"character {char!r} at position {position} is not allowed")
    return index


def _refuse(message: str, code: str) -> NoReturn:
    raise ValidationError({FIELD: ValidationError(message, code=code)})
