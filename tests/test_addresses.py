"""World-sales addresses of every country are split by that country's postal format (Google's i18n address data),
not by a pattern tuned to France."""

from __future__ import annotations

import pytest

from lodfilm.records.addresses import split_address


@pytest.mark.parametrize(
    ("text", "code", "locality", "country"),
    [
        ("211 20 Malmö, Sweden", "211 20", "Malmö", "SE"),
        ("SE-211 20 Malmö, Sweden", "211 20", "Malmö", "SE"),
        ("London W1D 3QF, United Kingdom", "W1D 3QF", "London", "GB"),
        ("1012 AB Amsterdam, Netherlands", "1012 AB", "Amsterdam", "NL"),
        ("00-950 Warszawa, Poland", "00-950", "Warszawa", "PL"),
        ("10115 Berlin, Germany", "10115", "Berlin", "DE"),
        ("75001 Paris, France", "75001", "Paris", "FR"),
        ("Vesterbrogade 12, 1620 København V, Denmark", "1620", "København V", "DK"),
        ("Via Umberto Novaro 18, 00195 Roma, Italy", "00195", "Roma", "IT"),
        ("Rua Garrett 19, 1200-203 Lisboa, Portugal", "1200-203", "Lisboa", "PT"),
    ],
)
def test_each_country_s_postal_code_and_locality(text: str, code: str, locality: str, country: str) -> None:
    parts = split_address(text)
    assert (parts.get("postal_code"), parts.get("locality"), parts.get("country")) == (code, locality, country)


def test_the_street_is_what_comes_before() -> None:
    assert split_address("34 rue du Louvre, 75001 Paris, France") == {
        "street": "34 rue du Louvre", "postal_code": "75001", "locality": "Paris", "country": "FR"}
    assert split_address("10 Downing Street, London, SW1A 2AA, United Kingdom") == {
        "street": "10 Downing Street", "locality": "London", "postal_code": "SW1A 2AA", "country": "GB"}


def test_a_region_written_beside_the_code_is_the_region() -> None:
    assert split_address("1 Main Street, New York, NY 10001, United States") == {
        "street": "1 Main Street", "locality": "New York", "region": "NY", "postal_code": "10001", "country": "US"}


def test_a_code_of_another_country_s_shape_is_not_taken() -> None:
    # "75001" is not a Dutch postal code: nothing is guessed, the text stays the street.
    assert split_address("75001 Paris, Netherlands") == {"street": "75001 Paris", "country": "NL"}


def test_an_address_lodfilm_cannot_place_keeps_its_text() -> None:
    assert split_address("Somewhere 12, Narnia") == {"street": "Somewhere 12, Narnia"}
    assert split_address("12 Main St") == {"street": "12 Main St"}
