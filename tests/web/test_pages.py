"""Each page in Chinese by default and in English; the public item list."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from offsite.supervision.models import Event

pytestmark = pytest.mark.django_db

CONSOLE_PAGES = {
    "/console/": ("总览", "Dashboard"),
    "/console/review/": ("审核队列", "Review queue"),
    "/console/events/": ("事件", "Events"),
    "/console/clues/": ("线索指派", "Clue assignment"),
    "/console/deadlines/": ("期限", "Deadlines"),
    "/console/oversight/": ("监督考评数据", "Oversight figures"),
    "/console/log/": ("操作日志", "Operation log"),
}


def _heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S)[1].strip()


@pytest.mark.parametrize(("path", "titles"), CONSOLE_PAGES.items())
def test_console_pages_speak_chinese_by_default(city, sign_in, path, titles):
    assert _heading(sign_in("dispatch").get(path)).startswith(titles[0])


@pytest.mark.parametrize(("path", "titles"), CONSOLE_PAGES.items())
def test_console_pages_speak_english_when_asked(city, sign_in, path, titles):
    assert _heading(sign_in("dispatch", "en").get(path)).startswith(titles[1])


def test_the_portal_speaks_english_when_asked(city, sign_in):
    client = sign_in("unit", "en")
    client.post("/portal/consent/", {"consented": "1"})

    page = client.get("/portal/").content.decode()

    assert "Open warnings and orders" in page
    assert "Devices and latest data" in page


def test_the_language_switch_keeps_the_choice(city, sign_in):
    client = sign_in("dispatch")

    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})

    assert _heading(client.get("/console/")) == "Dashboard"


def test_the_language_menu_names_each_language_in_itself(db):
    page = Client().get("/items/").content.decode()

    assert ">English</option>" in page
    assert ">简体中文</option>" in page


def test_the_item_list_is_public_with_sources_and_version(db):
    page = Client().get("/items/").content.decode()

    assert _heading(Client().get("/items/")) == "非现场监管事项清单"
    assert "第 1 版，2026-01-01 发布。" in page
    assert 'id="water_supply"' in page
    assert "GB 35181-2017" in page


def test_the_item_list_in_english_names_scenarios_in_english(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/items/").content.decode()

    assert "Version 1, published 2026-01-01." in page
    assert "Supervision item list" in page


def test_the_event_page_renders_in_both_languages(city, sign_in):
    event = Event.objects.filter(scenario__code="fire_alarm").first()

    zh = sign_in("dispatch").get(f"/console/events/{event.pk}/").content.decode()
    en = sign_in("dispatch", "en").get(f"/console/events/{event.pk}/").content.decode()

    assert "时间线" in zh
    assert "Timeline" in en


def test_the_time_to_fix_reads_as_a_count_in_either_language(db):
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/items/").content.decode()
    chinese = Client().get("/items/").content.decode()

    assert re.search(r"\b1 hour\b", english) or re.search(r"\b1 working day\b", english)
    assert not re.search(r"\b1 (hours|working days|calendar days)\b", english)
    assert "个工作日" in chinese


def test_the_browsers_icon_request_finds_the_icon(db):
    response = Client().get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/web/favicon.svg"


def test_the_item_list_says_thresholds_as_amounts_and_keeps_no_drafting_note(db):
    chinese = Client().get("/items/").content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/items/").content.decode()

    assert "<strong>365天</strong>" in chinese and "<strong>2人</strong>" in chinese
    assert "<strong>365 days</strong>" in english
    assert "据记忆" not in chinese and "该日期待核实" in chinese
    assert "本地政策默认值：" not in chinese
