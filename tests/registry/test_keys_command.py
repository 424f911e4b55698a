"""`offsite keys`: issue a person's key, list it without its secret, revoke it."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from offsite.registry import queries, services
from offsite.registry.models import Authority, Person


def keys(*args: str) -> str:
    out = StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def officer(db) -> Person:
    return services.create_person(
        username="chaoyang-officer",
        password="a long password",
        role=Person.Role.OFFICER,
        authority=Authority.objects.get(code="110105"),
    )


def test_a_persons_key_is_issued_listed_and_revoked(officer):
    key = keys("issue", "--person", "chaoyang-officer", "--label", "script").strip()
    listed = json.loads(keys("list", "--json"))
    prefix = key.split("_")[1]

    assert queries.authenticate_person_key(key) == officer
    assert listed == [
        {
            "prefix": prefix,
            "holder": "person:chaoyang-officer",
            "label": "script",
            "created_at": listed[0]["created_at"],
            "revoked_at": None,
        }
    ]
    assert key not in json.dumps(listed)

    keys("revoke", prefix)

    assert queries.authenticate_person_key(key) is None


def test_an_unknown_person_or_prefix_is_named(db):
    with pytest.raises(CommandError, match="person: no person signs in as 'nobody'"):
        keys("issue", "--person", "nobody")
    with pytest.raises(CommandError, match="prefix: no key has the prefix 'abcd1234'"):
        keys("revoke", "abcd1234")


def test_a_key_is_not_issued_to_an_inactive_person_or_with_a_control_character(
    officer,
):
    with pytest.raises(
        CommandError, match=r"label: must not hold control characters \(found '\\t'\)"
    ):
        keys("issue", "--person", "chaoyang-officer", "--label", "a\tb")
    officer.user.is_active = False
    officer.user.save()
    with pytest.raises(CommandError, match=r"person: chaoyang-officer may not sign in"):
        keys("issue", "--person", "chaoyang-officer")


def test_a_label_too_long_is_refused_in_english(officer):
    with pytest.raises(CommandError, match="label: Ensure this value has at most 100"):
        keys("issue", "--person", "chaoyang-officer", "--label", "x" * 101)
