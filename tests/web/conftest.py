"""The demo city as the world of the view tests, and signing in as its people."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from offsite.intake import canonical
from offsite.intake import services as intake
from offsite.intake.models import RawRecord
from offsite.intake.replay import replay_files
from offsite.registry.models import Provider
from offsite.supervision.models import Event
from offsite.web import demo

# Replaying every capture takes seconds per test; two of them give what the
# views need: a warned fire alarm at 京华商业广场 and one at 通州三和仓储.
CAPTURES = ("haiwan-a.hex", "sixin-sanhe9.hex")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Hash the demo passwords cheaply (the hasher is not under test here) and
    keep uploaded evidence in a temporary folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city(db):
    """Set up the demo city with two captures and three events to review."""
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
def sign_in():
    """Return a client signed in as a demo user, showing a language."""

    def make(username: str, language: str = "zh-hans") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return make


def awaiting(unit_name: str, scenario_code: str) -> Event:
    """Return the demo event of a unit and scenario that waits for review."""
    return Event.objects.get(
        unit__name=unit_name, scenario__code=scenario_code, state="awaiting_review"
    )


def send(observations: list[dict]) -> None:
    """Send observations as the demo provider does through the HTTP intake."""
    provider = Provider.objects.get(slug="demo-iot")
    body = json.dumps(observations).encode()
    intake.receive_observation_batch(
        body,
        provider_slug=provider.slug,
        items=canonical.resolve(provider, canonical.parse_observations(body)),
        source=RawRecord.Source.HTTP,
        origin="web tests",
    )
