"""The console: the review queue, decisions, clues, deadlines, oversight."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from offsite.delivery.models import Notice
from offsite.registry.models import Person
from offsite.supervision import services as supervision
from offsite.supervision.models import Event, Transition

from .conftest import awaiting, send

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_review_queue_shows_the_data_thresholds_and_raw_body(city, sign_in):
    page = sign_in("officer").get("/console/review/").content.decode()

    assert 'title="fire_lane_blocked">消防车通道被占用' in page
    assert "east-gate" in page
    # The raw body of the provider's batch, as received (IM-8).
    assert "lane-cam-01" in page
    assert "Confirm and send the response" not in page  # shown in Chinese
    assert "确认并发送处置" in page


def test_an_officer_confirms_and_the_unit_is_warned(city, sign_in):
    event = awaiting("京华商业广场", "fire_lane")

    response = sign_in("officer").post(
        f"/console/review/{event.pk}/decide/", {"decision": "confirm"}, **HTMX
    )

    event.refresh_from_db()
    assert response.status_code == 200
    assert event.state == "warned"
    assert Notice.objects.filter(event=event, kind="warning").count() == 1
    assert "已预警" in response.content.decode()


def test_dispatch_staff_see_no_confirm_button(city, sign_in):
    page = sign_in("dispatch").get("/console/review/").content.decode()

    assert "确认并发送处置" not in page
    assert "只有执法人员可以确认或排除" in page


def test_dispatch_staff_cannot_confirm_by_posting(city, sign_in):
    """LM-9: the service refuses; the event stays in the queue."""
    event = awaiting("京华商业广场", "fire_lane")

    response = sign_in("dispatch").post(
        f"/console/review/{event.pk}/decide/", {"decision": "confirm"}, **HTMX
    )

    event.refresh_from_db()
    assert response.status_code == 403
    assert event.state == "awaiting_review"


def test_dismissing_needs_a_reason(city, sign_in):
    event = awaiting("京华商业广场", "fire_lane")

    response = sign_in("officer").post(
        f"/console/review/{event.pk}/decide/",
        {"decision": "dismiss", "reason": " "},
        **HTMX,
    )

    event.refresh_from_db()
    assert response.status_code == 400
    assert "请填写内容，不能为空。" in response.content.decode()
    assert event.state == "awaiting_review"


def test_an_officer_dismisses_invalid_data_and_the_unit_is_not_told(city, sign_in):
    event = awaiting("京华商业广场", "fire_lane")

    sign_in("officer").post(
        f"/console/review/{event.pk}/decide/",
        {"decision": "dismiss", "reason": "camera view blocked by a tree"},
    )

    event.refresh_from_db()
    assert event.state == "dismissed"
    assert Notice.objects.filter(event=event).count() == 0


def test_a_district_cannot_decide_another_districts_event(city, sign_in):
    event = awaiting("京华商业广场", "fire_lane")

    response = sign_in("haidian").post(
        f"/console/review/{event.pk}/decide/", {"decision": "confirm"}
    )

    assert response.status_code == 404


def test_the_event_page_walks_back_to_the_decoded_frame(city, sign_in):
    event = Event.objects.get(
        unit__name="京华商业广场", scenario__code="fire_alarm", state="warned"
    )

    page = sign_in("dispatch", "en").get(f"/console/events/{event.pk}/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "Decoded GB/T 26875.3 frame" in text
    assert "fire_alarm" in text
    assert "Timeline" in text


def _clue() -> Event:
    """Raise a hot-work clue: confirmed, the warning forms a clue (LM-13 ¶1)."""
    send(
        [
            {
                "device": "lane-cam-01",
                "point": "site-b",
                "name": "hot_work_without_permit",
                "value": True,
                "observed_at": "2026-12-02T14:00:00+08:00",
            }
        ]
    )
    event = awaiting("京华商业广场", "hot_work")
    supervision.confirm(
        event, actor=Person.objects.get(user__username="officer"), at=timezone.now()
    )
    return event


def test_dispatch_assigns_a_clue_to_an_officer(city, sign_in):
    event = _clue()
    officer = Person.objects.get(user__username="officer")
    client = sign_in("dispatch")

    listed = client.get("/console/clues/").content.decode()
    client.post(
        f"/console/events/{event.pk}/action/",
        {"action": "assign", "officer": officer.pk, "next": "clues"},
    )

    event.refresh_from_db()
    assert f'id="clue-{event.pk}"' in listed
    assert (event.state, event.assignee_id) == ("assigned", officer.pk)


def test_auxiliary_staff_cannot_assign_a_clue(city, sign_in):
    event = _clue()
    officer = Person.objects.get(user__username="officer")

    sign_in("auxiliary").post(
        f"/console/events/{event.pk}/action/",
        {"action": "assign", "officer": officer.pk},
    )

    event.refresh_from_db()
    assert event.state == "clue"


def test_the_dashboard_counts_open_events_by_state(city, sign_in):
    page = sign_in("dispatch", "en").get("/console/").content.decode()

    # The demo provider's three observations wait for review.
    assert '<div class="n">3</div><a href="/console/review/">' in page


def test_the_deadlines_list_the_review_deadlines(city, sign_in):
    page = sign_in("dispatch", "en").get("/console/deadlines/").content.decode()

    assert page.count(">review<") == 3


def test_the_oversight_tables_count_a_review_in_time_per_authority_and_officer(
    city, sign_in
):
    event = awaiting("京华商业广场", "fire_lane")
    supervision.confirm(
        event, actor=Person.objects.get(user__username="officer"), at=timezone.now()
    )

    page = sign_in("legal", "en").get("/console/oversight/").content.decode()

    assert page.count("<td>1/1 · 100%</td>") == 2
    assert "<td>110000 Beijing</td><td>officer</td><td>1/1 · 100%</td>" in page
    assert "no oversight part yet" not in page


def test_the_oversight_page_links_a_situation_to_its_event(city, sign_in):
    # A warning recorded with no notice to the unit (LM-28 (4)): the workflow
    # never does this, so the row is written as a faulty import would.
    event = awaiting("京华商业广场", "fire_lane")
    at = timezone.now() - timedelta(hours=1)
    Transition.objects.create(
        event=event, from_state="confirmed", to_state="warned", actor="system", at=at
    )

    page = sign_in("legal", "en").get("/console/oversight/").content.decode()
    chinese = sign_in("legal").get("/console/oversight/").content.decode()

    assert f'<a href="/console/events/{event.pk}/">{event.pk}</a>' in page
    assert "Procedure skipped (LM-28 (4))" in page
    assert "but no notice was issued to the unit" in page
    assert "程序缺失" in chinese


def test_the_oversight_page_names_a_bad_date(city, sign_in):
    response = sign_in("legal", "en").get("/console/oversight/?from=2026-13-01")

    assert response.status_code == 400
    assert "from: &#x27;2026-13-01&#x27; is not a date" in response.content.decode()


def test_the_operation_log_shows_the_confirmation(city, sign_in):
    event = awaiting("京华商业广场", "fire_lane")
    supervision.confirm(
        event, actor=Person.objects.get(user__username="officer"), at=timezone.now()
    )

    page = sign_in("dispatch").get("/console/log/").content.decode()

    assert 'title="event.transition">状态变更</td>' in page
    assert "待审核 → 已确认 · 数据经具有执法资格的人员确认（实施办法第十五条）" in page
    assert f">事件 {event.pk}</a>" in page
    assert f'href="/console/events/{event.pk}/"' in page


def test_the_event_page_shows_the_thresholds_and_their_sources(city, sign_in):
    low = {"device": "lane-cam-01", "point": "riser-1", "name": "pressure_mpa"}
    send(
        [
            {**low, "value": 0.02, "observed_at": "2026-12-02T10:00:00+08:00"},
            {**low, "value": 0.02, "observed_at": "2026-12-02T10:15:00+08:00"},
        ]
    )
    event = Event.objects.get(scenario__code="water_supply")

    page = sign_in("dispatch").get(f"/console/events/{event.pk}/").content.decode()

    assert "GB 55036-2022《消防设施通用规范》4.0.5" in page
    assert "0.05 MPa" in page
    assert "10分钟" in page  # the hold, said as a duration
    assert "短于10分钟的压力波动" in page
    assert '<span class="state">本地政策默认值</span>' in page


def test_the_assigned_officer_takes_a_clue_to_its_close(city, sign_in):
    """IM-16: investigate, one report, close, all from the event page."""
    event = _clue()
    officer = Person.objects.get(user__username="officer")
    supervision.assign(event, actor=officer, officer=officer, at=timezone.now())
    client = sign_in("officer")
    action = f"/console/events/{event.pk}/action/"

    client.post(action, {"action": "investigate"})
    client.post(
        action,
        {
            "action": "report",
            "outcome": "rectification_verified",
            "text": "现场核实已办理动火审批",
        },
    )
    client.post(action, {"action": "close"})

    event.refresh_from_db()
    assert event.state == "closed"
    assert event.report.text == "现场核实已办理动火审批"
    page = client.get(f"/console/events/{event.pk}/").content.decode()
    assert "分派给officer（衔接办法第十三条）" in page
    assert "已提交报告：" in page and "（实施办法第十六条）" in page


def test_a_refused_step_is_shown_and_changes_nothing(city, sign_in):
    event = _clue()
    client = sign_in("officer")

    response = client.post(
        f"/console/events/{event.pk}/action/", {"action": "close"}, follow=True
    )

    event.refresh_from_db()
    assert event.state == "clue"
    assert "not allowed by the lifecycle" in response.content.decode()


def test_the_timeline_speaks_the_users_language(city, sign_in):
    event = awaiting("京华商业广场", "fire_lane")
    officer = Person.objects.get(user__username="officer")
    supervision.confirm(event, actor=officer, at=timezone.now())
    supervision.answer(
        event,
        actor=Person.objects.get(user__username="unit"),
        text="车辆已移走",
        at=timezone.now(),
    )

    chinese = sign_in("officer").get(f"/console/events/{event.pk}/").content.decode()
    english = sign_in("officer", "en").get(f"/console/events/{event.pk}/").text

    assert "数据须经人工确认后方可告知单位（实施办法第十五条）" in chinese
    assert "数据经具有执法资格的人员确认（实施办法第十五条）" in chinese
    assert "单位已答复，附0个文件。" in chinese
    assert "a person must confirm the data" not in chinese
    assert "data confirmed by a qualified officer (IM-15)" in english
    assert "The unit answered, with 0 files." in english


def test_an_events_subject_reads_as_words_in_either_language(city, sign_in):
    event = awaiting("京华商业广场", "fire_lane")

    chinese = sign_in("officer").get(f"/console/events/{event.pk}/").content.decode()
    english = sign_in("officer", "en").get(f"/console/events/{event.pk}/").text

    assert "点位 east-gate" in chinese
    assert "point east-gate" in english
