"""The upkeep room's scheduled work: reminders to organisers on their council's cadence, and the
coordinators' daily digest (registered with the job runner when the room is put together)."""

from __future__ import annotations

import datetime as dt

from ..jobs import job
from . import digest, reminders


@job("organiser-reminders", every="1h")
def organiser_reminders(now: dt.datetime) -> str:
    """Email organisers whose listing's check is due (11, 12, 13 months); mark listings gone unconfirmed."""
    return reminders.run(now)


@job("coordinator-digest", every="1d")
def coordinator_digest(now: dt.datetime) -> str:
    """Email each coordinator what came in for their wards since their last digest."""
    return digest.send_digests(now)
