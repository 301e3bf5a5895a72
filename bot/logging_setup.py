"""Structured logging: one JSON object per line, ids and counts only, never message text.

Call sites pass facts in ``extra=``; this formatter writes them as fields. Keys that could carry
personal data (text, names, addresses) are dropped here as a second line of defence.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime",
                                                                         "taskName"}
_FORBIDDEN = {"text", "body", "content", "display_name", "name_of", "email", "address", "phone"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_") or key in _FORBIDDEN:
                continue
            data[key] = value if isinstance(value, (int, float, bool, type(None))) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            data["error"] = record.exc_info[0].__name__
            data["trace"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(level: int = logging.INFO, stream=None) -> None:  # type: ignore[no-untyped-def]
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic", "telegram", "nio", "aiosmtplib"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
