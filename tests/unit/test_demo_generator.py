"""The demo assets are data: scripts/make_demo_assets.py turns data/demo/templates.json into data/demo/*.csv.

Regenerating reproduces the shipped files byte for byte (so the CSVs and their recipe cannot drift apart), and
the templates may use only codes the vocabulary and the seeded taxonomy have."""

from __future__ import annotations

import copy
import importlib.util

import pytest

from assetmap.config import PROJECT_ROOT

DEMO = PROJECT_ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("make_demo_assets", PROJECT_ROOT / "scripts" / "make_demo_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerating_reproduces_the_shipped_csvs_byte_for_byte(generator, tmp_path):
    generator.main(["--out", str(tmp_path)])
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in DEMO.glob("*.csv")) == sorted(c["file"] for c in generator.CITIES.values())
    for name in made:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name


def test_the_generator_reads_the_vocabulary_and_the_seeded_taxonomy(generator):
    from assetmap import vocabulary
    from assetmap.directory.records import TEMPLATE_FIELDS

    assert generator.COLUMNS == TEMPLATE_FIELDS
    assert list(generator.ACCESS) == list(vocabulary.ACCESSIBILITY.codes)
    assert generator.DAYS == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert generator.CATEGORIES[:2] == ["social-groups", "physical-activity"] and len(generator.CATEGORIES) == 20
    assert generator.unknown_codes(generator.TEMPLATES, generator.DATA, generator.TERMS) == []


@pytest.mark.parametrize(
    "field,value,problem",
    [
        ("cats", ["social-groups", "knitting"], "lunch_club: unknown categories 'knitting'"),
        ("auds", [["older-people", "teenagers"]], "lunch_club: unknown audiences 'teenagers'"),
        ("modes", [["in_person", "by-post"]], "lunch_club: unknown modes 'by-post'"),
        ("extra", ["ramp"], "lunch_club: unknown accessibility 'ramp'"),
        ("vis", "secret", "lunch_club: unknown visibility 'secret'"),
    ],
)
def test_a_code_the_app_would_refuse_is_caught_before_anything_is_written(generator, field, value, problem):
    templates = copy.deepcopy(generator.TEMPLATES)
    templates[0][field] = value
    assert generator.unknown_codes(templates, generator.DATA, generator.TERMS) == [problem]


def test_a_day_or_method_the_vocabulary_lacks_is_caught(generator):
    data = copy.deepcopy(generator.DATA)
    data["day_patterns"]["office"]["mun"] = 1
    data["verification_weights"]["guessed"] = 1
    assert generator.unknown_codes(generator.TEMPLATES, data, generator.TERMS) == [
        "day pattern office: unknown day 'mun'",
        "unknown verification method 'guessed'",
    ]
