"""The mypy ratchet (scripts/mypy_ratchet.py) refuses more errors than its baseline and keeps any reduction."""

import importlib.util
from collections import Counter
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "mypy_ratchet", Path(__file__).resolve().parent.parent / "scripts/mypy_ratchet.py"
)
ratchet = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ratchet)

OUTPUT = """\
assetmap/geo.py:10: error: Incompatible return value type (got "int", expected "str")  [return-value]
assetmap/geo.py:12: note: See https://mypy.readthedocs.io
assetmap/db.py:3: error: Name "x" is not defined  [name-defined]
"""


def test_errors_are_read_without_their_line_numbers():
    assert [sig for sig, _, _ in ratchet.parse(OUTPUT)] == [
        'assetmap/geo.py: [return-value] Incompatible return value type (got "int", expected "str")',
        'assetmap/db.py: [name-defined] Name "x" is not defined',
    ]
    moved = OUTPUT.replace("geo.py:10:", "geo.py:99:")
    assert [s for s, _, _ in ratchet.parse(moved)] == [s for s, _, _ in ratchet.parse(OUTPUT)]


def test_more_errors_than_the_baseline_fail_and_name_the_new_one():
    current = ratchet.parse(OUTPUT)
    code, lines = ratchet.compare(current, Counter([current[0][0]]))
    assert code == 1
    assert "2 errors" in lines[0] and "allows 1" in lines[0]
    assert lines[1:] == ['  assetmap/db.py:3: error: Name "x" is not defined  [name-defined]']


def test_as_many_or_fewer_errors_pass():
    current = ratchet.parse(OUTPUT)
    assert ratchet.compare(current, Counter(s for s, _, _ in current))[0] == 0
    code, lines = ratchet.compare(current[:1], Counter(s for s, _, _ in current))
    assert code == 0 and "1 fewer" in lines[0]


def test_the_baseline_round_trips(tmp_path):
    path = tmp_path / "baseline.txt"
    sigs = [s for s, _, _ in ratchet.parse(OUTPUT)]
    ratchet.write_baseline(sigs, path)
    assert ratchet.read_baseline(path) == Counter(sigs)
    assert path.read_text().startswith("#")


def test_a_reduction_lowers_the_baseline_locally_and_fails_a_stale_one_in_ci(tmp_path, monkeypatch, capsys):
    sigs = [s for s, _, _ in ratchet.parse(OUTPUT)]
    monkeypatch.setattr(ratchet, "BASELINE", tmp_path / "baseline.txt")
    monkeypatch.setattr(ratchet, "run_mypy", lambda: (1, OUTPUT.splitlines()[0] + "\n"))
    ratchet.write_baseline(sigs)
    monkeypatch.setenv("CI", "true")
    assert ratchet.main([]) == 1
    assert ratchet.read_baseline() == Counter(sigs)  # CI never rewrites it
    monkeypatch.delenv("CI")
    assert ratchet.main([]) == 0
    assert ratchet.read_baseline() == Counter(sigs[:1])
    assert "lowered" in capsys.readouterr().out
