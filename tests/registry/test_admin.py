"""The registry's admin pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from offsite.registry import queries, services
from offsite.registry.models import ApiKey, Unit


def test_issue_action_shows_a_working_key_once(admin_client, provider):
    response = admin_client.post(
        reverse("admin:registry_provider_changelist"),
        {"action": "issue_api_key", "_selected_action": [provider.pk]},
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    keys = re.findall(r"osk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", " ".join(shown))
    assert len(keys) == 1
    assert queries.authenticate_api_key(keys[0]) == provider


def test_api_key_page_never_shows_the_hash(admin_client, provider):
    services.issue_api_key(provider=provider, label="gateway")
    api_key = ApiKey.objects.get()
    page = admin_client.get(reverse("admin:registry_apikey_change", args=[api_key.pk]))
    assert page.status_code == 200
    assert api_key.key_sha256 not in page.content.decode()


def test_api_key_list_never_shows_the_hash(admin_client, provider):
    services.issue_api_key(provider=provider)
    page = admin_client.get(reverse("admin:registry_apikey_changelist"))
    assert ApiKey.objects.get().key_sha256 not in page.content.decode()


def test_api_keys_are_not_added_by_a_bare_form(admin_client, db):
    page = admin_client.get(reverse("admin:registry_apikey_add"))
    assert page.status_code == 403


def test_revoke_action_revokes_the_key(admin_client, provider):
    key = services.issue_api_key(provider=provider)
    admin_client.post(
        reverse("admin:registry_apikey_changelist"),
        {"action": "revoke", "_selected_action": [ApiKey.objects.get().pk]},
    )
    assert queries.authenticate_api_key(key) is None


def test_person_list_masks_phone_numbers(admin_client, chaoyang_unit):
    services.create_person(
        username="unit.duty",
        password="correct-horse-battery",
        role="unit_user",
        unit=chaoyang_unit,
        phone="13812345678",
    )
    page = admin_client.get(reverse("admin:registry_person_changelist"))
    content = page.content.decode()
    assert ("138****5678" in content, "13812345678" in content) == (True, False)


@pytest.fixture
def unit_form():
    return {
        "credit_code": "91110105000000019P",
        "name": "京华商业广场",
        "district": queries.district("110105").pk,
        "category": "general",
        "business_type": "",
        "sites-TOTAL_FORMS": "0",
        "sites-INITIAL_FORMS": "0",
    }


def test_unit_form_refuses_a_wrong_check_character(admin_client, unit_form):
    page = admin_client.post(reverse("admin:registry_unit_add"), unit_form)
    assert page.context["adminform"].form.errors == {
        "credit_code": ["check character should be 'Q', got 'P'"]
    }
    assert Unit.objects.count() == 0


def test_unit_form_stores_a_lower_case_code_in_upper_case(admin_client, unit_form):
    unit_form["credit_code"] = "91110108ma01abcd5t"
    admin_client.post(reverse("admin:registry_unit_add"), unit_form)
    assert Unit.objects.get().credit_code == "91110108MA01ABCD5T"


@pytest.mark.parametrize(
    "name",
    ["authority", "unit", "site", "provider", "apikey", "device", "point", "person"],
)
def test_every_registry_list_opens(admin_client, db, name):
    page = admin_client.get(reverse(f"admin:registry_{name}_changelist"))
    assert page.status_code == 200
