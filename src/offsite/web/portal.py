"""The portal of a unit: its status, warnings and orders, answers, review, inbox.

A unit user sees only their own unit, a provider user the units their
provider serves (read only); any other row is not found. Answers and review
requests go through the supervision services, consent through delivery.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offsite.delivery import queries as delivery_queries
from offsite.delivery import services as delivery
from offsite.delivery.consent import CONSENT_TEXT
from offsite.supervision import services as supervision
from offsite.supervision.models import ReviewRequest
from offsite.web import downloads, queries
from offsite.web.access import portal_view

logger = logging.getLogger(__name__)


def _context(request: HttpRequest, **values) -> dict:
    return {
        "who": queries.viewer(request.user),
        "scenario_names": queries.scenario_names(get_language() or ""),
        **values,
    }


@portal_view
def home(request: HttpRequest) -> HttpResponse:
    """Show each unit in scope: devices, latest data, open events, warnings."""
    who = queries.viewer(request.user)
    shown = []
    for unit in queries.units(who):
        shown.append(
            {
                "unit": unit,
                "devices": queries.device_status(unit),
                "events": queries.unit_events(who)
                .filter(unit=unit)
                .exclude(state__in=[s.value for s in supervision.FINAL_STATES]),
                "prompts": queries.open_prompts(unit),
                "consent": delivery_queries.current_consent(unit),
            }
        )
    return render(
        request,
        "web/portal/home.html",
        _context(request, units=shown, now=timezone.now()),
    )


@portal_view
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    who = queries.viewer(request.user)
    event = queries.event(who, pk, for_unit=True)
    return render(
        request,
        "web/portal/event.html",
        _context(
            request,
            event=event,
            prompts=event.prompts.order_by("created_at", "pk"),
            answers=event.answers.prefetch_related("files").select_related(
                "person__user"
            ),
            requests=event.review_requests.all(),
            notices=event.notices.order_by("created_at", "pk"),
            answerable=event.state in supervision.ANSWERABLE,
            # One request at a time (LM-14): no form while one is open.
            reviewable=event.state in supervision.REVIEWABLE
            and event.prompts.exists()
            and not event.review_requests.filter(
                state=ReviewRequest.State.OPEN
            ).exists(),
            drafts=_drafts(request, event.pk),
            now=timezone.now(),
        ),
    )


@portal_view
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A file the unit attached to one of its answers."""
    who = queries.viewer(request.user)
    return downloads.evidence(queries.evidence_file(who, pk, for_unit=True))


def _keep_draft(request: HttpRequest, form: str, pk: int, text: str) -> None:
    """Keep what the unit typed in a refused form, to show it again once."""
    request.session[f"draft-{form}-{pk}"] = text[:20000]


def _drafts(request: HttpRequest, pk: int) -> dict[str, str]:
    return {
        form: request.session.pop(f"draft-{form}-{pk}", "")
        for form in ("answer", "statement")
    }


def _refused(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, ValidationError):
        messages.error(request, "; ".join(error.messages))
    else:
        messages.error(request, supervision.shown(error))


@portal_view
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what the unit did, with evidence files (LM-13)."""
    who = queries.viewer(request.user)
    event = queries.event(who, pk, for_unit=True)
    try:
        supervision.answer(
            event,
            actor=who.person,
            at=timezone.now(),
            text=request.POST.get("text", ""),
            evidence_files=request.FILES.getlist("evidence"),
        )
    except (supervision.Refused, ValueError, ValidationError) as error:
        _refused(request, error)
        _keep_draft(request, "answer", event.pk, request.POST.get("text", ""))
    else:
        messages.success(request, _("Your answer and its evidence are recorded."))
    return redirect("web:portal-event", pk=event.pk)


@portal_view
@require_POST
def request_review(request: HttpRequest, pk: int) -> HttpResponse:
    """File the unit's request for review of a warning or order (LM-14)."""
    who = queries.viewer(request.user)
    event = queries.event(who, pk, for_unit=True)
    try:
        supervision.request_review(
            event,
            actor=who.person,
            at=timezone.now(),
            statement=request.POST.get("statement", ""),
        )
    except (supervision.Refused, ValueError, ValidationError) as error:
        _refused(request, error)
        _keep_draft(request, "statement", event.pk, request.POST.get("statement", ""))
    else:
        messages.success(
            request,
            _(
                "Your review request is filed; the authority answers it within "
                "3 working days."
            ),
        )
    return redirect("web:portal-event", pk=event.pk)


@portal_view(consent_page=True)
def consent(request: HttpRequest) -> HttpResponse:
    """Offer electronic service and record the unit's answer (LM-5)."""
    who = queries.viewer(request.user)
    person = who.person
    if request.method == "POST":
        if not who.is_unit_user:
            messages.error(request, _("Only a user of the unit answers for it."))
            return redirect("web:portal")
        answer = request.POST.get("consented")
        if answer not in ("1", "0"):
            messages.error(request, _("consented: choose to consent or to decline"))
        else:
            delivery.record_consent(
                unit=person.unit,
                person=person,
                consented=answer == "1",
                at=timezone.now(),
            )
            messages.success(request, _("Your answer is recorded."))
            return redirect("web:portal")
    current = (
        delivery_queries.current_consent(person.unit) if who.is_unit_user else None
    )
    return render(
        request,
        "web/portal/consent.html",
        _context(request, text=CONSENT_TEXT, current=current),
    )


@portal_view
def inbox(request: HttpRequest) -> HttpResponse:
    who = queries.viewer(request.user)
    rows = [
        (notice, delivery_queries.service_date(notice))
        for notice in queries.notices(who)[:200]
    ]
    return render(request, "web/portal/inbox.html", _context(request, rows=rows))


@portal_view
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    who = queries.viewer(request.user)
    notice = queries.notice(who, pk)
    return render(
        request,
        "web/portal/notice.html",
        _context(
            request,
            notice=notice,
            served_on=delivery_queries.service_date(notice),
            sent_on=delivery_queries.sent_on(notice),
        ),
    )
