"""The credit table names only FIAFcore classes that exist, and label lookup forgives how credits are typed."""

from __future__ import annotations

import re

import pytest

from lodfilm.credits import (
    AWARD_TERMS,
    CREDITS,
    FIAF,
    Credit,
    credit_for,
    fiaf_class_for,
    label_key,
    unclassified,
)

# Local names of FIAFcore activity classes, copied from FIAF/fiafcore ontology/fiafcore-activity.ttl at commit
# 22d3c7b6b9a16ec036c0b96a024ea7e2c20fca79 (base https://ontology.fiafcore.org/). The table may use no other.
VERIFIED_FIAF_CLASSES = frozenset({
    "Adaptation", "Animation", "Animator", "ArtDirector", "AssistantDirector", "AssociateProducer",
    "CameraOperator", "CastMember", "CastingDirector", "Choreographer", "Cinematographer", "Colorist",
    "Composer", "Continuity", "Coproducer", "CostumeDesigner", "Director", "Distributor", "DubbingMixer",
    "ExecutiveProducer", "FilmEditor", "HairStylist", "Idea", "LineProducer", "Lyricist", "MakeUpArtist",
    "MusicSupervisor", "Narrator", "Producer", "ProductionCompany", "ProductionDesigner", "ProductionManager",
    "ScreenStory", "SetDecorator", "SetDesigner", "SoundActivity", "SoundDesigner", "SoundEditor",
    "SoundRecorderMixer", "SourceMaterial", "SpecialEffects", "StillPhotographer", "StuntArranger",
    "VisualEffects", "Voices", "WorldDistributor", "Writer",
})

SEED_LABELS = (
    "Screenplay", "Cinematography", "Editing", "Music", "Sound", "Art direction", "Costumes", "Producer",
    "Production", "Co-production", "World sales",
)


def test_table_uses_only_verified_fiaf_classes() -> None:
    for credit in CREDITS:
        if credit.fiaf_class is None:
            continue
        assert credit.fiaf_class.startswith(FIAF), credit
        assert credit.fiaf_class.removeprefix(FIAF) in VERIFIED_FIAF_CLASSES, credit


def test_fiaf_base() -> None:
    assert FIAF == "https://ontology.fiafcore.org/"


def test_every_variant_maps_to_exactly_one_credit() -> None:
    owners: dict[str, list[str]] = {}
    for credit in CREDITS:
        for variant in {label_key(v) for v in (credit.label, *credit.variants)}:
            owners.setdefault(variant, []).append(credit.label)
    clashes = {key: labels for key, labels in owners.items() if len(labels) > 1}
    assert clashes == {}
    for credit in CREDITS:
        for variant in credit.variants:
            assert credit_for(variant) is credit, variant


def test_canonical_labels_are_unique() -> None:
    labels = [credit.label for credit in CREDITS]
    assert len(labels) == len(set(labels))


def test_wikidata_ids_are_property_ids() -> None:
    for credit in CREDITS:
        if credit.wikidata_property is not None:
            assert re.fullmatch(r"P[1-9][0-9]*", credit.wikidata_property), credit


@pytest.mark.parametrize("label", SEED_LABELS)
def test_seed_labels_resolve_to_a_fiaf_class(label: str) -> None:
    assert fiaf_class_for(label) is not None


@pytest.mark.parametrize(
    ("printed", "local_name"),
    [
        ("Director of Photography:", "Cinematographer"),
        ("  director   OF photography ", "Cinematographer"),
        ("D.O.P.", "Cinematographer"),
        ("DoP", "Cinematographer"),
        ("EDITING", "FilmEditor"),
        ("Producers", "Producer"),
        ("Editors:", "FilmEditor"),
        ("make up", "MakeUpArtist"),
        ("Make-Up", "MakeUpArtist"),
        ("Coproduction", "ProductionCompany"),
        ("Co-producer", "Coproducer"),
        ("World Sales:", "WorldDistributor"),
        ("Décor", "SetDecorator"),
        ("Costume", "CostumeDesigner"),
        ("Re-recording mixer", "DubbingMixer"),
    ],
)
def test_lookup_ignores_case_space_punctuation_and_plural(printed: str, local_name: str) -> None:
    assert fiaf_class_for(printed) == FIAF + local_name


def test_known_seed_credits_carry_wikidata_properties() -> None:
    expected = {
        "Screenplay": "P58", "Cinematography": "P344", "Editing": "P1040", "Music": "P86",
        "Art direction": "P3174", "Costumes": "P2515", "Producer": "P162", "Production": "P272",
        "World sales": "P750", "Director": "P57", "Cast": "P161",
    }
    for label, prop in expected.items():
        credit = credit_for(label)
        assert credit is not None and credit.wikidata_property == prop, label


@pytest.mark.parametrize("label", ["", "   ", ":", "Catering", "Best boy grip", "Gaffer's cousin"])
def test_unknown_labels_give_none(label: str) -> None:
    assert credit_for(label) is None
    assert fiaf_class_for(label) is None


def test_labels_without_a_class_are_reported() -> None:
    subtitles = credit_for("Subtitles")
    assert isinstance(subtitles, Credit) and subtitles.fiaf_class is None
    printed = ["Cinematography", "Subtitles", "Catering", "Subtitles", "Sound"]
    assert unclassified(printed) == ["Subtitles", "Catering"]


def test_award_terms_are_recorded_with_provenance() -> None:
    current = {iri.removeprefix(FIAF) for iri in AWARD_TERMS if iri.startswith(FIAF)}
    assert current == {"AwardOrNominationEvent", "hasAwardName", "nominationOnly", "hasAchievement"}
    assert "https://fiafcore.org/ontology/AwardsOrNominationsEvent" in AWARD_TERMS
    for iri, term in AWARD_TERMS.items():
        assert term.iri == iri
        path, commit = term.source
        assert path.endswith(".ttl") and re.fullmatch(r"[0-9a-f]{40}", commit)
    assert AWARD_TERMS[FIAF + "nominationOnly"].range == "http://www.w3.org/2001/XMLSchema#boolean"
