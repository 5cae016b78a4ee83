"""Two versions of the code, the same searches, taken in turns: what a change saves a search, with this machine's
drift falling on both.

    .venv/bin/python bench/ab.py --url postgresql+psycopg://…/assetmap_bench_1m --a /path/to/main --b . [--rounds 3]

``--a`` and ``--b`` are checkouts of this repository (a git worktree of main beside the branch). Each runs in a
process of its own, built as the app is built (``create_app``, ``freeze_heap``), with one client in-process
(Flask's test client, no HTTP), on the same database. The workload is ``bench/search.py``'s 420 searches banded
by the places in their circle. Every search is asked of both in turn, the order swapped each time, so that a
minute in which the machine is slower costs both the same: on this 2-core shared machine, whole runs of the same
code one after the other moved by 5-15% (``bench/README.md``), more than most changes save. Per search it
records the wall time, the worker's CPU (Python) and the CPU of every PostgreSQL process meanwhile (only one
worker runs at a time; the kernel counts CPU in 10 ms ticks, so only means over many searches mean anything),
and whether both gave byte-identical responses. Prints the means and p95s by band and B's mean over A's.
Nothing is written to the database.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from guard import refuse_demo_or_test  # bench/ is on the path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

#: the measures per search: wall time, the worker's CPU, PostgreSQL's CPU (ms)
MEASURES = ("wall", "python", "postgres")
WARM_UP = 60


def _worker(tree: str, url: str) -> None:
    """Serve searches from ``tree``'s code: a JSON body a line in, a JSON line out."""
    sys.path.insert(0, tree)
    os.environ["DATABASE_URL"] = url
    from assetmap import create_app, freeze_heap, logs

    app = create_app({"SQLALCHEMY_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    freeze_heap()
    logs.configure_logging(stream=open(os.devnull, "w"))  # noqa: SIM115 (for the process's life)
    client = app.test_client()
    print("ready", flush=True)
    for line in sys.stdin:
        start, cpu = time.perf_counter(), time.process_time()
        resp = client.post("/api/search", json=json.loads(line))
        out = {
            "wall": (time.perf_counter() - start) * 1000,
            "python": (time.process_time() - cpu) * 1000,
            "status": resp.status_code,
            "hash": hashlib.sha1(resp.data).hexdigest(),
        }
        print(json.dumps(out), flush=True)


def _postgres_cpu_ms() -> float:
    """The CPU time of every process named postgres on this machine so far."""
    ticks = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat[stat.index("(") + 1 : stat.rindex(")")].startswith("postgres"):
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK") * 1000


class Worker:
    def __init__(self, tree: str, url: str):
        self.tree = tree
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", tree, "--url", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"{tree}: the app did not start")

    def ask(self, body: dict) -> dict:
        before = _postgres_cpu_ms()
        self.proc.stdin.write(json.dumps(body) + "\n")
        out = json.loads(self.proc.stdout.readline())
        out["postgres"] = _postgres_cpu_ms() - before
        if out["status"] != 200:
            raise SystemExit(f"{self.tree}: {out['status']} for {body}")
        return out

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def compare(url: str, tree_a: str, tree_b: str, rounds: int) -> None:
    from search import BANDS, banded_bodies
    from sqlalchemy import create_engine

    engine = create_engine(url)
    bodies, bands = banded_bodies(engine, 400)
    engine.dispose()
    workers = [Worker(tree_a, url), Worker(tree_b, url)]
    for body in bodies[:WARM_UP]:
        for w in workers:
            w.ask(body)
    found: dict = collections.defaultdict(list)
    differ = []
    for r in range(rounds):
        for i, (body, band) in enumerate(zip(bodies, bands)):
            order = workers if (i + r) % 2 == 0 else workers[::-1]
            outs = {w.tree: w.ask(body) for w in order}
            if r == 0 and outs[tree_a]["hash"] != outs[tree_b]["hash"]:
                differ.append(body)
            for tree, out in outs.items():
                for m in MEASURES:
                    found[tree, m, band].append(out[m])
                    found[tree, m, "all"].append(out[m])
    for w in workers:
        w.close()
    print(f"{len(bodies)} searches x {rounds} rounds, each asked of A and B in turn (one client, in-process)")
    print(f"  A: {tree_a}\n  B: {tree_b}")
    print(f"byte-identical responses: {len(bodies) - len(differ)} of {len(bodies)}")
    for body in differ[:5]:
        print(f"  differ: {json.dumps(body)}")
    print(f"\n{'band':14}{'measure':10}{'A mean':>9}{'A p95':>9}{'B mean':>9}{'B p95':>9}{'B/A':>8}")
    for band in ["all", *(label for label, *_ in BANDS)]:
        for m in MEASURES:
            a, b = found[tree_a, m, band], found[tree_b, m, band]
            if not a:
                continue
            p95 = [sorted(x)[int(0.95 * (len(x) - 1))] for x in (a, b)]
            ma, mb = statistics.mean(a), statistics.mean(b)
            print(f"{band:14}{m:10}{ma:9.2f}{p95[0]:9.2f}{mb:9.2f}{p95[1]:9.2f}{mb / ma:8.3f}")
    print("(ms; postgres: all its processes' CPU while the search ran, in 10 ms ticks, so read its means only)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="the benchmark database (never the demo or test one)")
    ap.add_argument("--a", help="checkout A (the code before)")
    ap.add_argument("--b", help="checkout B (the code after)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    refuse_demo_or_test(args.url)
    if args.worker:
        _worker(args.worker, args.url)
        return
    if not args.a or not args.b:
        ap.error("give --a and --b")
    compare(args.url, str(Path(args.a).resolve()), str(Path(args.b).resolve()), args.rounds)


if __name__ == "__main__":
    main()
