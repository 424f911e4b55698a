"""An event from the review queue to the unit's portal and back, in Chromium."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from offsite.registry.models import Person
from offsite.supervision import services as supervision
from offsite.supervision.models import Event, ReviewRequest

from .conftest import shoot

# The live server reads what the test wrote, so the test commits; the rows
# the migrations load (authorities, the item list) are restored after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _awaiting(unit_name: str, code: str) -> Event:
    return Event.objects.get(
        unit__name=unit_name, scenario__code=code, state="awaiting_review"
    )


def _consent(page) -> None:
    """Answer the offer of electronic service shown at the first sign-in (LM-5)."""
    assert page.url.endswith("/portal/consent/")
    page.click("button[name=consented][value='1']")
    page.wait_for_url(re.compile(r"/portal/$"))


def test_an_officer_confirms_a_finding_and_the_unit_sees_the_warning(city, open_page):
    event = _awaiting("京华商业广场", "fire_lane")
    officer = open_page("officer")
    officer.goto("/console/review/")
    card = officer.locator(f"#event-{event.pk}")
    assert "消防车通道被占用" in card.inner_text()
    shoot(officer, "console-review-queue-zh")

    # Confirming serves a legal notice: the officer is asked once more.
    asked = []
    officer.once(
        "dialog", lambda dialog: (asked.append(dialog.message), dialog.accept())
    )
    card.locator("button[name=confirm]").click()
    officer.locator(f"#event-{event.pk}.decided").wait_for()
    assert asked and "文书" in asked[0]

    assert "已预警" in officer.locator(f"#event-{event.pk}").inner_text()
    event.refresh_from_db()
    assert event.state == "warned"

    unit = open_page("unit")
    _consent(unit)
    warnings = unit.locator("table.prompts").inner_text()
    assert "【预警提示】京华商业广场：消防车通道" in warnings
    shoot(unit, "portal-home-zh")


def test_the_unit_asks_for_review_and_the_officer_answers(city, open_page):
    event = _awaiting("京华商业广场", "fire_lane")
    supervision.confirm(
        event, actor=Person.objects.get(user__username="officer"), at=timezone.now()
    )

    unit = open_page("unit")
    _consent(unit)
    unit.goto(f"/portal/events/{event.pk}/")
    unit.fill("#id_statement", "当时通道内为消防演练车辆，已驶离")
    unit.click("#review-form button[type=submit]")
    unit.wait_for_load_state()
    assert "复核申请已提交" in unit.content()
    shoot(unit, "portal-event-review-requested-zh")

    request = ReviewRequest.objects.get(event=event)
    officer = open_page("officer")
    officer.goto(f"/console/events/{event.pk}/")
    block = officer.locator(f"#review-request-{request.pk}")
    assert "当时通道内为消防演练车辆" in block.inner_text()
    block.locator("textarea[name=reason]").fill("核实为演练车辆，复核成立")
    block.locator("button[name=upheld][value='1']").click()
    officer.wait_for_load_state()
    assert officer.locator("#event-state").inner_text() == "已终结"
    shoot(officer, "console-event-review-answered-zh")

    unit.goto(f"/portal/events/{event.pk}/")
    assert "复核成立" in unit.content()
    unit.goto("/portal/inbox/")
    assert "复核答复" in unit.content()
    shoot(unit, "portal-inbox-zh")


def test_a_unit_user_cannot_open_another_units_event(city, open_page):
    other = Event.objects.get(
        unit__name="京华商业广场", scenario__code="fire_alarm", state="warned"
    )
    page = open_page("unit2")
    _consent(page)

    response = page.goto(f"/portal/events/{other.pk}/")

    assert response.status == 404


CONSOLE = [
    ("console", "/console/", "总览", "Dashboard"),
    ("console-review", "/console/review/", "审核队列", "Review queue"),
    ("console-events", "/console/events/", "事件", "Events"),
    ("console-clues", "/console/clues/", "线索指派", "Clue assignment"),
    ("console-deadlines", "/console/deadlines/", "期限", "Deadlines"),
    ("console-oversight", "/console/oversight/", "监督考评数据", "Oversight figures"),
    ("console-log", "/console/log/", "操作日志", "Operation log"),
]
PORTAL = [
    ("portal-inbox", "/portal/inbox/", "送达文书信箱", "Inbox of served documents"),
    (
        "portal-consent",
        "/portal/consent/",
        "同意电子送达",
        "Consent to electronic service",
    ),
]


@pytest.mark.parametrize(("locale", "language"), [("zh-CN", "zh"), ("en-US", "en")])
def test_each_main_page_renders_in_the_language_asked(
    city, open_page, locale, language
):
    index = 2 if language == "zh" else 3

    public = open_page(locale=locale)
    public.goto("/")
    shoot(public, f"sign-in-{language}")
    public.goto("/items/")
    heading = "非现场监管事项清单" if language == "zh" else "Supervision item list"
    assert public.locator("h1").inner_text() == heading
    shoot(public, f"items-{language}")

    staff = open_page("dispatch", locale=locale)
    for row in CONSOLE:
        staff.goto(row[1])
        assert staff.locator("h1").inner_text().startswith(row[index])
        shoot(staff, f"{row[0]}-{language}")
    event = Event.objects.filter(scenario__code="fire_alarm").first()
    staff.goto(f"/console/events/{event.pk}/")
    assert ("时间线" if language == "zh" else "Timeline") in staff.content()
    shoot(staff, f"console-event-{language}")

    unit = open_page("unit", locale=locale)
    _consent(unit)
    status = "监测状态" if language == "zh" else "Monitoring status"
    assert status in unit.locator("header nav").inner_text()
    shoot(unit, f"portal-{language}")
    for row in PORTAL:
        unit.goto(row[1])
        assert unit.locator("h1").inner_text() == row[index]
        shoot(unit, f"{row[0]}-{language}")


def test_the_language_switch_turns_the_console_to_english(city, open_page):
    page = open_page("dispatch")
    assert page.locator("h1").inner_text().startswith("总览")

    with page.expect_navigation():
        page.select_option("#language-form select", "en")

    assert page.locator("h1").inner_text().startswith("Dashboard")
