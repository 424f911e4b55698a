"""Electronic service over HTTP: consent on first sign-in, inbox, scope (LM-5)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client, override_settings

from offsite.catalog.models import Scenario
from offsite.delivery import queries, services
from offsite.delivery.consent import CONSENT_TEXT_VERSION
from offsite.delivery.models import Consent, OutboxMessage
from offsite.registry.models import Authority, Person
from offsite.supervision.models import Event

from .conftest import beijing
from .support import consent_with_channels, issue

pytestmark = pytest.mark.django_db


def signed_in(person: Person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def test_the_first_sign_in_of_a_unit_user_is_offered_consent(unit_user):
    answer = signed_in(unit_user).get("/api/v1/me/consent")

    assert answer.status_code == 200
    assert answer.json()["required"] is True
    assert answer.json()["answer"] is None
    assert answer.json()["text"].startswith("电子送达确认书")
    assert answer.json()["text_version"] == "2026-1"


def test_consenting_records_the_answer_and_the_text_shown(unit, unit_user):
    client = signed_in(unit_user)

    answer = client.post(
        "/api/v1/me/consent", {"consented": True}, content_type="application/json"
    )

    assert answer.status_code == 200
    assert answer.json()["required"] is False
    assert answer.json()["answer"]["consented"] is True
    assert answer.json()["answer"]["answered_by"] == unit_user.user.username
    consent = Consent.objects.get()
    assert consent.unit == unit
    assert consent.person == unit_user
    assert consent.text_version == CONSENT_TEXT_VERSION
    assert "电子送达确认书" in consent.text
    assert client.get("/api/v1/me/consent").json()["required"] is False


def test_declining_is_an_answer_too_and_is_not_offered_again(unit, unit_user):
    client = signed_in(unit_user)

    client.post(
        "/api/v1/me/consent", {"consented": False}, content_type="application/json"
    )

    assert client.get("/api/v1/me/consent").json()["required"] is False
    assert queries.has_consent(unit) is False


def test_staff_are_not_offered_consent_and_cannot_answer_for_a_unit(make_person):
    officer = make_person("officer")
    client = signed_in(officer)

    assert client.get("/api/v1/me/consent").json()["required"] is False
    refused = client.post(
        "/api/v1/me/consent", {"consented": True}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert Consent.objects.count() == 0


def test_consent_needs_a_session(db):
    assert Client().get("/api/v1/me/consent").status_code == 401


def test_the_inbox_lists_the_units_notices_with_their_service_dates(unit, unit_user):
    consent_with_channels(unit, unit_user)
    notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))
    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    listed = signed_in(unit_user).get("/api/v1/inbox")

    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()] == [notice.pk]
    assert listed.json()[0]["service_date"] == "2026-03-02"
    assert listed.json()[0]["created_at"] == "2026-03-02T10:00:00+08:00"
    assert listed.json()[0]["kind"] == "warning"


def test_a_unit_user_cannot_read_another_units_notice(unit, make_unit, make_person):
    other = make_unit("另一家单位", "110105")
    stranger = make_person("unit_user", unit=other)
    notice = issue(unit)

    client = signed_in(stranger)

    assert client.get(f"/api/v1/notices/{notice.pk}").status_code == 404
    assert client.get("/api/v1/inbox").json() == []
    assert (
        client.post(
            f"/api/v1/notices/{notice.pk}/arrival",
            {"arrived_on": "2026-03-03", "proof": "截图"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_district_staff_read_their_districts_notices_only(unit, make_unit, make_person):
    haidian_unit = make_unit("海淀单位", "110108")
    chaoyang_notice = issue(unit)
    issue(haidian_unit)
    chaoyang_officer = make_person("officer")

    listed = signed_in(chaoyang_officer).get("/api/v1/inbox").json()

    assert [item["id"] for item in listed] == [chaoyang_notice.pk]


def test_city_staff_read_every_notice(unit, make_unit, make_person):
    issue(unit)
    issue(make_unit("海淀单位", "110108"))
    city = make_person("dispatch_staff", authority=Authority.objects.get(level="city"))

    assert len(signed_in(city).get("/api/v1/inbox").json()) == 2


def test_a_notice_shows_its_deliveries(unit, unit_user):
    consent_with_channels(unit, unit_user, email="safety@example.com")
    notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))
    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    shown = signed_in(unit_user).get(f"/api/v1/notices/{notice.pk}").json()

    assert shown["body"] == "贵单位火灾自动报警系统存在故障，请于期限内改正。"
    assert shown["sent_on"] == "2026-03-02"
    assert sorted(
        (m["channel"], m["status"], m["receipts"]) for m in shown["messages"]
    ) == [
        ("email", "sent", 1),
        ("inbox", "sent", 1),
    ]


def test_the_unit_records_proof_of_a_later_arrival(unit, unit_user):
    consent_with_channels(unit, unit_user)
    notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))
    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    answer = signed_in(unit_user).post(
        f"/api/v1/notices/{notice.pk}/arrival",
        {"arrived_on": "2026-03-04", "proof": "短信网关回执显示3月4日到达"},
        content_type="application/json",
    )

    assert answer.status_code == 200
    assert answer.json()["service_date"] == "2026-03-04"
    assert answer.json()["sent_on"] == "2026-03-02"
    notice.refresh_from_db()
    assert notice.arrived_on == date(2026, 3, 4)


def test_an_arrival_before_the_notice_is_refused_naming_the_field(unit, unit_user):
    consent_with_channels(unit, unit_user)
    notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))
    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    answer = signed_in(unit_user).post(
        f"/api/v1/notices/{notice.pk}/arrival",
        {"arrived_on": "2026-03-01", "proof": "截图"},
        content_type="application/json",
    )

    assert answer.status_code == 422
    assert (
        answer.json()["detail"]
        == "arrived_on: 2026-03-01: before the notice was issued"
    )


def test_a_proof_with_a_nul_character_is_refused_naming_the_field(unit, unit_user):
    consent_with_channels(unit, unit_user)
    notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))
    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    answer = signed_in(unit_user).post(
        f"/api/v1/notices/{notice.pk}/arrival",
        {"arrived_on": "2026-03-04", "proof": "截\u0000图"},
        content_type="application/json",
    )

    assert answer.status_code == 422
    assert answer.json()["detail"] == "proof: must not contain the NUL character"
    notice.refresh_from_db()
    assert notice.arrived_on is None


def test_consent_must_be_a_json_boolean(unit_user):
    client = signed_in(unit_user)

    for loose in ("yes", "true", 1):
        answer = client.post(
            "/api/v1/me/consent", {"consented": loose}, content_type="application/json"
        )
        assert answer.status_code == 422, loose

    assert Consent.objects.count() == 0


def test_a_bad_inbox_page_is_refused_naming_the_parameter(unit_user):
    for query in ("offset=-1", "offset=99999999999999999999", "limit=0"):
        answer = signed_in(unit_user).get(f"/api/v1/inbox?{query}")
        assert answer.status_code == 422, query


@override_settings(DELIVERY_RECEIPT_SECRET="gateway-secret")
def test_a_gateway_receipt_is_recorded_for_the_message_of_its_key(unit, unit_user):
    consent_with_channels(unit, unit_user, webhook="https://sms.example.com/hook")
    notice = issue(unit)
    message = notice.messages.get(kind="webhook")

    answer = Client().post(
        "/api/v1/delivery/receipts",
        {
            "idempotency_key": str(message.idempotency_key),
            "received_at": "2026-03-02T10:03:00+08:00",
            "detail": {"sms_status": "DELIVRD"},
        },
        content_type="application/json",
        headers={"X-Delivery-Secret": "gateway-secret"},
    )

    assert answer.status_code == 200
    assert answer.json()["message_status"] == "sent"
    message.refresh_from_db()
    assert message.sent_at == beijing(2026, 3, 2, 10, 3)
    assert message.receipts.get().detail == {"sms_status": "DELIVRD"}


@override_settings(DELIVERY_RECEIPT_SECRET="gateway-secret")
def test_a_receipt_with_a_wrong_secret_is_refused(unit, unit_user):
    consent_with_channels(unit, unit_user, webhook="https://sms.example.com/hook")
    message = issue(unit).messages.get(kind="webhook")

    answer = Client().post(
        "/api/v1/delivery/receipts",
        {"idempotency_key": str(message.idempotency_key)},
        content_type="application/json",
        headers={"X-Delivery-Secret": "guess"},
    )

    assert answer.status_code == 401
    assert OutboxMessage.objects.get(pk=message.pk).status == "pending"


def test_receipts_are_refused_while_no_secret_is_configured(unit, unit_user):
    consent_with_channels(unit, unit_user, webhook="https://sms.example.com/hook")
    message = issue(unit).messages.get(kind="webhook")

    answer = Client().post(
        "/api/v1/delivery/receipts",
        {"idempotency_key": str(message.idempotency_key)},
        content_type="application/json",
        headers={"X-Delivery-Secret": ""},
    )

    assert answer.status_code == 401


def test_a_unit_user_adds_an_email_service_address(unit, unit_user):
    client = signed_in(unit_user)

    added = client.post(
        "/api/v1/me/channels",
        {"kind": "email", "address": "duty@example.com"},
        content_type="application/json",
    )

    assert added.status_code == 201
    assert added.json()["source"] == "unit"
    assert [
        (channel["kind"], channel["address"])
        for channel in client.get("/api/v1/me/channels").json()
    ] == [("email", "duty@example.com")]


def test_a_malformed_address_is_refused_naming_the_field(unit_user):
    refused = signed_in(unit_user).post(
        "/api/v1/me/channels",
        {"kind": "webhook", "address": "sms-gateway"},
        content_type="application/json",
    )

    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "address: 'sms-gateway' is not a valid webhook address"
    )


def test_the_same_address_twice_is_refused(unit_user):
    client = signed_in(unit_user)
    body = {"kind": "email", "address": "duty@example.com"}
    client.post("/api/v1/me/channels", body, content_type="application/json")

    again = client.post("/api/v1/me/channels", body, content_type="application/json")

    assert again.status_code == 422
    assert again.json()["errors"] == {
        "address": ["'duty@example.com': the unit already has this email channel"]
    }


def test_the_delivery_endpoints_are_in_the_openapi_document(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]

    assert {
        "/api/v1/me/consent",
        "/api/v1/me/channels",
        "/api/v1/inbox",
        "/api/v1/notices/{notice_id}",
        "/api/v1/notices/{notice_id}/arrival",
        "/api/v1/delivery/receipts",
    } <= set(paths)


def test_district_staff_read_the_notices_of_a_clue_designated_to_them(
    unit, make_person
):
    # LM-15: the city designated the Chaoyang unit's clue to Haidian.
    haidian = Authority.objects.get(code="110108")
    at = beijing(2026, 3, 2, 10, 0)
    event = Event.objects.create(
        unit=unit,
        scenario=Scenario.objects.get(code="fire_lane", version__number=1),
        subject="unit",
        owner=haidian,
        state="clue",
        data_created_at=at,
        observed_at=at,
        opened_at=at,
        state_changed_at=at,
    )
    notice = issue(unit, event=event)
    haidian_officer = make_person("officer", authority=haidian)

    listed = signed_in(haidian_officer).get("/api/v1/inbox").json()

    assert [item["id"] for item in listed] == [notice.pk]
