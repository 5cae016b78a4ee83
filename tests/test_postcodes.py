"""Postcode normalisation, rejection and look-up."""

import pytest

from assetmap import postcodes
from assetmap.errors import NotFound, ValidationError


@pytest.mark.parametrize("raw", ["B1 1BA", "b11ba", "  B1   1BA ", "b1\u00a01ba", "B1\t1BA", "b1-1ba"])
def test_normalises_case_and_spacing(raw):
    assert postcodes.normalise(raw) == "B1 1BA"


@pytest.mark.parametrize(
    "raw, expected", [("yo17hh", "YO1 7HH"), ("B151TT", "B15 1TT"), ("ec1a1bb", "EC1A 1BB"), ("W1A 0AX", "W1A 0AX")]
)
def test_normalises_every_outward_shape(raw, expected):
    assert postcodes.normalise(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "B1",
        "1BA B1",
        "ABC DEF",
        "B1 1CI",
        "B11 1BAA",
        "B1 1B",
        "B1 1BA; DROP TABLE postcode",
        "<script>",
        "B1\u00a0\u00a0",
        "999 999",
    ],
)
def test_rejects_malformed_postcodes_with_a_clear_message(raw):
    with pytest.raises(ValidationError) as exc:
        postcodes.normalise(raw)
    assert exc.value.status == 400
    assert "postcode" in exc.value.message.lower()


def test_lookup_finds_a_real_postcode(app_ctx):
    pt = postcodes.lookup("b1 1ba")
    assert pt.postcode == "B1 1BA"
    assert pt.ward_code == "E05011151"
    assert abs(pt.lon - -1.900211) < 1e-5 and abs(pt.lat - 52.475425) < 1e-5


def test_lookup_of_a_well_formed_unknown_postcode_is_not_found(app_ctx):
    with pytest.raises(NotFound) as exc:
        postcodes.lookup("EC1A 1BB")
    assert exc.value.status == 404
    assert "EC1A 1BB" in exc.value.message
