"""Dependency audit for CI: pip-audit over both lock files.

``requirements.lock`` is what the production image installs; ``requirements-dev.lock`` adds the
development and test tools (it repeats the runtime pins). Each is audited and reported on its own,
so a finding says whether it reaches production. Fails (exit 1) on any known vulnerability that has
a fixed version available, in either.

pip-audit asks PyPI's per-release JSON API (``/pypi/<name>/<version>/json``) or OSV. Where neither
answers (a machine that reaches PyPI only through a mirror of the project pages), the audit falls
back to what the project page (``/pypi/<name>/json``) does carry: PyPI's list of known
vulnerabilities of the *latest* release. That covers every locked package that is at its latest
release; a package locked behind its latest release cannot be checked that way and is named, with
the newer version. The report says plainly which of the two audits ran and how much it covered:
a skipped or partial audit is never passed off as a clean one.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
PYPI = "https://pypi.org/pypi/{name}/json"
LOCKS = (
    ("requirements.lock", "runtime, installed by the production image"),
    ("requirements-dev.lock", "development and tests, with the runtime pins"),
)


def locked_packages(lock: Path) -> list[tuple[str, str]]:
    """(name, version) of every ``name==version`` line of a pip freeze."""
    out = []
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            out.append((name.strip(), version.split(";")[0].strip()))
    return out


def summarise_pip_audit(report: dict) -> tuple[int | None, list[str]]:
    """Exit code and lines for a pip-audit JSON report; None when nothing could be audited."""
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = [d for d in deps if not d.get("skip_reason")]
    if deps and not audited:
        return None, [
            f"pip-audit could not reach a vulnerability service for any of the {len(deps)} locked "
            f"packages ({skipped[0]['skip_reason'][:80]})."
        ]
    fixable = [
        (d["name"], d["version"], v["id"], v.get("fix_versions"))
        for d in audited
        for v in d.get("vulns", [])
        if v.get("fix_versions")
    ]
    unfixable = [(d["name"], v["id"]) for d in audited for v in d.get("vulns", []) if not v.get("fix_versions")]
    lines = [
        f"pip-audit: {len(audited)} packages audited, {len(skipped)} skipped, {len(fixable)} fixable and "
        f"{len(unfixable)} unfixed known vulnerabilities"
    ]
    lines += [f"  {name} {version}: {vid} (fixed in {', '.join(fixes)})" for name, version, vid, fixes in fixable]
    lines += [f"  (no fix yet) {name}: {vid}" for name, vid in unfixable]
    return (1 if fixable else 0), lines


def check_against_latest(version: str, project: dict | None) -> dict:
    """One locked package against its PyPI project page.

    Returns {"status": "clean" | "vulnerable" | "behind" | "unknown", ...}. Only a package locked
    at the latest release can be judged: the page lists the vulnerabilities of that release only.
    """
    if not project or "info" not in project:
        return {"status": "unknown"}
    latest = project["info"].get("version")
    try:
        same = Version(version) == Version(latest)
    except (InvalidVersion, TypeError):
        same = version == latest
    if not same:
        return {"status": "behind", "latest": latest, "requires_python": project["info"].get("requires_python")}
    vulns = project.get("vulnerabilities") or []
    if not vulns:
        return {"status": "clean"}
    return {
        "status": "vulnerable",
        "vulns": [
            (v.get("id") or ", ".join(v.get("aliases") or []) or "unnamed", v.get("fixed_in") or []) for v in vulns
        ],
    }


def summarise_latest(checks: dict[tuple[str, str], dict]) -> tuple[int, list[str]]:
    """Exit code and lines for the fallback audit over {(name, version): check_against_latest(...)}."""
    by = {k: [] for k in ("clean", "vulnerable", "behind", "unknown")}
    for key, result in sorted(checks.items()):
        by[result["status"]].append((key, result))
    fixable = [(k, vid, fixes) for k, r in by["vulnerable"] for vid, fixes in r["vulns"] if fixes]
    checked = len(by["clean"]) + len(by["vulnerable"])
    lines = [
        f"PARTIAL dependency audit (PyPI's known vulnerabilities of each package's latest release): "
        f"{checked} of {len(checks)} locked packages checked, {len(by['vulnerable'])} with known "
        f"vulnerabilities ({len(fixable)} with a fix); {len(by['behind'])} not checked because a newer "
        f"release exists; {len(by['unknown'])} not found."
    ]
    for (name, version), r in by["vulnerable"]:
        for vid, fixes in r["vulns"]:
            lines.append(
                f"  {name} {version}: {vid}" + (f" (fixed in {', '.join(fixes)})" if fixes else " (no fix yet)")
            )
    if by["behind"]:
        lines.append(
            "  Not checked (locked behind the latest release): "
            + ", ".join(
                f"{name} {version} < {r['latest']}"
                + (f" (which needs Python {r['requires_python']})" if r.get("requires_python") else "")
                for (name, version), r in by["behind"]
            )
        )
    if by["unknown"]:
        lines.append("  Not found on PyPI: " + ", ".join(f"{name} {version}" for (name, version), _ in by["unknown"]))
    return (1 if fixable else 0), lines


@functools.cache
def _project_page(name: str) -> dict | None:
    url = PYPI.format(name=canonicalize_name(name))
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            return json.load(resp)
    except (urllib.error.URLError, TimeoutError, ValueError, OSError):
        return None


def fallback_audit(packages: list[tuple[str, str]]) -> tuple[int | None, list[str]]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = dict(zip(packages, pool.map(lambda p: _project_page(p[0]), packages)))
    if packages and not any(pages.values()):
        return None, ["PyPI's project pages could not be reached either."]
    return summarise_latest({p: check_against_latest(p[1], pages[p]) for p in packages})


def audit_lock(lock: Path) -> tuple[int | None, list[str]]:
    """Exit code (None: nothing could be audited) and report lines for one lock file."""
    proc = subprocess.run(
        [str(ROOT / ".venv/bin/pip-audit"), "-r", str(lock), "--format", "json", "--progress-spinner", "off"],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        return 1, [f"pip-audit failed to run: {proc.stderr.strip()[-500:]}"]
    code, lines = summarise_pip_audit(report)
    if code is None:
        fallback_code, fallback_lines = fallback_audit(locked_packages(lock))
        lines += fallback_lines
        code = fallback_code
    return code, lines


def main() -> int:
    worst = 0
    for name, what in LOCKS:
        code, lines = audit_lock(ROOT / name)
        print(f"== {name} ({what})")
        print("\n".join(lines))
        if code is None:
            print("WARNING: dependency audit NOT performed: no vulnerability source could be reached.")
        else:
            worst = max(worst, code)
    return worst


if __name__ == "__main__":
    sys.exit(main())
