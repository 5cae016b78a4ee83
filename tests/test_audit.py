"""The CI dependency audit (scripts/audit.py) decides from what the vulnerability sources say."""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("audit", Path(__file__).resolve().parent.parent / "scripts/audit.py")
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)


def dep(name, version, vulns=(), skip=None):
    d = {"name": name, "version": version, "vulns": list(vulns)}
    if skip:
        d = {"name": name, "skip_reason": skip}
    return d


def test_pip_audit_fails_on_a_known_vulnerability_with_a_fix():
    report = {
        "dependencies": [
            dep("flask", "2.0.0", [{"id": "GHSA-m2qf-hxjv-5gpq", "fix_versions": ["2.2.5"]}]),
            dep("click", "8.1.7"),
        ]
    }
    code, lines = audit.summarise_pip_audit(report)
    assert code == 1
    assert "flask 2.0.0: GHSA-m2qf-hxjv-5gpq (fixed in 2.2.5)" in "\n".join(lines)


def test_pip_audit_passes_unfixed_vulnerabilities_but_names_them():
    report = {"dependencies": [dep("pycrypto", "2.6.1", [{"id": "PYSEC-2017-94", "fix_versions": []}])]}
    code, lines = audit.summarise_pip_audit(report)
    assert code == 0 and "(no fix yet) pycrypto: PYSEC-2017-94" in "\n".join(lines)


def test_an_unreachable_service_is_not_a_clean_audit():
    report = {"dependencies": [dep("flask", "3.1.3", skip="Dependency not found on PyPI and could not be audited")]}
    code, lines = audit.summarise_pip_audit(report)
    assert code is None and "could not reach" in lines[0]


def project(latest, vulns=()):
    return {"info": {"version": latest}, "vulnerabilities": list(vulns)}


@pytest.mark.parametrize(
    "locked, page, status",
    [
        ("3.1.3", project("3.1.3"), "clean"),
        ("3.1.3", project("3.1.03"), "clean"),  # the same version, spelt differently
        ("3.1.2", project("3.1.3"), "behind"),
        ("2.6.1", project("2.6.1", [{"id": "PYSEC-2017-94", "fixed_in": []}]), "vulnerable"),
        ("1.0", None, "unknown"),
    ],
)
def test_only_a_package_at_its_latest_release_is_judged_from_the_project_page(locked, page, status):
    assert audit.check_against_latest(locked, page)["status"] == status


def test_fallback_fails_on_a_fixable_vulnerability_and_reports_its_coverage():
    checks = {
        ("a", "1.0"): audit.check_against_latest("1.0", project("1.0", [{"id": "GHSA-x", "fixed_in": ["1.0.1"]}])),
        ("b", "2.0"): audit.check_against_latest("2.0", project("2.0")),
        ("c", "0.9"): audit.check_against_latest("0.9", project("1.2")),
    }
    code, lines = audit.summarise_latest(checks)
    text = "\n".join(lines)
    assert code == 1
    assert "PARTIAL" in text and "2 of 3 locked packages checked" in text
    assert "a 1.0: GHSA-x (fixed in 1.0.1)" in text and "c 0.9 < 1.2" in text


def test_fallback_without_fixable_vulnerabilities_passes():
    checks = {
        ("pycrypto", "2.6.1"): audit.check_against_latest(
            "2.6.1", project("2.6.1", [{"id": "PYSEC-2017-94", "fixed_in": []}])
        ),
        ("b", "2.0"): audit.check_against_latest("2.0", project("2.0")),
    }
    code, lines = audit.summarise_latest(checks)
    assert code == 0 and "pycrypto 2.6.1: PYSEC-2017-94 (no fix yet)" in "\n".join(lines)


def test_the_lock_file_is_read_as_name_and_version(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# pinned\nFlask==3.1.3\n-e .\nnumpy==2.4.6 ; python_version >= '3.11'\n")
    assert audit.locked_packages(lock) == [("Flask", "3.1.3"), ("numpy", "2.4.6")]
