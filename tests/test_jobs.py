"""Scheduled work (assetmap/jobs): the registry, a runner that runs nothing twice (twice in a row or twice at
once), failures recorded and retried, the first jobs (mail delivery, tidying), the commands, and the loop
`make run` starts beside gunicorn."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, select, text

from assetmap.jobs import JOBS, job, parse_every, runner
from assetmap.models import ScheduledJob

LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)


@pytest.fixture
def temp_job():
    """Register jobs for one test and take them out of the registry afterwards."""
    names = []

    def register(name, every, fn):
        names.append(name)
        return job(name, every=every)(fn)

    yield register
    for name in names:
        JOBS.pop(name, None)


def record(db, name) -> ScheduledJob:
    return db.execute(
        select(ScheduledJob).where(ScheduledJob.name == name).execution_options(populate_existing=True)
    ).scalar_one()


@pytest.mark.parametrize(
    "every, seconds",
    [("30s", 30), ("5m", 300), ("1h", 3600), ("1d", 86400), ("2w", 1209600), (dt.timedelta(minutes=2), 120)],
)
def test_every_reads_seconds_minutes_hours_days_and_weeks(every, seconds):
    assert parse_every(every).total_seconds() == seconds


@pytest.mark.parametrize("every", ["", "1", "1y", "-1d", "0s", "1.5h", "every day", None])
def test_a_bad_interval_is_refused(every):
    with pytest.raises(ValueError):
        parse_every(every)


def test_two_different_jobs_cannot_share_a_name(temp_job):
    temp_job("test-twice", "1h", lambda now: "a")
    with pytest.raises(ValueError, match="two jobs are called"):
        job("test-twice", every="1h")(lambda now: "b")
    with pytest.raises(ValueError, match="lower case"):
        job("Bad Name", every="1h")


def test_the_first_jobs_are_registered():
    assert {"deliver-mail", "mail-retention", "forget-expired"} <= set(JOBS)
    assert JOBS["deliver-mail"].every == dt.timedelta(minutes=1)


def test_a_due_job_runs_once_and_is_not_due_again_until_its_interval_has_passed(app_ctx, db, temp_job):
    calls = []
    temp_job("test-count", "1h", lambda now: calls.append(now) or f"call {len(calls)}")
    first = {o.name: o for o in runner.run_due(LATER)}
    assert first["test-count"].status == "ok" and first["test-count"].summary == "call 1"
    again = {o.name: o for o in runner.run_due(LATER)}  # the same command again: nothing twice
    assert again["test-count"].status == "not-due" and len(calls) == 1
    row = record(db, "test-count")
    assert (row.last_status, row.runs, row.last_summary) == ("ok", 1, "call 1")
    assert row.next_due_at == LATER + dt.timedelta(hours=1)
    runner.run_due(LATER + dt.timedelta(minutes=59))
    assert len(calls) == 1
    runner.run_due(LATER + dt.timedelta(hours=1))
    assert len(calls) == 2 and record(db, "test-count").next_due_at == LATER + dt.timedelta(hours=2)


def test_runs_missed_while_nothing_ran_are_skipped_not_caught_up(app_ctx, db, temp_job):
    calls = []
    temp_job("test-missed", "1h", lambda now: calls.append(now) and None)
    runner.run_due(LATER)
    runner.run_due(LATER + dt.timedelta(hours=5, minutes=10))
    assert len(calls) == 2
    assert record(db, "test-missed").next_due_at == LATER + dt.timedelta(hours=6, minutes=10)


def test_a_failing_job_is_rolled_back_recorded_by_class_and_retried_within_ten_minutes(app_ctx, db, temp_job):
    def broken(now):
        db.execute(text("INSERT INTO submission_receipt (key_hash, kind, redirect_to) VALUES ('job-test', 'x', '/')"))
        raise RuntimeError("organiser@example.org is not a value to log")

    temp_job("test-broken", "1d", broken)
    (outcome,) = runner.run_due(LATER, only="test-broken")
    assert outcome.status == "failed"
    row = record(db, "test-broken")
    assert (row.last_status, row.last_error) == ("failed", "RuntimeError")
    assert row.next_due_at == LATER + runner.RETRY_FAILED
    assert db.execute(text("SELECT count(*) FROM submission_receipt WHERE key_hash = 'job-test'")).scalar_one() == 0


def test_force_runs_a_job_that_is_not_due(app_ctx, db, temp_job):
    calls = []
    temp_job("test-force", "1d", lambda now: calls.append(1) and None)
    runner.run_due(LATER, only="test-force")
    runner.run_due(LATER, only="test-force", force=True)
    assert len(calls) == 2


def test_forget_expired_deletes_old_receipts_and_finished_sign_in_counts_only(app_ctx, db):
    db.execute(
        text(
            "INSERT INTO submission_receipt (key_hash, kind, redirect_to, created_at) VALUES "
            "('old-receipt', 'x', '/', now() - interval '25 hours'), ('new-receipt', 'x', '/', now())"
        )
    )
    db.execute(
        text(
            "INSERT INTO signin_throttle (key_hash, scope, window_start, failures, expires_at) VALUES "
            "('old-count', 'account', now() - interval '1 hour', 1, now() - interval '1 minute'), "
            "('new-count', 'account', now(), 1, now() + interval '15 minutes')"
        )
    )
    summary = JOBS["forget-expired"].fn(dt.datetime.now(dt.UTC))
    kept = (
        db.execute(
            text(
                "SELECT key_hash FROM submission_receipt WHERE key_hash IN ('old-receipt', 'new-receipt') "
                "UNION ALL SELECT key_hash FROM signin_throttle WHERE key_hash IN ('old-count', 'new-count')"
            )
        )
        .scalars()
        .all()
    )
    assert sorted(kept) == ["new-count", "new-receipt"]
    assert summary.endswith("sign-in counts deleted")


def test_deliver_mail_is_a_job_and_running_it_twice_sends_nothing_twice(app, app_ctx, db, tmp_path):
    from assetmap import mail
    from tests.mail_helpers import mail_config

    with mail_config(app, MAIL_OUTBOX_DIR=str(tmp_path), SMTP_URL="", NOTIFY_API_KEY=""):
        mail.queue_email("someone@example.org", "test_message")
        mail.queue_email("someone.else@example.org", "test_message")
        first = {o.name: o for o in runner.run_due(LATER, only="deliver-mail")}
        second = {o.name: o for o in runner.run_due(LATER + dt.timedelta(minutes=1), only="deliver-mail")}
    assert first["deliver-mail"].summary == "2 sent"
    assert second["deliver-mail"].summary == "nothing due"
    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_mail_retention_deletes_old_finished_rows_and_files(app, app_ctx, db, tmp_path):
    from assetmap import mail
    from assetmap.mail import delivery
    from tests.mail_helpers import mail_config

    with mail_config(app, MAIL_OUTBOX_DIR=str(tmp_path), SMTP_URL="", NOTIFY_API_KEY="", MAIL_KEEP_DAYS=90):
        old, new = mail.queue_email("a@example.org", "test_message"), mail.queue_email("b@example.org", "test_message")
        queued_old = mail.queue_email("c@example.org", "test_message", send_after=LATER + dt.timedelta(days=1))
        delivery.deliver_due(LATER)
        db.execute(
            text("UPDATE mail_outbox SET created_at = now() - interval '91 days' WHERE id IN (:a, :q)"),
            {"a": old, "q": queued_old},
        )
        files = sorted(tmp_path.glob("*.eml"))
        os.utime(files[0], (time.time() - 91 * 86400,) * 2)
        summary = JOBS["mail-retention"].fn(dt.datetime.now(dt.UTC))
    left = set(
        db.execute(
            text("SELECT id FROM mail_outbox WHERE id IN (:a, :b, :q)"), {"a": old, "b": new, "q": queued_old}
        ).scalars()
    )
    assert left == {new, queued_old}  # a queued message is never deleted, however old
    assert summary == "1 outbox rows, 1 .eml files deleted" and len(list(tmp_path.glob("*.eml"))) == 1


def test_jobs_list_and_run_due_commands(runner_cli, db, temp_job):
    temp_job("test-cli", "2h", lambda now: "did the thing")
    result = runner_cli.invoke(args=["jobs", "run-due", "--only", "test-cli"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("test-cli: ok, did the thing (")
    again = runner_cli.invoke(args=["jobs", "run-due", "--only", "test-cli"])
    assert "test-cli: not due until" in again.output
    listed = runner_cli.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0
    assert "test-cli           every 2 hours" in listed.output and "last ok at" in listed.output
    assert "deliver-mail       every minute" in listed.output
    bad = runner_cli.invoke(args=["jobs", "run-due", "--only", "no-such-job"])
    assert bad.exit_code != 0 and "No job called 'no-such-job'" in bad.output


def test_a_failing_job_makes_run_due_exit_non_zero_for_cron(runner_cli, db, temp_job):
    def broken(now):
        raise ValueError("x")

    temp_job("test-cli-broken", "1h", broken)
    result = runner_cli.invoke(args=["jobs", "run-due", "--only", "test-cli-broken"])
    assert result.exit_code == 1 and "test-cli-broken: FAILED" in result.output


@pytest.fixture
def runner_cli(runner):
    return runner


# --------------------------------------------------------------------------- at once, for real (committed)


@pytest.fixture
def committed(app, database_url):
    """For tests that commit: remove the schedule rows they leave, so later tests start with none."""
    yield
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM scheduled_job"))
    engine.dispose()


@pytest.mark.commits
def test_two_runners_at_once_run_a_job_once(app, committed, temp_job):
    calls = []
    started = threading.Barrier(2)

    def slow(now):
        calls.append(1)
        time.sleep(1.0)
        return "slow"

    temp_job("test-slow", "1h", slow)
    outcomes = []

    def run():
        with app.app_context():
            started.wait()
            outcomes.extend(runner.run_due(only="test-slow"))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(calls) == 1
    assert sorted(o.status for o in outcomes) in (["busy", "ok"], ["not-due", "ok"])


@pytest.mark.commits
def test_two_deliveries_at_once_send_each_message_once(app, committed, tmp_path, monkeypatch):
    from assetmap import mail
    from assetmap.db import session
    from assetmap.mail import delivery, transports
    from tests.mail_helpers import mail_config

    sends = []
    real_send = transports.OutboxTransport.send

    def slow_send(self, message):
        sends.append(message.id)
        time.sleep(0.05)  # long enough for the other runner to want the same row
        return real_send(self, message)

    monkeypatch.setattr(transports.OutboxTransport, "send", slow_send)
    with mail_config(app, MAIL_OUTBOX_DIR=str(tmp_path), SMTP_URL="", NOTIFY_API_KEY=""):
        with app.app_context():
            ids = [mail.queue_email(f"person{n}@example.org", "test_message", ref="test:concurrent") for n in range(20)]
            session.commit()
        reports = []

        def run():
            with app.app_context():
                reports.append(delivery.deliver_due())

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    try:
        assert sorted(sends) == sorted(str(i) for i in ids)  # each message once
        assert sum(r.outcomes["sent"] for r in reports) == 20
        assert all(r.outcomes["sent"] > 0 for r in reports)  # both really ran at once
        assert len(list(tmp_path.glob("*.eml"))) == 20
    finally:
        with app.app_context():
            session.execute(text("DELETE FROM mail_outbox WHERE ref = 'test:concurrent'"))
            session.commit()


@pytest.mark.commits
def test_the_loop_beside_gunicorn_runs_due_jobs_and_stops_with_it(app, committed, database_url, tmp_path):
    """`assetmap up` sets ASSETMAP_JOBS_LOOP; gunicorn's master starts the loop (on_starting) and stops it
    (on_exit). Here the hooks are called as gunicorn calls them, against the test database."""
    from assetmap import gunicorn_conf

    env = {
        "ASSETMAP_JOBS_LOOP": "1",
        "DATABASE_URL": database_url.replace("+psycopg", ""),
        "MAIL_OUTBOX_DIR": str(tmp_path),
        "SECRET_KEY": "test-secret-key",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        gunicorn_conf.on_starting(None)
        proc = gunicorn_conf._jobs["proc"]
        engine = create_engine(database_url)
        deadline = time.monotonic() + 60
        runs = 0
        while time.monotonic() < deadline and runs == 0:
            time.sleep(0.5)
            with engine.connect() as conn:
                runs = conn.execute(
                    text("SELECT coalesce(sum(runs), 0) FROM scheduled_job WHERE name = 'deliver-mail'")
                ).scalar_one()
        engine.dispose()
        assert runs >= 1 and proc.poll() is None
        gunicorn_conf.on_exit(None)
        assert proc.poll() is not None and "proc" not in gunicorn_conf._jobs
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        proc = gunicorn_conf._jobs.pop("proc", None)
        if proc is not None:
            proc.kill()


@pytest.mark.commits
def test_the_loop_ends_by_itself_when_its_parent_has_gone(app, committed, database_url, tmp_path):
    from assetmap import gunicorn_conf

    env = {
        **os.environ,
        "DATABASE_URL": database_url.replace("+psycopg", ""),
        "MAIL_OUTBOX_DIR": str(tmp_path),
        "SECRET_KEY": "test-secret-key",
    }
    # a parent pid that is not this process's parent: the loop sees its parent "gone" after its first run
    proc = subprocess.run(
        gunicorn_conf.jobs_command(1, 999999999), env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "running due jobs every 1 s" in proc.stdout and '"detail": "deliver-mail: nothing due"' in proc.stderr
    assert sys.executable == gunicorn_conf.jobs_command(1, 1)[0]


def test_docker_compose_runs_the_jobs_as_their_own_service_with_the_apps_settings():
    import yaml

    from assetmap.config import PROJECT_ROOT

    services = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    jobs = services["jobs"]
    assert jobs["entrypoint"][:3] == ["assetmap", "jobs", "run-due"] and "--loop" in jobs["entrypoint"]
    assert jobs["depends_on"] == {"app": {"condition": "service_healthy"}}
    assert jobs["environment"] == {k: v for k, v in services["app"]["environment"].items() if k in jobs["environment"]}
    assert {"DATABASE_URL", "SECRET_KEY", "SMTP_URL", "NOTIFY_API_KEY", "PUBLIC_URL"} <= set(jobs["environment"])
