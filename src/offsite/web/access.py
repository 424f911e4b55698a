"""Who may open which pages: the role decides the home, the scope the rows."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from offsite.registry.models import Person

HOME_CONSOLE = "console"
HOME_PORTAL = "portal"


def person_of(user) -> Person | None:
    """Return the person a user acts as, or None."""
    if not user.is_authenticated:
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def home_of(user) -> str | None:
    """Return where a user lands: the console, the portal, or nowhere."""
    person = person_of(user)
    if person is None:
        return HOME_CONSOLE if user.is_superuser else None
    if person.is_staff_role:
        return HOME_CONSOLE
    if person.role in (Person.Role.UNIT_USER, Person.Role.PROVIDER_USER):
        return HOME_PORTAL
    return None


View = Callable[..., HttpResponse]


def console_view(view: View) -> View:
    """Serve a console page to authority staff and administrators only."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if home_of(request.user) != HOME_CONSOLE:
            raise PermissionDenied(_("the console is for authority staff"))
        return view(request, *args, **kwargs)

    return wrapped


def portal_view(view: View = None, *, consent_page: bool = False):
    """Serve a portal page to unit and provider users only.

    A unit user who has not yet answered the offer of electronic service is
    sent to the consent page first (LM-5: offered when the unit signs in).
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            from offsite.delivery import queries as delivery_queries

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if home_of(request.user) != HOME_PORTAL:
                raise PermissionDenied(_("the portal is for units and providers"))
            person = person_of(request.user)
            if not consent_page and delivery_queries.consent_required(person):
                return redirect("web:portal-consent")
            return view(request, *args, **kwargs)

        return wrapped

    if view is not None:
        return decorate(view)
    return decorate
