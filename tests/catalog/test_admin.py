"""The admin keeps published versions read-only (IM-5: history is kept)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import RequestFactory

from offsite.catalog import services
from offsite.catalog.admin import RuleAdmin, ScenarioAdmin, ThresholdInline
from offsite.catalog.models import Rule, Scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_as_admin() -> HttpRequest:
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser(
        "catalog-admin", "catalog-admin@example.org", "x"
    )
    return request


def test_a_published_scenario_cannot_be_changed(request_as_admin: HttpRequest) -> None:
    scenario = Scenario.objects.get(version__number=1, code="fire_lane")

    model_admin = ScenarioAdmin(Scenario, admin.site)

    assert model_admin.has_change_permission(request_as_admin, scenario) is False
    assert model_admin.has_delete_permission(request_as_admin, scenario) is False


def test_a_draft_scenario_can_be_changed(request_as_admin: HttpRequest) -> None:
    draft = services.publish_new_version(note="draft")
    scenario = Scenario.objects.get(version=draft, code="fire_lane")

    model_admin = ScenarioAdmin(Scenario, admin.site)

    assert model_admin.has_change_permission(request_as_admin, scenario) is True


def test_a_published_rule_takes_new_dated_thresholds_but_keeps_old_ones(
    request_as_admin: HttpRequest,
) -> None:
    rule = Rule.objects.get(scenario__version__number=1, code="sprinkler_pressure")

    inline = ThresholdInline(Rule, admin.site)

    assert inline.has_add_permission(request_as_admin, rule) is True
    assert inline.has_change_permission(request_as_admin, rule) is False
    assert "kind" in RuleAdmin(Rule, admin.site).get_readonly_fields(
        request_as_admin, rule
    )
