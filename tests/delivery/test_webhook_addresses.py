"""A webhook may not point at the platform's own network (LM-5 channels).

A unit gives its webhook address itself; the platform refuses loopback,
private, link-local and reserved addresses when the channel is added and
again before every send, unless DELIVERY_WEBHOOK_ALLOW_PRIVATE allows a
gateway on the site's own network. No test resolves a public name: made-up
names are answered by the `names` fixture, and `localhost` by the machine.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from offsite.delivery import services
from offsite.delivery.models import Channel, Receipt

from .conftest import beijing
from .support import consent_with_channels, issue

pytestmark = pytest.mark.django_db

REFUSED = (
    "a webhook may not point at a loopback, private, link-local, multicast or "
    "reserved address"
)
REFUSED_EVEN_IF_ALLOWED = (
    "a webhook may not point at a link-local, multicast or unspecified address, "
    "even where private addresses are allowed"
)


@dataclass
class Names:
    """Made-up host names and the address each resolves to, and the lookups."""

    answers: dict[str, str] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)


@pytest.fixture
def names(monkeypatch) -> Names:
    names = Names()
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in names.answers:
            return real(host, port, *args, **kwargs)
        names.lookups.append(host)
        address = (names.answers[host], port)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


def add_webhook(person, address: str):
    client = Client()
    client.force_login(person.user)
    return client.post(
        "/api/v1/me/channels",
        {"kind": "webhook", "address": address},
        content_type="application/json",
    )


def stored_webhook(unit, address: str) -> Channel:
    """A webhook channel written without the checks, as rows from before them."""
    return Channel.objects.create(
        unit=unit,
        kind="webhook",
        address=address,
        source="unit",
        created_at=beijing(2026, 3, 1, 9, 0),
    )


# Adding a channel ------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("http://127.0.0.1:18777/x", "127.0.0.1"),
        ("http://127.0.0.1:8102/admin/", "127.0.0.1"),
        ("http://169.254.169.254/latest/", "169.254.169.254"),
        ("http://100.100.100.200/latest/meta-data/", "100.100.100.200"),
        ("https://10.0.0.5/hook", "10.0.0.5"),
        ("http://192.168.1.20/hook", "192.168.1.20"),
        ("http://0.0.0.0:8102/", "0.0.0.0"),
        ("http://224.0.0.1/", "224.0.0.1"),
        ("http://[::1]:8102/", "::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("http://[2002:7f00:1::]/", "2002:7f00:1::"),
        ("http://[fe80::1]/", "fe80::1"),
    ],
)
def test_a_webhook_at_an_internal_address_is_refused_naming_the_field(
    unit_user, address, shown
):
    refused = add_webhook(unit_user, address)

    assert refused.status_code == 422
    assert refused.json()["detail"] == f"address: {REFUSED} ({shown})"
    assert Channel.objects.filter(kind="webhook").count() == 0


def test_a_name_that_resolves_to_the_loopback_is_refused(unit_user):
    refused = add_webhook(unit_user, "http://localhost:8102/admin/")

    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "address": [f"{REFUSED} (localhost resolves to 127.0.0.1)"]
    }


def test_a_name_that_resolves_to_a_private_address_is_refused(unit_user, names):
    names.answers["gateway.example.com"] = "10.1.2.3"

    refused = add_webhook(unit_user, "https://gateway.example.com/hook")

    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"address: {REFUSED} (gateway.example.com resolves to 10.1.2.3)"
    )


def test_a_webhook_at_a_public_address_is_added(unit_user, names):
    names.answers["sms.example.com"] = "93.184.215.14"

    added = add_webhook(unit_user, "https://sms.example.com/hook")

    assert added.status_code == 201
    assert added.json()["address"] == "https://sms.example.com/hook"


def test_a_site_may_allow_webhooks_on_its_own_network(unit_user, settings):
    settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE = True

    added = add_webhook(unit_user, "http://10.0.0.5/hook")

    assert added.status_code == 201


def test_link_local_stays_refused_where_private_addresses_are_allowed(
    unit_user, settings
):
    settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE = True

    refused = add_webhook(unit_user, "http://169.254.169.254/latest/")

    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"address: {REFUSED_EVEN_IF_ALLOWED} (169.254.169.254)"
    )


def test_the_service_refuses_an_internal_webhook_naming_the_field(unit):
    with pytest.raises(ValidationError) as refused:
        services.add_channel(
            unit=unit,
            kind="webhook",
            address="http://169.254.169.254/latest/",
            source="authority",
            at=beijing(2026, 3, 1, 9, 0),
        )

    assert refused.value.message_dict == {"address": [f"{REFUSED} (169.254.169.254)"]}
    assert Channel.objects.count() == 0


def test_the_admin_refuses_an_internal_webhook(admin_client, unit):
    page = admin_client.post(
        reverse("admin:delivery_channel_add"),
        {
            "unit": unit.pk,
            "kind": "webhook",
            "address": "http://127.0.0.1:8102/admin/",
            "source": "authority",
            "active": "on",
            "created_at_0": "2026-03-01",
            "created_at_1": "09:00:00",
        },
    )

    assert page.status_code == 200
    assert f"{REFUSED} (127.0.0.1)" in page.content.decode()
    assert Channel.objects.count() == 0


# Sending ---------------------------------------------------------------------


@pytest.fixture
def notice_to_loopback(unit, unit_user, receiver, settings):
    """A notice whose webhook, stored before the rule, is on the loopback."""
    settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE = False
    consent_with_channels(unit, unit_user)
    stored_webhook(unit, receiver.url)
    return issue(unit)


def test_a_stored_webhook_at_a_loopback_address_is_not_posted_to(
    notice_to_loopback, receiver
):
    notice = notice_to_loopback

    report = services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    assert report.failed == {"webhook": 1}
    assert report.sent == {"inbox": 1}
    assert receiver.requests == []
    message = notice.messages.get(kind="webhook")
    assert message.status == "failed"
    assert message.attempts == 1
    assert message.next_attempt_at == beijing(2026, 3, 2, 10, 2)
    assert message.last_error == f"webhook: not sent: {REFUSED} (127.0.0.1)"
    assert notice.messages.count() == 2


def test_a_stored_webhook_at_localhost_is_not_posted_to(
    unit, unit_user, receiver, settings
):
    settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE = False
    consent_with_channels(unit, unit_user)
    stored_webhook(unit, f"http://localhost:{receiver.port}/notices")
    notice = issue(unit)

    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    assert receiver.requests == []
    assert notice.messages.get(kind="webhook").last_error == (
        f"webhook: not sent: {REFUSED} (localhost resolves to 127.0.0.1)"
    )


def test_a_name_that_resolves_to_the_loopback_by_send_time_is_not_posted_to(
    unit, unit_user, receiver, settings, names
):
    settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE = False
    names.answers["gateway.example.com"] = "93.184.215.14"
    consent_with_channels(
        unit, unit_user, webhook=f"http://gateway.example.com:{receiver.port}/n"
    )
    notice = issue(unit)
    names.answers["gateway.example.com"] = "127.0.0.1"

    report = services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    assert report.failed == {"webhook": 1}
    assert receiver.requests == []
    assert notice.messages.get(kind="webhook").last_error == (
        f"webhook: not sent: {REFUSED} (gateway.example.com resolves to 127.0.0.1)"
    )


def test_a_refused_message_is_sent_once_after_the_site_allows_its_network(
    notice_to_loopback, receiver, settings
):
    notice = notice_to_loopback
    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE = True
    report = services.dispatch(at=beijing(2026, 3, 2, 10, 2))

    message = notice.messages.get(kind="webhook")
    assert report.sent == {"webhook": 1}
    assert message.status == "sent"
    assert message.attempts == 2
    assert message.last_error == ""
    assert len(receiver.requests) == 1
    assert Receipt.objects.filter(message=message).count() == 1


def test_the_send_connects_to_the_address_it_checked(unit, unit_user, receiver, names):
    names.answers["gateway.test"] = "127.0.0.1"
    consent_with_channels(
        unit, unit_user, webhook=f"http://gateway.test:{receiver.port}/notices"
    )
    issue(unit)
    names.lookups.clear()

    report = services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    assert report.sent == {"inbox": 1, "webhook": 1}
    assert names.lookups == ["gateway.test"]
    assert receiver.requests[0]["host"] == f"gateway.test:{receiver.port}"


def test_a_redirect_from_the_webhook_is_not_followed(unit, unit_user, receiver):
    consent_with_channels(unit, unit_user, webhook=receiver.url)
    notice = issue(unit)
    receiver.status = 302
    receiver.location = f"http://127.0.0.1:{receiver.port}/latest/meta-data/"

    report = services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    assert report.failed == {"webhook": 1}
    assert len(receiver.requests) == 1
    assert notice.messages.get(kind="webhook").last_error == "webhook: HTTP 302"


@pytest.mark.parametrize("address", ["http://8.8.8.8/\x00", "http://8.8.8.8/a\nb"])
def test_an_address_with_a_control_character_is_refused(unit, address):
    with pytest.raises(ValidationError) as refused:
        services.add_channel(
            unit=unit,
            kind="webhook",
            address=address,
            source="unit",
            at=beijing(2026, 3, 2, 10, 0),
        )

    bad = "\x00" if "\x00" in address else "\n"
    assert refused.value.message_dict == {
        "address": [f"must not hold control characters (found {bad!r})"]
    }
