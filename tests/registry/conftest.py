"""Units and providers the registry tests build on."""

from __future__ import annotations

import pytest

from offsite.registry import services


@pytest.fixture
def chaoyang_unit(db):
    return services.register_unit(
        credit_code="91110105000000019Q", name="京华商业广场", district_code="110105"
    )


@pytest.fixture
def haidian_unit(db):
    return services.register_unit(
        credit_code="91110108MA01ABCD5T", name="中关村科技大厦", district_code="110108"
    )


@pytest.fixture
def provider(chaoyang_unit):
    return services.register_provider(
        name="安联物联网服务", slug="anlian-iot", units=[chaoyang_unit]
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests only need a hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
