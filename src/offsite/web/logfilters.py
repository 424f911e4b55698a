"""Log filters for the web server's own log."""

from __future__ import annotations

import logging


class RefusalWithoutTrace(logging.Filter):
    """Keep the one line of a 403 answer and drop its traceback.

    A signed-in user opening a page of another role is refused on purpose;
    the line "Forbidden (Permission denied): /console/" says all there is.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
