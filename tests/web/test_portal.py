"""The portal: consent, warnings, answers with evidence, review requests."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from offsite.delivery.models import Consent
from offsite.registry.models import Person
from offsite.supervision import services as supervision
from offsite.supervision.models import Event, ReviewRequest

from .conftest import awaiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def warned(city, sign_in):
    """The fire-lane event of 京华商业广场, confirmed by the officer."""
    client = sign_in("unit")
    client.post("/portal/consent/", {"consented": "1"})
    event = awaiting("京华商业广场", "fire_lane")
    supervision.confirm(
        event, actor=Person.objects.get(user__username="officer"), at=timezone.now()
    )
    return event


def test_consenting_records_the_answer_and_opens_the_portal(city, sign_in):
    client = sign_in("unit")

    response = client.post("/portal/consent/", {"consented": "1"})

    consent = Consent.objects.get()
    assert response["Location"] == "/portal/"
    assert (consent.unit.name, consent.consented) == ("京华商业广场", True)
    assert client.get("/portal/").status_code == 200


def test_declining_also_opens_the_portal(city, sign_in):
    client = sign_in("unit")

    client.post("/portal/consent/", {"consented": "0"})

    assert Consent.objects.get().consented is False
    assert client.get("/portal/").status_code == 200


def test_the_portal_shows_the_warning_with_its_deadline(warned, sign_in):
    page = sign_in("unit").get("/portal/").content.decode()

    assert "【预警提示】京华商业广场：消防车通道" in page
    assert f'href="/portal/events/{warned.pk}/"' in page


def test_the_unit_answers_with_an_evidence_file(warned, sign_in):
    photo = SimpleUploadedFile("lane.jpg", b"\xff\xd8 cleared lane", "image/jpeg")

    sign_in("unit").post(
        f"/portal/events/{warned.pk}/answer/",
        {"text": "车辆已移走", "evidence": [photo]},
    )

    answer = warned.answers.get()
    stored = answer.files.get()
    assert answer.text == "车辆已移走"
    assert (stored.name, stored.size_bytes) == ("lane.jpg", 15)


def test_the_officer_and_the_unit_download_the_evidence_but_no_one_else(
    warned, sign_in
):
    photo = SimpleUploadedFile("lane.jpg", b"\xff\xd8 cleared lane", "image/jpeg")
    sign_in("unit").post(
        f"/portal/events/{warned.pk}/answer/",
        {"text": "车辆已移走", "evidence": [photo]},
    )
    stored = warned.answers.get().files.get()
    page = sign_in("officer").get(f"/console/events/{warned.pk}/").content.decode()

    by_officer = sign_in("officer").get(f"/console/evidence/{stored.pk}/")
    by_unit = sign_in("unit").get(f"/portal/evidence/{stored.pk}/")

    assert f'href="/console/evidence/{stored.pk}/"' in page
    for response in (by_officer, by_unit):
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"\xff\xd8 cleared lane"
        assert response["Content-Disposition"] == 'attachment; filename="lane.jpg"'
    # 海淀 staff do not see a Chaoyang unit's answer; another unit does not either.
    assert sign_in("haidian").get(f"/console/evidence/{stored.pk}/").status_code == 404
    other_unit = sign_in("unit2")
    other_unit.post("/portal/consent/", {"consented": "1"})
    assert other_unit.get(f"/portal/evidence/{stored.pk}/").status_code == 404


def test_the_unit_asks_for_review_and_an_officer_refuses_it(warned, sign_in):
    sign_in("unit").post(
        f"/portal/events/{warned.pk}/review/", {"statement": "通道当时未被占用"}
    )
    request = ReviewRequest.objects.get(event=warned)

    page = sign_in("officer").get(f"/console/events/{warned.pk}/").content.decode()
    sign_in("officer").post(
        f"/console/review-requests/{request.pk}/answer/",
        {"upheld": "0", "reason": "视频显示通道被占用"},
    )

    request.refresh_from_db()
    assert "通道当时未被占用" in page
    assert (request.state, request.reason) == ("refused", "视频显示通道被占用")
    assert Event.objects.get(pk=warned.pk).state == "warned"


def test_an_upheld_review_ends_the_event(warned, sign_in):
    sign_in("unit").post(f"/portal/events/{warned.pk}/review/", {"statement": "误报"})
    request = ReviewRequest.objects.get(event=warned)

    sign_in("officer").post(
        f"/console/review-requests/{request.pk}/answer/",
        {"upheld": "1", "reason": "复核属实"},
    )

    assert Event.objects.get(pk=warned.pk).state == "ended"


def test_dispatch_staff_cannot_answer_a_review_request(warned, sign_in):
    sign_in("unit").post(f"/portal/events/{warned.pk}/review/", {"statement": "误报"})
    request = ReviewRequest.objects.get(event=warned)

    sign_in("dispatch").post(
        f"/console/review-requests/{request.pk}/answer/",
        {"upheld": "1", "reason": "复核属实"},
    )

    request.refresh_from_db()
    assert request.state == "open"


def test_the_inbox_lists_the_served_warning(warned, sign_in):
    page = sign_in("unit").get("/portal/inbox/").content.decode()

    assert "预警提示" in page


def test_the_status_counts_each_devices_observations_once(city, sign_in):
    from offsite.web import queries

    unit = Person.objects.get(user__username="unit").unit

    shown = {s.device.name: s.observations for s in queries.device_status(unit)}

    # lane-cam-01 sent the fire-lane and emergency-plan observations.
    assert shown["消防车通道摄像机"] == 2


def test_a_refused_answer_keeps_what_the_unit_typed(warned, sign_in):
    client = sign_in("unit")
    files = [SimpleUploadedFile(f"p{n}.jpg", b"x", "image/jpeg") for n in range(11)]

    client.post(
        f"/portal/events/{warned.pk}/answer/",
        {"text": "已清理通道并拍照留存", "evidence": files},
    )
    page = client.get(f"/portal/events/{warned.pk}/").content.decode()
    again = client.get(f"/portal/events/{warned.pk}/").content.decode()

    assert not warned.answers.exists()
    assert "每次答复最多上传10个文件，本次为11个。" in page
    assert ">已清理通道并拍照留存</textarea>" in page
    assert "已清理通道并拍照留存" not in again


def test_no_review_form_while_a_request_is_open(warned, sign_in):
    client = sign_in("unit")
    client.post(f"/portal/events/{warned.pk}/review/", {"statement": "通道未被占用"})

    page = client.get(f"/portal/events/{warned.pk}/").content.decode()

    assert 'id="review-form"' not in page
