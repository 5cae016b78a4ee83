"""Reproduce (or rule out) the Python 3.11 heap corruption that ``assetmap/opendata/gcguard.py`` works around.

    .venv/bin/python bench/gc_crash.py [--requests 600] [--no-guard] [--python PATH/TO/VENV/bin/python]

Starts gunicorn (4 sync workers, ``--preload``) on loopback against the demo database, with the
given interpreter, and asks for ``/oruk/services?per_page=200&full=true`` from 4 client threads
a fixed number of times; then prints how many requests failed and how many workers died
(gunicorn's log says "SIGSEGV"). ``--no-guard`` disables the guard inside the workers (a
``post_fork`` hook swaps the module's ``gc`` for one whose ``disable`` does nothing), without
changing any file. Stops by itself.

Seen on 2026-11-22 (600 requests each unless said): 3.11.7 with --no-guard 50 SIGSEGVs; 3.11.7
with the guard 0; 3.12.1 with --no-guard 0 in 1,800.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GUNICORN_CONF = """
import os
workers = 4
threads = 1
timeout = 120
def post_fork(server, worker):
    if os.environ.get("ASSETMAP_BENCH_NO_GUARD") == "1":
        import gc, types
        import assetmap.opendata.gcguard as g
        g.gc = types.SimpleNamespace(isenabled=gc.isenabled, disable=lambda: None, enable=gc.enable,
                                     collect=gc.collect)
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--no-guard", action="store_true")
    ap.add_argument("--python", default=str(ROOT / ".venv/bin/python"))
    ap.add_argument("--port", type=int, default=5301)
    ap.add_argument(
        "--path",
        default="/oruk/services?page={page}&per_page=200&full=true",
        help="what to ask for; {page} cycles 1-4, {id} cycles over the asset ids",
    )
    args = ap.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "gunicorn_conf.py"
        conf.write_text(GUNICORN_CONF)
        log_path = Path(tmp) / "gunicorn.log"
        env = {**os.environ, "ASSETMAP_BENCH_NO_GUARD": "1" if args.no_guard else "0", "PYTHONPATH": str(ROOT)}
        with log_path.open("w") as log:
            server = subprocess.Popen(
                [
                    args.python,
                    "-m",
                    "gunicorn",
                    "-c",
                    str(conf),
                    "--bind",
                    f"127.0.0.1:{args.port}",
                    "--preload",
                    "assetmap.wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                for _ in range(120):
                    try:
                        urllib.request.urlopen(url + "/healthz", timeout=2)
                        break
                    except OSError:
                        time.sleep(1)
                failures, done, lock = [], [0], threading.Lock()
                ids = []
                if "{id}" in args.path:
                    import json

                    for page in (1, 2, 3, 4):
                        body = urllib.request.urlopen(f"{url}/oruk/services?page={page}&per_page=200", timeout=60)
                        ids += [s["id"] for s in json.load(body)["contents"]]

                def client(k: int) -> None:
                    for i in range(args.requests // 4):
                        n = i * 4 + k
                        path = args.path.format(page=1 + n % 4, id=ids[n % len(ids)] if ids else "")
                        try:
                            urllib.request.urlopen(url + path, timeout=60).read()
                        except OSError as exc:
                            with lock:
                                failures.append(repr(exc)[:80])
                        with lock:
                            done[0] += 1

                started = time.time()
                threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.time() - started
            finally:
                server.terminate()
                server.wait(timeout=30)
        text = log_path.read_text()
    version = subprocess.run(
        [args.python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"{args.path}: Python {version}, guard {'off' if args.no_guard else 'on (where installed)'}: {done[0]} requests in "
        f"{elapsed:.0f} s, {len(failures)} failed, {len(re.findall('SIGSEGV', text))} worker SIGSEGVs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
