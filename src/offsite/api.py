"""The HTTP API under /api/v1/: one NinjaAPI, each part adds its router."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from offsite.registry.apiauth import unauthorized_detail

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


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    detail = unauthorized_detail(request.path)
    return api.create_response(request, {"detail": detail}, status=401)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = f"body: over {limit} bytes of JSON or form data"
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(TooManyFilesSent)
def _too_many_files(request: HttpRequest, error: TooManyFilesSent) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    detail = f"files: at most {limit} files in one request"
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(TooManyFieldsSent)
def _too_many_fields(request: HttpRequest, error: TooManyFieldsSent) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    detail = f"body: at most {limit} form fields in one request"
    return api.create_response(request, {"detail": detail}, status=413)


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
