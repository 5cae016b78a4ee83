"""The mypy ratchet: the core packages may never have more type errors than ``mypy-baseline.txt`` lists.

Why: the code base was written without a type checker, and mypy finds errors in the core packages
(the ``files`` in ``[tool.mypy]``, pyproject.toml) that are not worth a big-bang fix while other work
is in flight. Failing on all of them would make the check useless; ignoring them would let new ones
in. So the baseline file records today's errors (one line each: file, error code, message, without
line numbers so edits above an error do not move it), and this check fails when mypy reports more.

When mypy reports fewer, the gain is kept: run locally, the baseline is rewritten to the new, lower
list (commit it with the fix); run in CI (``CI`` set), a stale baseline fails the check so the
lowered file gets committed. The count can only go down.

    python scripts/mypy_ratchet.py            check (``make lint`` and the pre-commit hook run this)
    python scripts/mypy_ratchet.py --update   write the baseline from what mypy reports now
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+): error: (?P<message>.*?)(?:  \[(?P<code>[a-z-]+)\])?$")
HEADER = (
    "# mypy errors allowed in the core packages (scripts/mypy_ratchet.py). One line each: file, code, message.\n"
    "# The check fails when mypy finds more; fix one and this file shrinks. Never add lines by hand.\n"
)


def parse(output: str) -> list[tuple[str, int, str]]:
    """(signature, line number, original line) for every error line mypy printed."""
    found = []
    for raw in output.splitlines():
        m = ERROR.match(raw)
        if m:
            found.append((f"{m['path']}: [{m['code'] or 'misc'}] {m['message']}", int(m["line"]), raw))
    return found


def read_baseline(path: Path | None = None) -> Counter[str]:
    path = path or BASELINE
    if not path.exists():
        return Counter()
    return Counter(line for line in path.read_text().splitlines() if line and not line.startswith("#"))


def write_baseline(signatures: list[str], path: Path | None = None) -> None:
    (path or BASELINE).write_text(HEADER + "".join(f"{s}\n" for s in sorted(signatures)))


def run_mypy() -> tuple[int, str]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-error-summary",
            "--no-pretty",
            "--show-error-codes",
            "--hide-error-context",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return proc.returncode, proc.stdout + proc.stderr


def compare(current: list[tuple[str, int, str]], baseline: Counter[str]) -> tuple[int, list[str]]:
    """Exit code and report lines: 1 when there are more errors than the baseline allows."""
    now = Counter(sig for sig, _, _ in current)
    total, allowed = sum(now.values()), sum(baseline.values())
    if total > allowed:
        new, shown = now - baseline, []
        for sig, _, raw in current:
            if new[sig] > 0:
                shown.append(raw)
                new[sig] -= 1
        return 1, [
            f"mypy ratchet: {total} errors in the core packages, the baseline allows {allowed}. "
            f"Fix these (new since the baseline) or the ones they displaced:",
            *("  " + s for s in shown),
        ]
    if total < allowed:
        return 0, [f"mypy ratchet: {total} errors, {allowed - total} fewer than the baseline."]
    return 0, [f"mypy ratchet: {total} errors, as in the baseline."]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the baseline from mypy's current errors")
    args = parser.parse_args(argv)
    code, output = run_mypy()
    current = parse(output)
    if code not in (0, 1) or (code == 1 and not current):
        print(f"mypy did not run cleanly (exit {code}):\n{output[-3000:]}")
        return 2
    if args.update:
        write_baseline([sig for sig, _, _ in current])
        print(f"mypy-baseline.txt: {len(current)} errors recorded.")
        return 0
    baseline = read_baseline()
    status, lines = compare(current, baseline)
    print("\n".join(lines))
    if status == 0 and sum(baseline.values()) > len(current):
        if os.environ.get("CI"):
            print("The baseline is stale: run `make lint` and commit the lowered mypy-baseline.txt.")
            return 1
        write_baseline([sig for sig, _, _ in current])
        print("mypy-baseline.txt lowered to match: commit it with your change.")
    return status


if __name__ == "__main__":
    sys.exit(main())
