"""Sign-in for everyone at `/`, throttled, and the landing page of each role."""

from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from offsite.web.access import HOME_CONSOLE, HOME_PORTAL, home_of

logger = logging.getLogger(__name__)


class ThrottledBackend(AxesStandaloneBackend):
    """Refuse a sign-in while its user name and address are locked out.

    The sign-in page always passes the request. A call without one (a
    script, the test client's `login`) has no address to count, so it is not
    throttled here; the password is still checked by the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(
            request, username=username, password=password, **kwargs
        )


class SignInView(auth_views.LoginView):
    """The sign-in form; a signed-in visitor goes straight to their home."""

    template_name = "web/sign_in.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("web:home")


def home(request: HttpRequest) -> HttpResponse:
    """Send a signed-in person to the home of their role."""
    if not request.user.is_authenticated:
        return redirect("web:sign-in")
    where = home_of(request.user)
    if where == HOME_CONSOLE:
        return redirect("web:console")
    if where == HOME_PORTAL:
        return redirect("web:portal")
    # A user with no role in the platform (no person, not an administrator)
    # has nothing to see; signing out avoids a redirect loop.
    logger.warning("user=%s signed in without a role", request.user.pk)
    return redirect("web:no-role")


def no_role(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import render

    return render(request, "web/no_role.html", status=403)
