"""Film credit labels → FIAFcore activity classes and Wikidata properties.

Film records print credits as free text ("Cinematography", "DoP", "Costumes", "World sales"…). schema.org has
no crew properties for most of them, so a credit becomes a ``schema:Role`` whose ``roleName`` keeps the label
as printed. This module adds what an archive can query on: the URL of the FIAFcore activity class the label
names, and the Wikidata property used for the same credit, so a Role can be matched across catalogues.

Why a table in code and not a lookup at run time: the publisher never goes to the network while it builds or
serves a graph, and a reviewer can read every mapping in one place. Every class IRI below was checked against
the published FIAFcore files (see ``FIAF_SOURCES``); a label the ontology has no class for keeps its text only
(``fiaf_class`` is ``None``) and ``unclassified`` reports it, rather than guessing a class.

Judgement calls, so a reader can overturn them:

- "Sound" on its own names no single job (the seed page lists four people under it), so it maps to the
  FIAF grouping class ``SoundActivity`` ("Sound contribution to a moving image work"), not to SoundDesigner.
- "Camera" maps to ``CameraOperator``: FIAF's own definition lists "Camera Operator, Cameraman, Camera",
  while Cinematographer is "Director of Photography, Cinematographer".
- "Production" and "Co-production" on festival pages name companies, so both map to ``ProductionCompany``
  (FIAF: "the company under whose … management a film is made"); FIAF's ``Coproducer`` is a person and is
  used only for "Co-producer". FIAF's Producer definition also lists "Production" as a variant, which fits
  records that print a person there; the printed ``roleName`` keeps that distinction visible.
- "World sales" maps to ``WorldDistributor`` (FIAF: "organizes the world-wide (international) distribution").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

FIAF = "https://ontology.fiafcore.org/"

#: Where the class IRIs were checked (repository FIAF/fiafcore). The first file is the one every class in
#: ``CREDITS`` was read from; the second (the compiled ontology, owl:versionInfo "1.1") was spot-checked for
#: the same IRIs (ArtDirector, Cinematographer, Choreographer, CharacterDesigner, Cleanup, ColorConsultant,
#: Colorist, SoundActivity, CinematographyActivity …) and agrees.
FIAF_SOURCES: tuple[tuple[str, str], ...] = (
    ("ontology/fiafcore-activity.ttl", "22d3c7b6b9a16ec036c0b96a024ea7e2c20fca79"),
    ("FIAFcore.ttl", "f59b6872de488132e824683f05e26ea4bf0d2a74"),
)

#: Wikidata property ids in ``CREDITS`` that could not be confirmed from a stored copy of Wikidata or from
#: independent sources; kept because the design brief names them, and listed so nobody mistakes them for
#: checked facts.
UNVERIFIED_WIKIDATA: frozenset[str] = frozenset({"P5028"})


@dataclass(frozen=True)
class Credit:
    """One credit: a canonical English label, the FIAF class and Wikidata property it names, and the
    label variants records print for it. ``None`` means "no such term exists", never "not looked up"."""

    label: str
    fiaf_class: str | None
    wikidata_property: str | None
    variants: tuple[str, ...]


def _fiaf(local_name: str) -> str:
    return FIAF + local_name


CREDITS: tuple[Credit, ...] = (
    # Directing and writing
    Credit("Director", _fiaf("Director"), "P57", ("Director", "Directors", "Directed by", "Direction")),
    Credit("Assistant director", _fiaf("AssistantDirector"), None,
           ("Assistant director", "First assistant director", "1st assistant director")),
    Credit("Casting", _fiaf("CastingDirector"), None, ("Casting", "Casting director", "Casting by")),
    Credit("Continuity", _fiaf("Continuity"), None, ("Continuity", "Script supervisor", "Script supervision")),
    Credit("Screenplay", _fiaf("Writer"), "P58",
           ("Screenplay", "Screenplay by", "Script", "Writer", "Written by", "Screenwriter", "Scenario")),
    Credit("Story", _fiaf("ScreenStory"), None, ("Story", "Story by", "Original story", "Screen story")),
    Credit("Idea", _fiaf("Idea"), None, ("Idea", "Based on an idea by", "From an idea by")),
    Credit("Adaptation", _fiaf("Adaptation"), None, ("Adaptation", "Adapted by")),
    Credit("Based on", _fiaf("SourceMaterial"), "P144", ("Based on", "Source material", "Original source")),
    # Picture
    Credit("Cinematography", _fiaf("Cinematographer"), "P344",
           ("Cinematography", "Cinematographer", "Director of photography", "DoP", "DP", "Photography",
            "Directors of photography")),
    Credit("Camera operator", _fiaf("CameraOperator"), None,
           ("Camera", "Camera operator", "Cameraman", "Camerawoman")),
    Credit("Still photography", _fiaf("StillPhotographer"), None,
           ("Still photography", "Stills photography", "Still photographer", "Stills")),
    Credit("Colour grading", _fiaf("Colorist"), None,
           ("Colour grading", "Color grading", "Colorist", "Colourist", "Grading", "Color timer")),
    Credit("Editing", _fiaf("FilmEditor"), "P1040",
           ("Editing", "Editor", "Film editing", "Film editor", "Edited by", "Montage", "Picture editor")),
    # Music and sound
    Credit("Music", _fiaf("Composer"), "P86",
           ("Music", "Music by", "Composer", "Original music", "Original score", "Score", "Music composed by")),
    Credit("Music supervision", _fiaf("MusicSupervisor"), None, ("Music supervisor", "Music supervision")),
    Credit("Lyrics", _fiaf("Lyricist"), None, ("Lyrics", "Lyrics by", "Lyricist")),
    Credit("Choreography", _fiaf("Choreographer"), None, ("Choreography", "Choreographer", "Choreographed by")),
    Credit("Sound", _fiaf("SoundActivity"), None, ("Sound",)),
    Credit("Sound design", _fiaf("SoundDesigner"), "P5028", ("Sound design", "Sound designer")),
    Credit("Sound recording", _fiaf("SoundRecorderMixer"), None,
           ("Sound recording", "Sound recordist", "Sound recorder", "Sound mixer", "Production sound mixer",
            "Location sound")),
    Credit("Sound editing", _fiaf("SoundEditor"), None, ("Sound editing", "Sound editor", "Sound edited by")),
    Credit("Re-recording mixing", _fiaf("DubbingMixer"), None,
           ("Re-recording mixer", "Re-recording", "Sound mixing", "Mixing", "Mixer", "Dubbing mixer")),
    # Design
    Credit("Production design", _fiaf("ProductionDesigner"), "P2554", ("Production design", "Production designer")),
    Credit("Art direction", _fiaf("ArtDirector"), "P3174", ("Art direction", "Art director")),
    Credit("Set design", _fiaf("SetDesigner"), None, ("Set design", "Set designer", "Sets designed by")),
    Credit("Set decoration", _fiaf("SetDecorator"), None, ("Set decoration", "Set decorator", "Set dresser", "Decor")),
    Credit("Costumes", _fiaf("CostumeDesigner"), "P2515",
           ("Costumes", "Costume", "Costume design", "Costume designer", "Costumes by")),
    Credit("Make-up", _fiaf("MakeUpArtist"), None, ("Make-up", "Make up", "Make-up artist")),
    Credit("Hair", _fiaf("HairStylist"), None, ("Hair", "Hairdresser", "Hair stylist", "Hair styling")),
    # Effects and animation
    Credit("Visual effects", _fiaf("VisualEffects"), None, ("Visual effects", "VFX")),
    Credit("Special effects", _fiaf("SpecialEffects"), None, ("Special effects", "SFX")),
    Credit("Animation", _fiaf("Animation"), None, ("Animation",)),
    Credit("Animator", _fiaf("Animator"), None, ("Animator", "Animated by", "Animation by")),
    Credit("Stunt coordination", _fiaf("StuntArranger"), None, ("Stunt coordinator", "Stunts arranged by")),
    # Performers
    Credit("Cast", _fiaf("CastMember"), "P161",
           ("Cast", "Actor", "Actress", "Starring", "Cast member", "Players")),
    Credit("Voices", _fiaf("Voices"), "P725", ("Voice", "Voices", "Voices by", "Voice cast", "Voice actor")),
    Credit("Narrator", _fiaf("Narrator"), "P2438", ("Narrator", "Narration", "Narrated by", "Commentator")),
    # Producing
    Credit("Producer", _fiaf("Producer"), "P162", ("Producer", "Produced by")),
    Credit("Co-producer", _fiaf("Coproducer"), "P162", ("Co-producer", "Coproducer")),
    Credit("Executive producer", _fiaf("ExecutiveProducer"), "P1431", ("Executive producer",)),
    Credit("Associate producer", _fiaf("AssociateProducer"), None, ("Associate producer",)),
    Credit("Line producer", _fiaf("LineProducer"), None, ("Line producer",)),
    Credit("Production manager", _fiaf("ProductionManager"), None, ("Production manager", "Unit production manager")),
    Credit("Production", _fiaf("ProductionCompany"), "P272",
           ("Production", "Production company", "Production companies")),
    Credit("Co-production", _fiaf("ProductionCompany"), "P272",
           ("Co-production", "Coproduction", "Co-produced by", "Co-production company")),
    # Distribution
    Credit("World sales", _fiaf("WorldDistributor"), "P750",
           ("World sales", "International sales", "Sales", "Sales agent", "World distribution",
            "International distribution")),
    Credit("Distribution", _fiaf("Distributor"), "P750", ("Distribution", "Distributor", "Distributed by")),
    # Printed on records, but FIAFcore has no activity class for them: text only.
    Credit("Subtitles", None, None, ("Subtitles", "Subtitling", "Subtitled by")),
    Credit("Support", None, None, ("With the support of", "Supported by", "Funding", "Funded by")),
)


def label_key(label: str) -> str:
    """The comparison key of a printed label: accents, case, spacing and punctuation dropped.

    Credits are typed by hand in many styles ("Director of Photography:", "D.O.P.", "Make up", "Make-up"),
    so only letters and digits take part in the match.
    """
    decomposed = unicodedata.normalize("NFKD", label)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", without_marks.casefold())


def _index(credits: Iterable[Credit]) -> dict[str, Credit]:
    index: dict[str, Credit] = {}
    for credit in credits:
        for variant in (credit.label, *credit.variants):
            key = label_key(variant)
            other = index.get(key)
            if other is not None and other is not credit:
                raise ValueError(f"credit variant {variant!r} is claimed by {other.label!r} and {credit.label!r}")
            index[key] = credit
    return index


_BY_KEY: dict[str, Credit] = _index(CREDITS)


def credit_for(label: str) -> Credit | None:
    """The credit a printed label names, or ``None`` for a label the table does not know.

    Plurals ("Producers", "Editors") are common on credit blocks, so a trailing "s" is dropped when the exact
    label is not in the table.
    """
    key = label_key(label)
    if not key:
        return None
    found = _BY_KEY.get(key)
    if found is None and key.endswith("s"):
        found = _BY_KEY.get(key[:-1])
    return found


def fiaf_class_for(label: str) -> str | None:
    """The FIAFcore class URL for a printed label, or ``None`` when there is none to state."""
    credit = credit_for(label)
    return credit.fiaf_class if credit is not None else None


def unclassified(labels: Iterable[str]) -> list[str]:
    """The printed labels that get no FIAF class (unknown to the table, or known to have none), each once,
    in the order given — so an import can report them instead of silently publishing text-only Roles."""
    seen: set[str] = set()
    missing: list[str] = []
    for label in labels:
        if fiaf_class_for(label) is None and label not in seen:
            seen.add(label)
            missing.append(label)
    return missing


@dataclass(frozen=True)
class OntologyTerm:
    """A FIAFcore term as published: what it is, its domain and range, and where it was read. ``definition``
    quotes the file; FIAFcore gives these award terms a label and a manual reference but no description."""

    iri: str
    kind: str
    label: str
    domain: str | None
    range: str | None
    definition: str
    source: tuple[str, str]


_EVENT_NEW = ("ontology/fiafcore-event.ttl", "120a7d4fbc8116690e3a2ac5cf46f2039e13f34c")
_EVENT_OLD = ("classes/fiafcore-event.ttl", "53b456a34c484175347fd2ef30e462688372b6b8")
_OLD = "https://fiafcore.org/ontology/"
_XSD = "http://www.w3.org/2001/XMLSchema#"

#: FIAFcore's award / nomination terms, for mapping prize editions (winner, finalist, official selection).
#: The two published layouts spell them differently: under the current base ``FIAF`` the class is
#: ``AwardOrNominationEvent`` and the three properties hang off ``Event`` (declared, oddly, as
#: owl:ObjectProperty with literal ranges); under the older base ``https://fiafcore.org/ontology/`` the class
#: is ``AwardsOrNominationsEvent`` (the spelling issue 8 uses) and the properties are owl:DatatypeProperty on
#: it. Both are kept so the choice is made knowingly; the current base matches ``FIAF`` above.
AWARD_TERMS: dict[str, OntologyTerm] = {
    term.iri: term
    for term in (
        OntologyTerm(FIAF + "AwardOrNominationEvent", "owl:Class", "Award Or Nomination Event",
                     None, None, 'rdfs:subClassOf <https://ontology.fiafcore.org/Event>; dc:description ""',
                     _EVENT_NEW),
        OntologyTerm(FIAF + "hasAwardName", "owl:ObjectProperty", "Has Award Name", FIAF + "Event",
                     _XSD + "string", 'dc:description ""', _EVENT_NEW),
        OntologyTerm(FIAF + "nominationOnly", "owl:ObjectProperty", "Nomination Only", FIAF + "Event",
                     _XSD + "boolean", 'dc:description ""', _EVENT_NEW),
        OntologyTerm(FIAF + "hasAchievement", "owl:ObjectProperty", "Has Achievement", FIAF + "Event",
                     _XSD + "string", 'dc:description ""', _EVENT_NEW),
        OntologyTerm(_OLD + "AwardsOrNominationsEvent", "owl:Class", "Award(s) or Nomination(s) Event",
                     None, None, "rdfs:subClassOf fiaf:Event; dc:source FIAF Cataloguing Manual D.4.2",
                     _EVENT_OLD),
        OntologyTerm(_OLD + "hasAwardName", "owl:DatatypeProperty", "Has Award Name",
                     _OLD + "AwardsOrNominationsEvent", _XSD + "string",
                     "dc:source FIAF Cataloguing Manual D.4.2", _EVENT_OLD),
        OntologyTerm(_OLD + "nominationOnly", "owl:DatatypeProperty", "Nomination Only",
                     _OLD + "AwardsOrNominationsEvent", _XSD + "boolean",
                     "dc:source FIAF Cataloguing Manual D.4.2", _EVENT_OLD),
        OntologyTerm(_OLD + "hasAchievement", "owl:DatatypeProperty", "Has Achievement",
                     _OLD + "AwardsOrNominationsEvent", _XSD + "string",
                     "dc:source FIAF Cataloguing Manual D.4.2", _EVENT_OLD),
    )
}
