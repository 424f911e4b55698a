"""Public pages: the supervision item list (IM-5), readable without sign-in."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from offsite.catalog import queries as catalog
from offsite.catalog.models import Rule, Scenario, Threshold


def items(request: HttpRequest) -> HttpResponse:
    """Show each scenario of the published item list with its rules and numbers."""
    version = catalog.current_version()
    scenarios = (
        Scenario.objects.filter(version=version)
        .select_related("authority")
        .prefetch_related(
            Prefetch(
                "rules",
                queryset=Rule.objects.order_by("code").prefetch_related(
                    Prefetch(
                        "thresholds",
                        queryset=Threshold.objects.order_by(
                            "parameter", "-effective_from"
                        ),
                    )
                ),
            )
        )
        .order_by("grade", "code")
    )
    return render(
        request,
        "web/public/items.html",
        {
            "version": version,
            "versions": catalog.published_versions(),
            "scenarios": scenarios,
            "english": (get_language() or "").startswith("en"),
        },
    )
