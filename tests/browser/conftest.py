"""Browser tests: Playwright drives the system's Chromium against a live server.

No browser is ever downloaded: the tests use Debian's `/usr/bin/chromium`.
Where it is missing they fail when `OFFSITE_REQUIRE_BROWSER=1` (CI sets it)
and are skipped otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; the ORM
# calls the tests make between browser steps are plain blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The captures the view tests replay too: a warned fire alarm at 京华商业广场
# and one at 通州三和仓储.
CAPTURES = ("haiwan-a.hex", "sixin-sanhe9.hex")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("OFFSITE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def migrated_rows(django_db_setup, django_db_blocker) -> str:
    """Return the rows the migrations load, as serialized at database setup.

    Django keeps them on the connection of the thread's context; Playwright's
    sync API runs the tests in another context (a greenlet), where that
    connection lacks them, so serialized rollback would restore nothing
    after a transactional test flushed the tables. They are read here,
    before the browser starts.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        return getattr(connection, "_test_serialized_contents", "")


def _restore_migrated_rows(rows: str) -> None:
    """Put back the migrations' rows (authorities, item list) if a flush took them."""
    from django.db import connection

    from offsite.registry.models import Authority

    if rows and not hasattr(connection, "_test_serialized_contents"):
        connection._test_serialized_contents = rows
    if rows and not Authority.objects.exists():
        connection.creation.deserialize_db_from_string(rows)


# Module scope: while Playwright's loop runs, Django's connections are kept
# per context, so the browser is closed before other parts' tests run.
@pytest.fixture(scope="module")
def browser(migrated_rows):
    """Launch the system's headless Chromium once for the module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def city(settings, tmp_path, migrated_rows):
    """The demo city with two captures, as the web view tests use it."""
    from offsite.intake.replay import replay_files
    from offsite.web import demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    _restore_migrated_rows(migrated_rows)
    units = demo.ensure_units()
    demo.ensure_people(units)
    provider, _ = demo.ensure_provider(units)
    demo.ensure_sensors(provider, units)
    for unit_demo, unit in units:
        if unit_demo.capture in CAPTURES:
            replay_files([demo.CAPTURES / unit_demo.capture], unit=unit)
    demo.send_observations(provider)
    return demo


@pytest.fixture
def open_page(browser, live_server):
    """Return a function that opens a new page in a language, signed in or not."""
    contexts = []

    def make(username: str | None = None, *, locale: str = "zh-CN"):
        from offsite.web.demo import DEMO_PASSWORD

        context = browser.new_context(
            locale=locale,
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if username is not None:
            page.goto("/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_load_state()
        return page

    yield make
    for context in contexts:
        context.close()


def shoot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
