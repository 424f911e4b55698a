"""Providers' API keys: issued once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.exceptions import ValidationError

from offsite.registry import queries, services
from offsite.registry.models import ApiKey, Provider


def test_key_has_the_documented_form(provider):
    key = services.issue_api_key(provider=provider, label="gateway")
    assert re.fullmatch(r"osk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", key)


def test_issued_key_authenticates_its_provider(provider):
    key = services.issue_api_key(provider=provider)
    assert queries.authenticate_api_key(key) == provider


def test_only_the_sha256_of_the_key_is_stored(provider):
    key = services.issue_api_key(provider=provider)
    row = ApiKey.objects.get()
    assert row.key_sha256 == hashlib.sha256(key.encode()).hexdigest()


def test_stored_row_does_not_contain_the_plaintext(provider):
    key = services.issue_api_key(provider=provider, label="gateway")
    secret = key.split("_", 2)[2]
    stored = [str(value) for value in ApiKey.objects.values().get().values()]
    assert not any(key in value or secret in value for value in stored)


def test_prefix_is_stored_to_find_the_key(provider):
    key = services.issue_api_key(provider=provider)
    assert ApiKey.objects.get().prefix == key.split("_")[1]


def test_two_keys_of_one_provider_both_work(provider):
    first = services.issue_api_key(provider=provider)
    second = services.issue_api_key(provider=provider)
    assert [queries.authenticate_api_key(k) for k in (first, second)] == [
        provider,
        provider,
    ]


def test_revoked_key_no_longer_authenticates(provider):
    key = services.issue_api_key(provider=provider)
    services.revoke_api_key(api_key=ApiKey.objects.get())
    assert queries.authenticate_api_key(key) is None


def test_revoking_twice_keeps_the_first_time(provider):
    services.issue_api_key(provider=provider)
    first = services.revoke_api_key(api_key=ApiKey.objects.get()).revoked_at
    again = services.revoke_api_key(api_key=ApiKey.objects.get()).revoked_at
    assert again == first


def test_key_with_a_changed_secret_fails(provider):
    key = services.issue_api_key(provider=provider)
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert queries.authenticate_api_key(tampered) is None


def test_unknown_prefix_fails(provider):
    services.issue_api_key(provider=provider)
    assert queries.authenticate_api_key("osk_00000000_" + "a" * 43) is None


@pytest.mark.parametrize(
    "key", ["", "osk", "osk_", "osk__secret", "Bearer abc", "osk_1234_secret"]
)
def test_malformed_key_fails(provider, key):
    services.issue_api_key(provider=provider)
    assert queries.authenticate_api_key(key) is None


def test_provider_is_registered_with_its_units(provider, chaoyang_unit):
    assert list(Provider.objects.get(slug="anlian-iot").units.all()) == [chaoyang_unit]


def test_duplicate_provider_slug_is_refused(provider):
    with pytest.raises(ValidationError) as caught:
        services.register_provider(name="同名", slug="anlian-iot")
    assert caught.value.message_dict == {
        "slug": ["a provider with slug 'anlian-iot' already exists"]
    }


def test_provider_credit_code_is_checked(db):
    with pytest.raises(ValidationError) as caught:
        services.register_provider(
            name="检测公司", slug="jiance", credit_code="91110105000000019P"
        )
    assert caught.value.message_dict == {
        "credit_code": ["check character should be 'Q', got 'P'"]
    }
    assert Provider.objects.count() == 0
