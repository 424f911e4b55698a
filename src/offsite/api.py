"""The HTTP API under /api/v1/: one NinjaAPI, each part adds its router."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Offsite API",
    version="1",
    description=(
        "Open data interfaces of the off-site fire supervision platform (IM-4, "
        "IM-21). Providers authenticate with an API key scoped to the units "
        "they serve."
    ),
    urls_namespace="api-v1",
)


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
