"""Log records as JSON lines.

Every value is written as a JSON string, so text that came from a client (an unknown field's name,
an order number, a path) cannot end the line or carry a terminal escape: a newline is written as
`\\n`, an ESC as `\\u001b`. A record logged while a request is answered carries its request id.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

from oms.observe.context import current

# The attribute of a LogRecord holding the request log line's fields (see requests.py).
FIELDS = "oms_fields"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if fields:
            line.update(fields)
        elif (request := current()) is not None:
            line["request_id"] = request.request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: a value of an unexpected type is written as text rather than lost.
        return orjson.dumps(line, default=str).decode()
