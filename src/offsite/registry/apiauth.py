"""How a person is recognised on the API: their session or their own key."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyHeader, django_auth

from offsite.registry import queries


class PersonKey(APIKeyHeader):
    """A person's API key in the `X-API-Key` header.

    The request then acts as that person, with the same role and scope as
    their sign-in; a provider's key is not accepted.
    """

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key:
            return None
        person = queries.authenticate_person_key(key)
        if person is None:
            return None
        request.user = person.user
        return person.user


# A person's key, else a session (with its CSRF token on writes). The key
# comes first: the session check refuses a write without a CSRF token
# outright, which would turn away a key that needs none (a header a page
# of another site cannot send).
SIGNED_IN = [PersonKey(), django_auth]


# What each part of the API takes, said when a credential is missing or fails.
PROVIDER_PATHS = ("/api/v1/observations",)
RECEIPT_PATHS = ("/api/v1/delivery/receipts",)


def unauthorized_detail(path: str) -> str:
    """Say what credential the part of the API at `path` takes."""
    if path.startswith(PROVIDER_PATHS):
        return "X-API-Key: send a live API key of a provider"
    if path.startswith(RECEIPT_PATHS):
        return "X-Delivery-Secret: send the webhook gateways' shared secret"
    return (
        "sign in, or send a person's live API key in X-API-Key "
        "(a provider's key only sends data)"
    )
