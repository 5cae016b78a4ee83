"""gunicorn settings used by `assetmap serve` and the Docker image.

The app is imported once in the master (--preload) and forked, so workers start fast; each worker
then drops any database connections inherited from the master.

With ``ASSETMAP_JOBS_LOOP=SECONDS`` (set by ``assetmap up``, so by ``make run``) the master also starts
``assetmap jobs run-due --loop SECONDS`` beside the workers and stops it when gunicorn stops; the loop also
ends by itself if the master dies without stopping it. Docker runs the loop as its own service instead.
"""

import os
import subprocess
import sys

preload_app = True

_jobs: dict = {}


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    from assetmap import db

    for engine in db._engines.values():
        engine.dispose(close=False)


def jobs_command(seconds: int, parent_pid: int) -> list:
    return [
        sys.executable,
        "-c",
        "from assetmap.cli import main; main()",
        "jobs",
        "run-due",
        "--loop",
        str(seconds),
        "--parent-pid",
        str(parent_pid),
    ]


def on_starting(server):  # noqa: ARG001
    seconds = os.environ.get("ASSETMAP_JOBS_LOOP", "")
    if seconds.isdigit() and int(seconds) > 0 and "proc" not in _jobs:
        _jobs["proc"] = subprocess.Popen(jobs_command(int(seconds), os.getpid()))


def on_exit(server):  # noqa: ARG001
    proc = _jobs.pop("proc", None)
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)  # a delivery in progress finishes first
        except subprocess.TimeoutExpired:
            proc.kill()
