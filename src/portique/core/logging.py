"""Log lines as JSON objects, one per line, for log collectors (PORTIQUE_LOG_FORMAT=json),
and the filter that gives every line, JSON or text, its request id: the same id as the
X-Request-ID header and the reference on error pages.
"""

import json
import logging
from datetime import UTC, datetime

from portique.core.middleware import RequestIdLogFilter


class RequestIdFilter(RequestIdLogFilter):
    """Add `request_id` to every log record, including the ones written after the
    middleware has returned."""

    def filter(self, record: logging.LogRecord) -> bool:
        super().filter(record)
        # Django logs a 4xx or 5xx response ("Not Found: /x") once the middleware chain has
        # returned, outside the request's context: the id is then on the request the record
        # carries.
        if getattr(record, "request_id", "-") == "-":
            request_id = getattr(getattr(record, "request", None), "request_id", None)
            if isinstance(request_id, str):
                record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as {"time", "level", "logger", "message", "request_id"}, plus
    "status_code" and "exception" when the record has them."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        # Django's request loggers add the response's status (and the request object, which
        # is left out: it is not data, and its repr would carry the whole path).
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int):
            entry["status_code"] = status_code
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
