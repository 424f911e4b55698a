"""Events in admin can be looked at, never changed by hand."""

from __future__ import annotations

import pytest
from django.contrib import admin

from offsite.supervision.models import (
    AuthorityNotice,
    DocumentCounter,
    Event,
    EvidenceFile,
    OwnerChange,
    Prompt,
    Report,
    ReviewRequest,
    Transition,
    UnitAnswer,
)
from offsite.supervision.services import transition

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        Event,
        Transition,
        Prompt,
        ReviewRequest,
        Report,
        UnitAnswer,
        EvidenceFile,
        OwnerChange,
        AuthorityNotice,
        DocumentCounter,
    ],
)
def test_admin_may_only_read(rf, admin_user, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    request.user = admin_user

    assert model_admin.has_view_permission(request) is True
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False


def test_the_event_list_filters_by_state_scenario_and_district(
    admin_client, make_event
):
    make_event("warned")

    response = admin_client.get(
        "/admin/supervision/event/",
        {"state": "warned", "scenario__code": "facility_status"},
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert Event.objects.count() == 1


def test_an_event_page_shows_its_transitions_and_prompts(admin_client, make_event):
    event = make_event("confirmed")
    transition(event, "warned", actor="system", at=event.opened_at)

    response = admin_client.get(f"/admin/supervision/event/{event.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "confirmed" in content
    assert "【预警提示】" in content
