"""The events API: scope by role and district, every action, refusals."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from offsite.delivery.models import Notice
from offsite.registry import services as registry
from offsite.registry.models import ApiKey, Person, Provider
from offsite.supervision.models import Event

from .support import beijing, serve

pytestmark = pytest.mark.django_db


def signed_in(person: Person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def post(client: Client, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json")


# Walks ------------------------------------------------------------------------


def test_a_fire_lane_walks_from_detection_to_ended(
    breach, back_to_normal, clock, officer, unit_user, evidence_root
):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    url = f"/api/v1/events/{event.pk}"

    clock.at = beijing(2026, 3, 2, 11, 0)
    confirmed = post(signed_in(officer), f"{url}/confirm")
    serve(beijing(2026, 3, 2, 11, 1))
    clock.at = beijing(2026, 3, 2, 15, 0)
    answered = signed_in(unit_user).post(
        f"{url}/answer",
        {
            "text": "已清理北侧消防车通道",
            "files": [SimpleUploadedFile("lane.jpg", b"photo", "image/jpeg")],
        },
    )
    back_to_normal(event, beijing(2026, 3, 3, 8, 0))
    shown = signed_in(officer).get(url).json()

    assert confirmed.status_code == 200
    assert confirmed.json()["state"] == "warned"
    assert confirmed.json()["due"]["state_due_at"] == "2026-03-03T23:59:59+08:00"
    assert answered.status_code == 200
    assert answered.json()["answers"][0]["files"][0]["size_bytes"] == 5
    assert shown["state"] == "ended"
    assert shown["due"]["served_on"] == "2026-03-02"
    # 15 days from Tuesday 3 March: Tuesday 17 March, a working day.
    assert shown["due"]["review_window_ends_at"] == "2026-03-17T23:59:59+08:00"
    assert [
        step["summary"] for step in shown["timeline"] if step["kind"] == "transition"
    ] == [
        "detected → awaiting_review by system: a person must confirm the data before "
        "the unit is told (IM-15)",
        "awaiting_review → confirmed by chaoyang-officer: data confirmed by a "
        "qualified officer (IM-15)",
        "confirmed → warned by chaoyang-officer: warning prompt sent (LM-12)",
        "warned → ended by system: data back to normal before the deadline",
    ]


def test_an_order_walks_to_ended_through_an_upheld_review_request(
    breach, clock, officer, unit_user
):
    event = breach("emergency_plan", beijing(2026, 2, 6, 9, 0))
    url = f"/api/v1/events/{event.pk}"
    clock.at = beijing(2026, 2, 6, 10, 0)
    ordered = post(signed_in(officer), f"{url}/confirm").json()
    serve(beijing(2026, 2, 6, 10, 1))

    clock.at = beijing(2026, 2, 24, 18, 0)
    filed = post(
        signed_in(unit_user), f"{url}/review-requests", {"statement": "预案已报送"}
    )
    request_id = filed.json()["review_requests"][0]["id"]
    clock.at = beijing(2026, 2, 26, 10, 0)
    upheld = post(
        signed_in(officer),
        f"{url}/review-requests/{request_id}/answer",
        {"upheld": True, "reason": "预案确已报送"},
    )

    assert ordered["state"] == "ordered"
    assert ordered["prompts"][0]["document_number"] == "京朝消限字〔2026〕第0001号"
    # 10 working days from Saturday 7 Feb, skipping the Spring Festival.
    assert ordered["due_at"] == "2026-02-27T23:59:59+08:00"
    assert filed.status_code == 201
    assert filed.json()["review_requests"][0]["window_ends_at"] == (
        "2026-02-24T23:59:59+08:00"
    )
    assert filed.json()["review_requests"][0]["due_at"] == "2026-02-27T23:59:59+08:00"
    assert filed.json()["due"]["review_answer_due_at"] == "2026-02-27T23:59:59+08:00"
    assert upheld.status_code == 200
    assert upheld.json()["state"] == "ended"
    assert [n["kind"] for n in upheld.json()["notices"]] == [
        "rectification_order",
        "review_answer",
    ]


def test_a_clue_walks_to_closed(breach, clock, officer, dispatcher, unit_user):
    event = breach("control_room_duty", beijing(2026, 9, 30, 9, 0))
    url = f"/api/v1/events/{event.pk}"
    staff = signed_in(dispatcher)
    investigator = signed_in(officer)

    clock.at = beijing(2026, 9, 30, 10, 0)
    clue = post(investigator, f"{url}/confirm").json()
    clock.at = beijing(2026, 9, 30, 15, 0)
    assigned = post(staff, f"{url}/assign", {"officer": "chaoyang-officer"}).json()
    clock.at = beijing(2026, 10, 8, 9, 0)
    post(investigator, f"{url}/investigate")
    clock.at = beijing(2026, 10, 8, 15, 0)
    reported = post(
        investigator,
        f"{url}/report",
        {"text": "现场核查：值班人员已到岗", "outcome": "rectification_verified"},
    ).json()
    clock.at = beijing(2026, 10, 9, 9, 0)
    closed = post(staff, f"{url}/close")

    assert clue["state"] == "clue"
    assert clue["due_at"] == "2026-10-01T10:00:00+08:00"
    assert assigned["state"] == "assigned"
    assert assigned["assignee"] == "chaoyang-officer"
    assert assigned["due_at"] == "2026-10-10T23:59:59+08:00"
    assert reported["report"]["outcome"] == "rectification_verified"
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"
    assert closed.json()["finished_at"] == "2026-10-09T09:00:00+08:00"


# Scope ------------------------------------------------------------------------


@pytest.fixture
def two_events(breach, officer, unit_user, other_unit, clock):
    """A warned event of 京华商业广场 (Chaoyang), one of 海淀科技大厦 (Haidian)."""
    from offsite.supervision.services import confirm

    ours = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    confirm(ours, actor=officer, at=beijing(2026, 3, 2, 11, 0))
    theirs = breach("facility_status", beijing(2026, 3, 2, 9, 30), of=other_unit)
    return ours, theirs


def ids(response) -> list[int]:
    return sorted(row["id"] for row in response.json())


def test_the_city_sees_every_event(two_events, city_dispatcher):
    ours, theirs = two_events

    assert ids(signed_in(city_dispatcher).get("/api/v1/events")) == [
        ours.pk,
        theirs.pk,
    ]


def test_a_district_sees_only_its_own(two_events, dispatcher):
    ours, theirs = two_events
    client = signed_in(dispatcher)

    assert ids(client.get("/api/v1/events")) == [ours.pk]
    assert client.get(f"/api/v1/events/{theirs.pk}").status_code == 404


def test_a_unit_user_sees_its_own_unit_only(two_events, unit_user, other_unit_user):
    ours, theirs = two_events
    client = signed_in(other_unit_user)

    assert ids(client.get("/api/v1/events")) == [theirs.pk]
    response = client.get(f"/api/v1/events/{ours.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"event {ours.pk}: not found"}


def test_a_unit_user_may_not_read_another_units_notice(
    two_events, unit_user, other_unit_user
):
    ours, _ = two_events
    notice = Notice.objects.get(event=ours)

    assert signed_in(unit_user).get(f"/api/v1/notices/{notice.pk}").status_code == 200
    assert (
        signed_in(other_unit_user).get(f"/api/v1/notices/{notice.pk}").status_code
        == 404
    )


def test_a_unit_user_does_not_see_an_event_awaiting_review(breach, unit_user):
    # IM-15: nothing unconfirmed is published to the unit.
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    client = signed_in(unit_user)

    assert client.get("/api/v1/events").json() == []
    assert client.get(f"/api/v1/events/{event.pk}").status_code == 404


def test_a_unit_user_is_not_shown_the_review_before_confirmation(two_events, unit_user):
    ours, _ = two_events

    shown = signed_in(unit_user).get(f"/api/v1/events/{ours.pk}").json()

    assert [step["kind"] for step in shown["timeline"]] == ["transition", "prompt"]
    assert "authority_notices" not in shown or shown["authority_notices"] == []


def test_a_provider_user_sees_no_event(two_events):
    provider = Provider.objects.create(name="物联网服务商", slug="iot")
    user = Person.objects.create(
        user=get_user_model().objects.create_user(username="iot-user"),
        role="provider_user",
        provider=provider,
    )

    assert signed_in(user).get("/api/v1/events").json() == []


def test_an_anonymous_caller_is_refused(two_events):
    assert Client().get("/api/v1/events").status_code == 401


def keyed(person: Person) -> Client:
    """A client that sends the person's own API key and has no session.

    CSRF is checked as a browser's request would be: a key needs no token.
    """
    return Client(
        enforce_csrf_checks=True, HTTP_X_API_KEY=registry.issue_api_key(person=person)
    )


def test_a_persons_key_sees_what_their_sign_in_sees(two_events, dispatcher, unit_user):
    ours, theirs = two_events

    assert ids(keyed(dispatcher).get("/api/v1/events")) == [ours.pk]
    assert keyed(dispatcher).get(f"/api/v1/events/{theirs.pk}").status_code == 404
    assert ids(keyed(unit_user).get("/api/v1/events")) == [ours.pk]


def test_a_persons_key_acts_as_them_with_their_role(breach, clock, officer, auxiliary):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    clock.at = beijing(2026, 3, 2, 11, 0)

    refused = post(keyed(auxiliary), f"/api/v1/events/{event.pk}/confirm")
    confirmed = post(keyed(officer), f"/api/v1/events/{event.pk}/confirm")

    assert refused.status_code == 403
    assert confirmed.status_code == 200
    assert confirmed.json()["state"] == "warned"


def test_a_providers_key_or_a_revoked_key_is_refused(two_events, unit, officer):
    provider = registry.register_provider(name="物联网服务商", slug="iot", units=[unit])
    provider_key = registry.issue_api_key(provider=provider)
    revoked = registry.issue_api_key(person=officer)
    registry.revoke_api_key(api_key=ApiKey.objects.get(person=officer))

    for key in (provider_key, revoked, "osk_00000000_nothing"):
        refused = Client(HTTP_X_API_KEY=key).get("/api/v1/events")
        assert refused.status_code == 401
        assert refused.json()["detail"] == (
            "sign in, or send a person's live API key in X-API-Key "
            "(a provider's key only sends data)"
        )


def test_a_session_write_without_its_csrf_token_is_refused(breach, clock, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    clock.at = beijing(2026, 3, 2, 11, 0)
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer.user)

    response = post(client, f"/api/v1/events/{event.pk}/confirm")

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.state == "awaiting_review"


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/v1/events", "sign in, or send a person's live API key in X-API-Key"),
        ("/api/v1/observations", "X-API-Key: send a live API key of a provider"),
        ("/api/v1/delivery/receipts", "X-Delivery-Secret: send the webhook gateways"),
    ],
)
def test_a_request_with_no_credential_is_told_what_that_part_takes(db, path, detail):
    response = Client().post(path, "{}", content_type="application/json")

    assert response.status_code == 401
    assert response.json()["detail"].startswith(detail)


def test_an_oversized_body_gets_a_json_413_naming_the_limit(breach, unit_user):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    statement = "长" * 1_000_000  # 3 MB of UTF-8

    response = post(
        signed_in(unit_user), f"/api/v1/events/{event.pk}/review-requests",
        {"statement": statement},
    )  # fmt: skip

    assert response.status_code == 413
    assert response.json() == {
        "detail": "body: over 2621440 bytes of JSON or form data"
    }


def test_a_key_has_exactly_one_holder(unit, officer):
    provider = registry.register_provider(name="物联网服务商", slug="iot", units=[unit])

    with pytest.raises(ValidationError) as both:
        registry.issue_api_key(provider=provider, person=officer)
    with pytest.raises(ValidationError):
        registry.issue_api_key()

    assert "exactly one" in str(both.value)
    assert ApiKey.objects.count() == 0


def test_a_list_can_be_filtered_by_state(two_events, city_dispatcher):
    ours, theirs = two_events
    client = signed_in(city_dispatcher)

    assert ids(client.get("/api/v1/events?state=warned")) == [ours.pk, theirs.pk]
    assert ids(client.get("/api/v1/events?state=clue")) == []


# Refusals ---------------------------------------------------------------------


def test_an_auxiliary_confirming_gets_403_naming_the_rule(breach, auxiliary, clock):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    response = post(signed_in(auxiliary), f"/api/v1/events/{event.pk}/confirm")

    assert response.status_code == 403
    assert "only officer may (LM-9, IM-15" in response.json()["detail"]
    assert Event.objects.get(pk=event.pk).state == "awaiting_review"


def test_a_unit_user_closing_its_own_event_gets_403(two_events, unit_user):
    ours, _ = two_events

    response = post(signed_in(unit_user), f"/api/v1/events/{ours.pk}/close")

    assert response.status_code == 403


def test_a_review_request_after_case_filing_gets_409(
    breach, clock, officer, dispatcher, unit_user
):
    event = breach("control_room_duty", beijing(2026, 3, 2, 9, 0))
    url = f"/api/v1/events/{event.pk}"
    investigator = signed_in(officer)
    clock.at = beijing(2026, 3, 2, 10, 0)
    post(investigator, f"{url}/confirm")
    post(signed_in(dispatcher), f"{url}/assign", {"officer": "chaoyang-officer"})
    post(investigator, f"{url}/investigate")
    post(
        investigator,
        f"{url}/report",
        {"text": "控制室无人值班", "outcome": "violation_found"},
    )
    clock.at = beijing(2026, 3, 3, 9, 0)
    filed = post(investigator, f"{url}/file-case")

    clock.at = beijing(2026, 3, 4, 9, 0)
    response = post(signed_in(unit_user), f"{url}/review-requests", {"statement": "x"})

    assert filed.json()["state"] == "case_filed"
    assert filed.json()["due"]["review_window_ends_at"] is None
    assert response.status_code == 409
    assert response.json()["detail"].endswith(
        "a case has been filed, which ends the review window; the statement is "
        "heard in the case procedure (LM-14)"
    )


def test_a_second_report_gets_409(breach, clock, officer, dispatcher, unit_user):
    event = breach("control_room_duty", beijing(2026, 3, 2, 9, 0))
    url = f"/api/v1/events/{event.pk}"
    investigator = signed_in(officer)
    clock.at = beijing(2026, 3, 2, 10, 0)
    post(investigator, f"{url}/confirm")
    post(signed_in(dispatcher), f"{url}/assign", {"officer": "chaoyang-officer"})
    post(investigator, f"{url}/investigate")
    body = {"text": "已整改", "outcome": "rectification_verified"}
    post(investigator, f"{url}/report", body)

    response = post(investigator, f"{url}/report", body)

    assert response.status_code == 409
    assert "one piece of information, one report (IM-16)" in response.json()["detail"]


def test_bad_input_gets_422_naming_the_field(breach, clock, officer, dispatcher):
    event = breach("control_room_duty", beijing(2026, 3, 2, 9, 0))
    url = f"/api/v1/events/{event.pk}"
    clock.at = beijing(2026, 3, 2, 10, 0)
    post(signed_in(officer), f"{url}/confirm")

    response = post(signed_in(dispatcher), f"{url}/assign", {"officer": "nobody"})

    assert response.status_code == 422
    assert response.json() == {"detail": "officer: no person with username 'nobody'"}


def test_a_name_no_record_can_hold_is_refused_before_any_lookup(
    breach, clock, officer, dispatcher, city_dispatcher
):
    """PostgreSQL keeps no NUL: such a name is refused by its form, not by a query."""
    event = breach("control_room_duty", beijing(2026, 3, 2, 9, 0))
    url = f"/api/v1/events/{event.pk}"
    clock.at = beijing(2026, 3, 2, 10, 0)
    post(signed_in(officer), f"{url}/confirm")

    assigned = post(signed_in(dispatcher), f"{url}/assign", {"officer": "x\x00"})
    designated = post(
        signed_in(city_dispatcher), f"{url}/designate", {"district": "1\x00"}
    )

    assert assigned.status_code == 422
    assert assigned.json()["detail"][0]["loc"] == ["body", "body", "officer"]
    assert designated.status_code == 422
    assert designated.json()["detail"][0]["loc"] == ["body", "body", "district"]


def test_bad_paging_or_state_gets_422_naming_the_parameter(two_events, dispatcher):
    client = signed_in(dispatcher)

    for query, name in (
        ("offset=-1", "offset"),
        ("offset=99999999999999999999", "offset"),
        ("limit=0", "limit"),
    ):
        response = client.get(f"/api/v1/events?{query}")
        assert response.status_code == 422, query
        assert response.json()["detail"][0]["loc"] == ["query", name]
    bogus = client.get("/api/v1/events?state=bogus")
    assert bogus.status_code == 422
    assert bogus.json()["detail"].startswith("state: 'bogus' is not one of detected")


def test_a_review_answer_needs_a_json_boolean(breach, clock, officer, unit_user):
    event = breach("emergency_plan", beijing(2026, 2, 6, 9, 0))
    url = f"/api/v1/events/{event.pk}"
    clock.at = beijing(2026, 2, 6, 10, 0)
    post(signed_in(officer), f"{url}/confirm")
    serve(beijing(2026, 2, 6, 10, 1))
    clock.at = beijing(2026, 2, 24, 18, 0)
    filed = post(
        signed_in(unit_user), f"{url}/review-requests", {"statement": "预案已报送"}
    )
    request_id = filed.json()["review_requests"][0]["id"]

    answered = post(
        signed_in(officer),
        f"{url}/review-requests/{request_id}/answer",
        {"upheld": "yes", "reason": "预案确已报送"},
    )

    assert answered.status_code == 422
    assert answered.json()["detail"][0]["loc"] == ["body", "body", "upheld"]
    assert event.review_requests.get().state == "open"


def test_the_city_designates_through_the_api(
    breach, clock, officer, city_dispatcher, dispatcher
):
    event = breach("control_room_duty", beijing(2026, 3, 2, 9, 0))
    url = f"/api/v1/events/{event.pk}"
    clock.at = beijing(2026, 3, 2, 10, 0)
    post(signed_in(officer), f"{url}/confirm")

    refused = post(signed_in(dispatcher), f"{url}/designate", {"district": "110108"})
    designated = post(
        signed_in(city_dispatcher), f"{url}/designate", {"district": "110108"}
    )

    assert refused.status_code == 403
    assert designated.status_code == 200
    assert designated.json()["owner"] == "110108"
    assert [n["authority"] for n in designated.json()["authority_notices"]] == [
        "110105",
        "110108",
    ]
