"""The HTTP API under /api/v1/: one NinjaAPI, each part adds its router."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

api = NinjaAPI(
    title="Offsite API",
    version="1",
    description=(
        "Open data interfaces of the off-site fire supervision platform (IM-4, "
        "IM-21). Providers send data with an API key scoped to the units they "
        "serve; people act with their session or their own API key, within "
        "their role and scope."
    ),
    urls_namespace="api-v1",
)

# What each part of the API takes, said when a credential is missing or fails.
PROVIDER_PATHS = ("/api/v1/observations",)
RECEIPT_PATHS = ("/api/v1/delivery/receipts",)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    if request.path.startswith(PROVIDER_PATHS):
        detail = "X-API-Key: send a live API key of a provider"
    elif request.path.startswith(RECEIPT_PATHS):
        detail = "X-Delivery-Secret: send the webhook gateways' shared secret"
    else:
        detail = (
            "sign in, or send a person's live API key in X-API-Key "
            "(a provider's key only sends data)"
        )
    return api.create_response(request, {"detail": detail}, status=401)


def _mount() -> None:
    from offsite.delivery.api import router as delivery_router
    from offsite.intake.api import router as intake_router
    from offsite.oversight.api import router as oversight_router
    from offsite.supervision.api import router as supervision_router

    api.add_router("/", intake_router)
    api.add_router("/", delivery_router)
    api.add_router("/", supervision_router)
    api.add_router("/", oversight_router)


_mount()
