"""度分秒 typed with spaces and no symbols (issue 15): accepted when unambiguous."""

from __future__ import annotations

import pytest

from emergency.incidents.geometry import CoordinateError, parse_coordinates

YANBIAN = (129 + 27 / 60 + 27 / 3600, 42 + 52 / 60 + 8 / 3600)


@pytest.mark.parametrize("text", [
    "129 27 27, 42 52 08", "129 27 27 42 52 08", "42 52 08, 129 27 27",
    "E129 27 27 N42 52 08", "129 27 27E 42 52 08N", "N42 52 08 E129 27 27",
    "东经129 27 27 北纬42 52 08", "129 27 27;42 52 08",
])
def test_degrees_minutes_seconds_with_spaces_are_read(text):
    lon, lat = parse_coordinates(text)
    assert (lon, lat) == pytest.approx(YANBIAN, abs=1e-6)


def test_degrees_and_minutes_with_spaces_are_read():
    assert parse_coordinates("129 27, 42 52") == pytest.approx((129.45, 42 + 52 / 60))


def test_decimal_degrees_are_not_mistaken_for_spaced_dms():
    assert parse_coordinates("126.55 43.86") == (126.55, 43.86)


@pytest.mark.parametrize("text", ["129 27 27 42 52", "1 2 3 4 5", "129 70 00, 42 52 08"])
def test_ambiguous_or_impossible_spaced_numbers_are_refused(text):
    with pytest.raises(CoordinateError) as err:
        parse_coordinates(text)
    assert err.value.message_zh and err.value.message_en
