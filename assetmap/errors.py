"""Domain errors carry their HTTP status and a message a person understands.

One handler renders them as a GOV.UK-style error page, or as JSON for API requests.
A user never sees a stack trace.
"""

from __future__ import annotations

import logging

from flask import current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("assetmap.errors")


class AppError(Exception):
    """Base for errors a user should see. ``field`` names the input at fault, if any."""

    status = 400
    title = "There is a problem"

    def __init__(self, message: str, field: str | None = None, status: int | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
        self.extra = extra or {}


class ValidationError(AppError):
    status = 400


class NotFound(AppError):
    status = 404
    title = "Page not found"


class Forbidden(AppError):
    status = 403
    title = "You do not have permission to do that"


class Conflict(AppError):
    status = 409
    title = "Someone else changed this"


class Merged(AppError):
    """The listing was merged into another. Reading its address (a page, the API, the ORUK API) is sent to the
    survivor's (301, by the handler below); anything else is refused with where it went."""

    status = 409
    title = "This listing was merged into another"

    def __init__(self, merged_id, survivor_id, survivor_name: str):
        super().__init__(
            f"This listing was merged into “{survivor_name}”. Go to that listing instead.",
            extra={"merged_into": str(survivor_id)},
        )
        self.merged_id, self.survivor_id = merged_id, survivor_id


class TooLarge(AppError):
    status = 413
    title = "The file is too large"


class ServiceUnavailable(AppError):
    status = 503
    title = "Sorry, the service is unavailable"


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/oruk", "/ogc")) or request.path in ("/openapi.json", "/healthz"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


OGC_CODES = {400: "InvalidParameterValue", 404: "NotFound", 405: "InvalidParameterValue", 503: "ServerError"}


def render_error(status: int, title: str, message: str, field: str | None = None, extra: dict | None = None):
    if wants_json():
        body = {"error": message}
        if field:
            body["field"] = field
        body.update(extra or {})
        if request.path == "/ogc" or request.path.startswith("/ogc/"):
            # OGC API - Features' exception shape (as pygeoapi answers), beside ours
            body.update(code=OGC_CODES.get(status, "NoApplicableCode"), description=message)
        resp = jsonify(body)
        resp.status_code = status
        return resp
    return render_template("error.html", status=status, title=title, message=message), status


HTTP_MESSAGES = {
    400: (
        "There is a problem with your request",
        "The request could not be understood. Check what you entered and try again.",
    ),
    401: ("Sign in to continue", "You need to sign in to do that."),
    403: (
        "You do not have permission to do that",
        "Your account cannot do this. If you think it should, ask an administrator.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address.",
    ),
    405: ("That action is not allowed here", "This page does not accept that kind of request."),
    409: ("Someone else changed this", "Your change conflicts with a newer change."),
    413: ("The file is too large", "The upload is larger than this service accepts. Split it into smaller files."),
    415: ("Unsupported format", "Send the data as JSON with Content-Type: application/json."),
    429: ("Too many attempts", "You have tried too many times. Wait a minute and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered has been saved."),
    503: (
        "Sorry, the service is unavailable",
        "The database is not answering just now. Try again in a few minutes. Nothing you entered has been saved.",
    ),
}


def _moved_to(err: Merged) -> str | None:
    """The address asked for, with the merged listing's id replaced by the survivor's (None if it holds none)."""
    if request.method not in ("GET", "HEAD") or not request.endpoint or not request.view_args:
        return None
    args = dict(request.view_args)
    keys = [k for k, v in args.items() if str(v) == str(err.merged_id)]
    if not keys:
        return None
    args.update(dict.fromkeys(keys, err.survivor_id))
    query = request.query_string.decode("ascii", "replace")
    return url_for(request.endpoint, **args) + (f"?{query}" if query else "")


def init_app(app) -> None:
    @app.errorhandler(Merged)
    def _merged(err: Merged):
        target = _moved_to(err)
        if target is not None:
            return redirect(target, 301)
        return render_error(err.status, err.title, err.message, err.field, err.extra)

    @app.errorhandler(AppError)
    def _app_error(err: AppError):
        return render_error(err.status, err.title, err.message, err.field, err.extra)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        title, message = HTTP_MESSAGES.get(err.code or 500, (err.name, err.description or ""))
        if err.code == 400 and err.description and "CSRF" in err.description:
            message = "The form had expired or was not sent from this service. Go back, reload the page and try again."
        resp = render_error(err.code or 500, title, message)
        return resp

    @app.errorhandler(IntegrityError)
    @app.errorhandler(DataError)
    def _db_rejected(err):
        from .db import session

        session.rollback()
        # the database's own guards (CHECK, FK, types) refused the data: nothing was written
        log.info("database rejected input: %s", type(getattr(err, "orig", err)).__name__)
        return render_error(
            400,
            "There is a problem",
            "That could not be saved because some of the information is not valid. Nothing was changed.",
        )

    @app.errorhandler(OperationalError)
    def _db_error(err):
        from .db import session

        session.rollback()
        # statement timeouts and lost connections are the database being unavailable, not a bug
        log.warning("database unavailable: %s", type(getattr(err, "orig", err)).__name__)
        title, message = HTTP_MESSAGES[503]
        resp = render_error(503, title, message)
        if isinstance(resp, tuple):
            body, status = resp
            return body, status, {"Retry-After": "30"}
        resp.headers["Retry-After"] = "30"
        return resp

    @app.errorhandler(Exception)
    def _unexpected(err):
        if isinstance(err, HTTPException):
            return _http_error(err)
        log.exception("unhandled error")
        if current_app.config.get("TESTING") and current_app.config.get("PROPAGATE_UNHANDLED", False):
            raise err
        title, message = HTTP_MESSAGES[500]
        return render_error(500, title, message)
