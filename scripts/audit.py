"""Dependency audit for CI: pip-audit over requirements.lock.

Fails (exit 1) on any known vulnerability that has a fixed version available. If the
vulnerability service cannot be reached (no dependency could be looked up), it says so loudly
and exits 0 with "audit NOT performed": a skipped audit is reported, never passed off as clean.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    proc = subprocess.run([str(ROOT / ".venv/bin/pip-audit"), "-r", str(ROOT / "requirements.lock"),
                           "--format", "json", "--progress-spinner", "off"], capture_output=True, text=True)
    try:
        report = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        print(f"pip-audit failed to run: {proc.stderr.strip()[-500:]}")
        return 1
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = [d for d in deps if not d.get("skip_reason")]
    fixable = [(d["name"], d["version"], v["id"], v.get("fix_versions"))
               for d in audited for v in d.get("vulns", []) if v.get("fix_versions")]
    unfixable = [(d["name"], v["id"]) for d in audited for v in d.get("vulns", []) if not v.get("fix_versions")]
    if deps and not audited:
        print(f"WARNING: dependency audit NOT performed: the vulnerability service could not be reached for any "
              f"of the {len(deps)} locked packages ({skipped[0]['skip_reason'][:80]}).")
        return 0
    print(f"pip-audit: {len(audited)} packages audited, {len(skipped)} skipped, {len(fixable)} fixable and "
          f"{len(unfixable)} unfixed known vulnerabilities")
    for name, version, vid, fixes in fixable:
        print(f"  {name} {version}: {vid} (fixed in {', '.join(fixes)})")
    for name, vid in unfixable:
        print(f"  (no fix yet) {name}: {vid}")
    return 1 if fixable else 0


if __name__ == "__main__":
    sys.exit(main())
