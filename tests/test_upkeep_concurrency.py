"""Two saves at once: the row lock in the use case makes the second see the first's version and conflict."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from assetmap.accounts.auth import SessionUser
from assetmap.accounts.store import create_user
from assetmap.db import session
from assetmap.directory import access, store
from assetmap.directory.records import parse_record
from assetmap.errors import Conflict
from tests.factories import asset_fields


@pytest.mark.commits
def test_a_save_waits_for_the_row_lock_and_then_conflicts(app):
    with app.app_context():
        user = create_user("lock-test-admin@example.org", "admin", "correct horse battery")
        rec = parse_record(asset_fields(name="Locked asset"), store.vocabulary(), store.known_wards())
        sid = store.create_asset(rec, actor_id=user.id).id
        uid = user.id
        session.commit()
        admin = SessionUser(user)
    outcome = {}

    def second_editor():
        from assetmap.upkeep.usecases.assets import edit_asset

        with app.app_context():
            started = time.perf_counter()
            try:
                edit_asset(admin, sid, {"name": "Second editor"}, expected_version=1)
                outcome["result"] = "saved"
            except Conflict as exc:
                outcome["result"] = "conflict"
                outcome["current_version"] = exc.extra["current_version"]
            outcome["waited"] = time.perf_counter() - started
            session.remove()

    try:
        with app.app_context():
            first = access.editable_service(admin, sid, lock=True)  # first editor holds the lock …
            worker = threading.Thread(target=second_editor)
            worker.start()
            time.sleep(0.6)
            assert worker.is_alive(), "the second save must wait for the first"
            rec1 = parse_record(
                {**store.as_input(store.service_snapshot(first)), "name": "First editor"},
                store.vocabulary(),
                store.known_wards(),
            )
            store.update_asset(first, rec1, actor_id=uid, expected_version=1)
            session.commit()  # … and saves version 2
            worker.join(15)
            assert not worker.is_alive()
            assert outcome["result"] == "conflict" and outcome["current_version"] == 2
            assert outcome["waited"] >= 0.5
            session.expire_all()
            assert store.history(sid)[0].version == 2
            assert session.get(type(first), sid).name == "First editor"
    finally:
        with app.app_context():
            locs = (
                session.execute(text("SELECT location_id FROM service_at_location WHERE service_id = :s"), {"s": sid})
                .scalars()
                .all()
            )
            session.execute(text("DELETE FROM service WHERE id = :s"), {"s": sid})
            if locs:
                session.execute(text("DELETE FROM location WHERE id = ANY(:l)"), {"l": list(locs)})
            session.execute(text("DELETE FROM app_user WHERE id = :u"), {"u": uid})
            session.commit()
