"""Submit once: a form sent twice (a reload, back and submit again, a replayed request) records once.

Why: confirmation pages were rendered straight from the POST, so reloading one sent it again - one
intended connection became three, a suggestion doubled the admin queue. Every form that records
something now carries a one-time token (``form_token``, new on each page load) and ``POST /api/assets``
accepts an ``Idempotency-Key`` header.

The first request to use a token claims it *in the same transaction* as what it records: it inserts a
``submission_receipt`` row holding only an HMAC of the token (keyed by SECRET_KEY, with the kind and the
signed-in user, so one person's token means nothing for another), the kind, the time and where to send
the person; the record commits with the claim or rolls back with it, so a refused form can be corrected
and sent again. A later request with the same token finds the row and is sent there with "You have
already ...". Two at once (a double click, two gunicorn workers) cannot both record: the second
``INSERT ... ON CONFLICT DO NOTHING`` waits on the primary key until the first commits, then finds it.
Receipts are kept for ``KEEP_HOURS`` and deleted a few at a time by later claims and, every hour, by the
``forget-expired`` job (``assetmap/accounts/jobs.py``).

The back button usually fetches the form again (a page whose request changed the session cookie is
not kept by the browser), so the form comes back with a *new* token. For the forms where sending the
same answers twice can only be a mistake (``recall=True``: suggestions, problem reports, "still
accurate", a new asset), the session also remembers for ``RECALL_MINUTES`` an HMAC of what each sent
(its path and fields, without the tokens) and where its result is: the same form with the same answers,
whatever its token, is then recognised too. (Connections, where the same answer twice may be two
people, ask first instead: ``practitioners/views.py``.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import time

from flask import current_app, flash, redirect, request
from flask import session as cookie_session
from flask_login import current_user
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from .db import session, transaction
from .errors import AppError, Conflict
from .models import SubmissionReceipt

FIELD = "form_token"
HEADER = "Idempotency-Key"
KEEP_HOURS = 24
RECALL_MINUTES = 15
_RECALL_KEY = "am_sent"
_RECALL_MAX = 10
FORGET_BATCH = 200
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_API_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, as clients send UUIDs or ULIDs

#: what a person who sends a form again is told, by kind
MESSAGES = {
    "connection": "You have already recorded this connection.",
    "unmet-need": "You have already recorded that nothing suitable was found for this search.",
    "follow-up": "You have already recorded this follow-up.",
    "suggestion": "You have already sent this suggestion. Thank you.",
    "problem-report": "You have already sent this report. Thank you.",
    "verification": "You have already recorded this check.",
    "import": "You have already applied this import.",
    "asset": "You have already added this asset.",
    "asset-edit": "You have already saved these changes.",
    "archive": "You have already archived this asset.",
    "unarchive": "You have already restored this asset from the archive.",
    "restore-version": "You have already restored this version.",
    "suggestion-resolve": "You have already dealt with this suggestion.",
    "user": "You have already created this account and sent its invitation.",
    "api-token": "You have already created this token. It was shown once: if you did not copy it, revoke it "
    "and create another.",
    "term": "You have already added this term.",
    "term-merge": "You have already moved these assets and removed the term.",
    "term-remove": "You have already removed this term.",
    "proposal": "You have already dealt with this proposed update.",
    "organiser-link": "You have already sent the organiser a link.",
    "cadence": "You have already saved this cadence.",
    "invite": "You have already sent this invitation.",
    "password-link": "You have already sent a link to set a new password.",
    "area-set": "You have already uploaded this set of areas.",
    "area-set-remove": "You have already removed this set of areas.",
    "merge": "You have already merged these listings.",
    "not-duplicates": "You have already said these two are different listings.",
    "sheet-send": "You have already sent this sheet. It was not sent again.",
    "api-asset": "This Idempotency-Key has already been used; this is the asset it created.",
}


class Repeated(AppError):
    """The token was used before: send the person to ``url`` and tell them so."""

    status = 303
    title = "Already done"

    def __init__(self, kind: str, url: str):
        super().__init__(MESSAGES[kind])
        self.kind, self.url = kind, url


class StaleForm(AppError):
    status = 400
    title = "This form is out of date"


class KeyReused(AppError):
    status = 422
    title = "Idempotency-Key used for another request"


def new_token() -> str:
    """A fresh one-time token for a form (templates: ``{{ form_token() }}``)."""
    return secrets.token_urlsafe(18)


def _secret() -> bytes:
    return hashlib.sha256(b"assetmap-submit-once|" + current_app.config["SECRET_KEY"].encode()).digest()


def _hmac(text: str) -> str:
    return hmac.new(_secret(), text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _key(kind: str, token: str) -> str:
    who = str(current_user.id) if current_user.is_authenticated else "-"
    return _hmac(f"{kind}|{who}|{token}")


def body_hash(body) -> str:
    """An HMAC of a JSON body in canonical form (key order and spacing do not matter)."""
    return _hmac(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True))


def checked_token(token, api: bool = False) -> str:
    """The token or key as sent; StaleForm (forms) or a 400 (API) if it is missing or malformed."""
    if isinstance(token, str) and (_API_KEY if api else _TOKEN).fullmatch(token):
        return token
    if api:
        raise AppError(f"{HEADER} must be 1 to 255 printable ASCII characters", field=HEADER)
    raise StaleForm("This form is out of date. Go back, reload the page and try again.")


class Claim:
    """The claimed token: ``send_to(url)`` says where a repeat of this request should be sent."""

    def __init__(self, url: str):
        self.url = url

    def send_to(self, url: str) -> None:
        self.url = url


def forget_expired(now: dt.datetime | None = None) -> int:
    """Delete up to FORGET_BATCH receipts older than KEEP_HOURS (claims do a few; the job runner the rest)."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(hours=KEEP_HOURS)
    old = (
        select(SubmissionReceipt.key_hash)
        .where(SubmissionReceipt.created_at < cutoff)
        .limit(FORGET_BATCH)
        .with_for_update(skip_locked=True)
    )
    return session.execute(
        delete(SubmissionReceipt).where(SubmissionReceipt.key_hash.in_(old.scalar_subquery()))
    ).rowcount


def _fingerprint(kind: str) -> str:
    """An HMAC of what this form sent: its path and fields, without the one-time and CSRF tokens."""
    fields = sorted((k, v) for k, values in request.form.lists() if k not in (FIELD, "csrf_token") for v in values)
    return _key(kind, json.dumps([request.path, fields], ensure_ascii=True))[:32]


def _recent(kept) -> dict:
    now = time.time()
    return {
        k: v
        for k, v in (kept.items() if isinstance(kept, dict) else [])
        if isinstance(v, list) and len(v) == 2 and isinstance(v[1], (int, float)) and now - v[1] < RECALL_MINUTES * 60
    }


def _remember(fingerprint: str, url: str) -> None:
    kept = _recent(cookie_session.get(_RECALL_KEY))
    kept[fingerprint] = [url, time.time()]
    cookie_session[_RECALL_KEY] = dict(sorted(kept.items(), key=lambda kv: kv[1][1])[-_RECALL_MAX:])


@contextlib.contextmanager
def once(kind: str, token, fallback: str, body=None, api: bool = False, recall: bool = False):
    """Claim ``token`` for ``kind`` before recording; Repeated if it was used before.

    The block records (its use case commits the claim with the record); ``claim.send_to(url)`` names the
    result page for a repeat, else ``fallback``. An exception rolls the claim back with the record.
    ``body`` (API) is remembered as a hash: the same key with another body is KeyReused (422).
    ``recall`` also recognises the same answers sent again from a fresh copy of the form (see above).
    """
    fingerprint = _fingerprint(kind) if recall else None
    seen = _recent(cookie_session.get(_RECALL_KEY)).get(fingerprint) if fingerprint else None
    if seen is not None:
        raise Repeated(kind, str(seen[0]))
    key = _key(kind, checked_token(token, api))
    digest = body_hash(body) if body is not None else None
    with transaction():  # the claim commits with what the block records, or rolls back with it
        forget_expired()
        won = session.execute(
            insert(SubmissionReceipt)
            .values(key_hash=key, kind=kind, redirect_to=fallback, body_hash=digest)
            .on_conflict_do_nothing(index_elements=["key_hash"])
            .returning(SubmissionReceipt.key_hash)
        ).first()
        if won is None:
            row = session.execute(
                select(SubmissionReceipt.redirect_to, SubmissionReceipt.body_hash).where(
                    SubmissionReceipt.key_hash == key
                )
            ).first()
            if row is not None and digest is not None and row.body_hash != digest:
                raise KeyReused(
                    f"This {HEADER} was already used with a different request body. Send a new key for a new request.",
                    field=HEADER,
                )
            raise Repeated(kind, row.redirect_to if row is not None else fallback)
        claim = Claim(fallback)
        yield claim
        if claim.url != fallback:
            session.execute(
                update(SubmissionReceipt).where(SubmissionReceipt.key_hash == key).values(redirect_to=claim.url[:500])
            )
    if fingerprint is not None:
        _remember(fingerprint, claim.url)


def in_progress() -> Conflict:
    """For an API repeat that arrived while the first request was still finishing."""
    return Conflict(f"A request with this {HEADER} is still being processed. Try again in a moment.", field=HEADER)


def init_app(app) -> None:
    app.jinja_env.globals["form_token"] = new_token

    @app.errorhandler(Repeated)
    def _repeated(err: Repeated):
        flash(err.message, "important")
        return redirect(err.url, code=303)
