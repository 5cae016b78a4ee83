"""Structured logs: one JSON object per line, with a request id.

Never logs query strings, form bodies or postcodes: request lines carry the path only, and the
``redact`` filter scrubs anything that looks like a UK postcode from every message as a second guard.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import g, request
from pythonjsonlogger.json import JsonFormatter

POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)


def redact(text: str) -> str:
    return POSTCODE_RE.sub("[postcode]", text)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        clean = redact(msg)
        if clean != msg:
            record.msg, record.args = clean, ()
        for key in ("path", "detail"):
            if isinstance(getattr(record, key, None), str):
                setattr(record, key, redact(getattr(record, key)))
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:
            record.request_id = "-"
        return True


def configure_logging(level: int = logging.INFO, stream=None) -> logging.Handler:
    """Install the JSON handler on the ``assetmap`` logger (idempotent)."""
    logger = logging.getLogger("assetmap")
    for h in list(logger.handlers):
        if getattr(h, "_assetmap", False):
            logger.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._assetmap = True
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = True
    return handler


access_log = logging.getLogger("assetmap.access")


def init_app(app) -> None:
    configure_logging()

    @app.before_request
    def _start():
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _log(resp):
        resp.headers["X-Request-Id"] = g.get("request_id", "")
        # the path only: query strings can carry a postcode and are never logged
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": resp.status_code,
                "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
            },
        )
        return resp
