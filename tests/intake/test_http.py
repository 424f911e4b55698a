"""The HTTP batch endpoint for providers (IM-4, IM-21)."""

from __future__ import annotations

import json

import pytest

from offsite.intake.models import DuplicateCount, Observation, RawRecord
from offsite.registry import services as registry
from offsite.supervision.models import Event

pytestmark = pytest.mark.django_db

URL = "/api/v1/observations"


@pytest.fixture
def provider_setup(make_unit):
    own = make_unit("海淀科技大厦", "110108")
    other = make_unit("西城颐和酒店", "110102")
    provider = registry.register_provider(
        name="示范物联网服务商", slug="demo-iot", units=[own]
    )
    registry.register_device(
        unit=own, provider=provider, provider_device_id="smoke-7", kind="sensor"
    )
    registry.register_device(
        unit=other, provider=None, source_address="ff1280512525", kind="transmission"
    )
    key = registry.issue_api_key(provider=provider)
    return own, other, provider, key


def post(client, key, payload):
    return client.post(
        URL,
        data=json.dumps(payload),
        content_type="application/json",
        headers={"X-API-Key": key} if key else {},
    )


def fire_alarm(device: str) -> dict:
    return {
        "device": device,
        "point": "2F-12",
        "name": "fire_alarm",
        "value": True,
        "observed_at": "2026-12-03T09:15:00+08:00",
    }


def test_a_provider_writes_its_own_units_device(client, provider_setup):
    own, _, _, key = provider_setup

    response = post(client, key, [fire_alarm("smoke-7")])

    assert response.status_code == 200
    assert response.json()["observations"] == 1
    assert response.json()["events_opened"] == {"fire_alarm": 1}
    assert Event.objects.get().unit == own


def test_a_provider_key_cannot_write_another_units_device(client, provider_setup):
    _, _, _, key = provider_setup

    response = post(client, key, [fire_alarm("smoke-7"), fire_alarm("ff1280512525")])

    assert response.status_code == 403
    assert response.json()["errors"] == [
        "[1].device: device 'ff1280512525' belongs to a unit provider demo-iot "
        "does not serve"
    ]
    # Refused whole: nothing of the batch is read, but its bytes are kept.
    assert Observation.objects.count() == 0
    assert RawRecord.objects.get().status == "rejected"


def test_a_request_without_a_key_is_refused(client, provider_setup):
    response = post(client, None, [fire_alarm("smoke-7")])

    assert response.status_code == 401
    assert RawRecord.objects.count() == 0


def test_a_revoked_or_made_up_key_is_refused(client, provider_setup):
    response = post(client, "osk_madeup_000", [fire_alarm("smoke-7")])

    assert response.status_code == 401
    assert response.json() == {"detail": "X-API-Key: send a live API key of a provider"}


def test_an_observation_without_an_offset_is_refused_naming_the_field(
    client, provider_setup
):
    _, _, _, key = provider_setup
    item = fire_alarm("smoke-7") | {"observed_at": "2026-12-03T09:15:00"}

    response = post(client, key, [item])

    assert response.status_code == 422
    assert response.json()["errors"][0].startswith("[0].observed_at:")
    assert Observation.objects.count() == 0


def test_a_body_that_is_not_json_is_kept_as_rejected(client, provider_setup):
    _, _, _, key = provider_setup

    response = client.post(
        URL,
        data=b"{not json",
        content_type="application/json",
        headers={"X-API-Key": key},
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("body: not valid JSON")
    assert bytes(RawRecord.objects.get().payload) == b"{not json"


def test_a_key_named_twice_is_refused_and_kept(client, provider_setup):
    """The kept bytes must explain the event alone: no reader may pick a value."""
    _, _, _, key = provider_setup
    body = (
        b'{"device": "smoke-7", "name": "fire_alarm", "value": false, '
        b'"value": true, "observed_at": "2026-12-03T09:15:00+08:00"}'
    )

    response = client.post(
        URL, data=body, content_type="application/json", headers={"X-API-Key": key}
    )

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "body: 'value' appears twice in one object; each key at most once"
    )
    assert Event.objects.count() == 0
    assert RawRecord.objects.get().status == "rejected"


def test_the_same_batch_twice_is_stored_once(client, provider_setup):
    _, _, _, key = provider_setup

    post(client, key, [fire_alarm("smoke-7")])
    response = post(client, key, [fire_alarm("smoke-7")])

    assert response.json()["status"] == "duplicate"
    assert RawRecord.objects.count() == 1
    assert Event.objects.count() == 1
    assert DuplicateCount.objects.get().source == "http"
    assert DuplicateCount.objects.get().count == 1


def test_the_same_observation_twice_in_a_batch_is_stored_once(client, provider_setup):
    _, _, _, key = provider_setup

    response = post(client, key, [fire_alarm("smoke-7"), fire_alarm("smoke-7")])

    assert response.status_code == 200
    assert response.json()["observations"] == 1
    assert Observation.objects.count() == 1


def test_the_openapi_document_describes_the_batch(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    body = response.json()["paths"]["/api/v1/observations"]["post"]["requestBody"]
    batch, single = body["content"]["application/json"]["schema"]["oneOf"]
    assert batch["maxItems"] == 1000
    assert single == batch["items"]
    assert set(batch["items"]["required"]) == {
        "device",
        "name",
        "value",
        "observed_at",
    }


def test_the_api_docs_page_is_served(client):
    assert client.get("/api/v1/docs").status_code == 200


def test_the_api_docs_page_needs_no_outside_network(client):
    page = client.get("/api/v1/docs").content.decode()

    assert "cdn.jsdelivr.net" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "pressure_mpa",
            True,
            "[0].value: pressure_mpa is a quantity; expected a number",
        ),
        (
            "pressure_mpa",
            "abc",
            "[0].value: pressure_mpa is a quantity; expected a number",
        ),
        (
            "fire_alarm",
            "yes",
            "[0].value: fire_alarm is a state; expected true or false",
        ),
        ("fire_alarm", 1, "[0].value: fire_alarm is a state; expected true or false"),
    ],
)
def test_a_value_of_the_wrong_type_for_its_rules_is_refused(
    client, provider_setup, name, value, message
):
    _, _, _, key = provider_setup
    item = fire_alarm("smoke-7") | {"name": name, "value": value}

    response = post(client, key, [item])

    assert response.status_code == 422
    assert response.json()["errors"] == [message]
    assert Event.objects.count() == 0


def test_a_value_that_is_not_a_finite_number_is_refused(client, provider_setup):
    _, _, _, key = provider_setup
    body = (
        '[{"device": "smoke-7", "name": "pressure_mpa", "value": NaN, '
        '"observed_at": "2026-12-03T09:15:00+08:00"}]'
    )

    response = client.post(
        URL, data=body, content_type="application/json", headers={"X-API-Key": key}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == ["[0].value: must be a finite number"]


def test_an_observation_far_in_the_future_is_refused(client, provider_setup):
    _, _, _, key = provider_setup
    item = fire_alarm("smoke-7") | {"observed_at": "2030-01-01T00:00:00+08:00"}

    response = post(client, key, [item])

    assert response.status_code == 422
    assert response.json()["errors"][0].startswith(
        "[0].observed_at: more than 24 hours after the time of receipt"
    )


@pytest.mark.parametrize(
    ("body", "status", "first_error"),
    [
        ("[" * 100_000 + "]" * 100_000, 400, None),
        (
            '[{"device": "smoke-7", "name": "fire_alarm", "value": '
            + "9" * 5001
            + "}]",
            400,
            None,
        ),
        (
            '[{"device": "smoke-7", "name": "temperature_c", "value": '
            + "9" * 401
            + ', "observed_at": "2026-12-03T09:15:00+08:00"}]',
            422,
            "[0].value: larger than 1e+12",
        ),
        (
            '[{"device": "smoke-7", "name": "fire_alarm", "value": true, '
            '"observed_at": "0001-01-01T00:00:00+08:00"}]',
            422,
            "[0].observed_at: before 2000-01-01",
        ),
        ("[1]", 422, "[0]: expected an observation object, got a number"),
        ('["abc"]', 422, "[0]: expected an observation object, got a string"),
        (
            '[{"device": "smoke-7", "name": "fire_alarm", "value": true, '
            '"observed_at": "2000-01-01T00:00:00+14:00"}]',
            422,
            "[0].observed_at: before 2000-01-01",
        ),
        (
            '[{"device": "smoke-7", "name": "pressure_mpa", "value": Infinity, '
            '"observed_at": "2026-12-03T09:15:00+08:00"}]',
            422,
            "[0].value: must be a finite number",
        ),
        (
            '[{"device": "smoke-7", "name": "fire_alarm", "value": true, '
            '"observed_at": "9999-12-31T23:59:59-12:00"}]',
            422,
            "[0].observed_at: more than 24 hours after the time of receipt",
        ),
        (
            '[{"device": "smoke-7", "name": "fire_alarm", "value": true, '
            '"observed_at": 1764000000}]',
            422,
            "[0].observed_at: Value error, expected an ISO 8601 text with an offset",
        ),
    ],
)
def test_hostile_bodies_are_refused_and_kept(
    client, provider_setup, body, status, first_error
):
    _, _, _, key = provider_setup

    response = client.post(
        URL, data=body, content_type="application/json", headers={"X-API-Key": key}
    )

    assert response.status_code == status
    if first_error:
        # One error per broken rule: an infinite value is not also "too large".
        assert len(response.json()["errors"]) == 1
        assert response.json()["errors"][0].startswith(first_error)
    assert RawRecord.objects.get().status == "rejected"
    assert Observation.objects.count() == 0


def test_a_body_over_the_size_limit_gets_a_json_answer(client, provider_setup):
    _, _, _, key = provider_setup

    response = client.post(
        URL,
        data=b"[" + b" " * 3_000_000 + b"]",
        content_type="application/json",
        headers={"X-API-Key": key},
    )

    assert response.status_code == 413
    assert response.json()["detail"].startswith("body: larger than 2621440 bytes")
    # Its start is kept, rejected, as other refused data is.
    kept = RawRecord.objects.get(pk=response.json()["raw_record"])
    assert kept.status == "rejected"
    assert bytes(kept.payload) == b"[" + b" " * (64 * 1024 - 1)
    assert kept.reject_reason.endswith("its first 65536 bytes are kept")


@pytest.mark.parametrize("field", ["device", "point"])
def test_a_nul_character_is_refused_naming_the_field_and_kept(
    client, provider_setup, field
):
    _, _, _, key = provider_setup
    item = fire_alarm("smoke-7") | {field: "smoke\u00007"}

    response = post(client, key, [item])

    assert response.status_code == 422
    assert response.json()["errors"] == [
        f"[0].{field}: Value error, must not contain the NUL character (U+0000)"
    ]
    assert RawRecord.objects.get().status == "rejected"
    assert Observation.objects.count() == 0
