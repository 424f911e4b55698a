"""Files a unit attached to its answers, handed back as downloads."""

from __future__ import annotations

from django.http import FileResponse

from offsite.supervision import services as supervision
from offsite.supervision.models import EvidenceFile


def evidence(found: EvidenceFile) -> FileResponse:
    """Return an evidence file under the name the unit gave it.

    Always an attachment: a file a unit uploaded is never shown as a page
    of the platform.
    """
    return FileResponse(
        supervision.open_evidence(found),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type or "application/octet-stream",
    )
