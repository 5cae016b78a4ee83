"""The service's own tidying: rows kept only for a while are deleted when their time is up, by the job
runner rather than a few at a time by later requests (which never came on a quiet night).

Registered by this room (``accounts.init_app``) because most of what it forgets is this room's: sign-in
counts (``throttle``); the one-time form receipts it also forgets are the core's (``assetmap.once``).
"""

from __future__ import annotations

import datetime as dt

from .. import once
from ..db import transaction
from ..jobs import job
from . import throttle


@job("forget-expired", every="1h")
def forget_expired(now: dt.datetime) -> str:
    """Delete submission receipts older than a day and sign-in counts whose window and cooling-off are over."""
    receipts = counts = 0
    while True:
        with transaction():
            r = once.forget_expired(now)
            c = throttle.forget_expired(now)
        receipts, counts = receipts + r, counts + c
        if r < once.FORGET_BATCH and c < throttle.FORGET_BATCH:
            break
    return f"{receipts} receipts, {counts} sign-in counts deleted"
