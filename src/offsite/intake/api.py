"""HTTP intake: batches of canonical observations from providers."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["intake"])
