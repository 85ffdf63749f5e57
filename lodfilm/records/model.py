"""The record model: what lodfilm knows about a film, whatever file it came from.

Pages, YAML/JSON and CSV readers all produce :class:`Film`. The model is also the documented schema of YAML and
JSON records (``lodfilm schema`` prints it as JSON Schema): people and organisations may be written as a plain
name or as an object, a cast member as ``"Name (Character)"`` or ``{name, character}``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import partial
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from lodfilm.countries import country_code
from lodfilm.errors import quote
from lodfilm.records.values import minutes, release_date, year_and_date

# Names, titles, labels: one line's worth. Synopses and biographies: long, but not without limit (a 5 MB
# "synopsis" is a broken export, not a film).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)]
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
# A web address that is also a valid IRI (no spaces, quotes, angle or curly brackets, pipes, carets, backticks).
URL_PATTERN = r"^https?://[^\s<>\"{}|\\^`]+$"
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=URL_PATTERN)]

WIKIDATA = r"^Q[1-9][0-9]*$"
IMDB_TITLE = r"^tt[0-9]{7,10}$"
IMDB_NAME = r"^nm[0-9]{7,10}$"
IMDB_COMPANY = r"^co[0-9]{7,10}$"
ISNI = r"^[0-9]{15}[0-9X]$"
VIAF = r"^[1-9][0-9]{0,21}$"


class Record(BaseModel):
    # ``coerce_numbers_to_str``: a title or a name that is a number (``2046``, ``300``) is text, as every
    # spreadsheet and YAML file that holds it means it.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


class Shorthand:
    """A model that may also be written as one string (a name, ``"Name (Character)"``…) or as a flat object.

    The JSON Schema says so, so that the schema ``lodfilm schema`` prints accepts what the readers accept.
    """

    shorthand: ClassVar[str] = "a name"
    flat: ClassVar[dict[str, Any] | None] = None

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        full = handler(core_schema)
        options: list[JsonSchemaValue] = [{"type": "string", "minLength": 1, "description": cls.shorthand}, full]
        if cls.flat is not None:
            options.insert(1, cls.flat)
        return {"anyOf": options}


IDENTIFIER_PROPERTIES: dict[str, Any] = {
    "wikidata": {"type": "string", "pattern": r"^Q[1-9][0-9]*$"},
    "imdb": {"type": "string", "pattern": r"^nm[0-9]{7,10}$"},
    "isni": {"type": "string"},
    "viaf": {"type": "string", "pattern": r"^[1-9][0-9]{0,21}$"},
}


# The addresses exports hold instead of bare ids: a Wikidata Query Service answer gives entity IRIs, a spreadsheet
# the page's address.
ID_ADDRESSES = (
    re.compile(r"^\s*(?:https?://(?:www\.|m\.)?wikidata\.org/(?:entity|wiki)/|wd:)(Q[1-9][0-9]*)/?\s*$"),
    re.compile(r"^\s*https?://(?:www\.|m\.)?imdb\.com/(?:title|name|company)/((?:tt|nm|co)[0-9]{7,10})/?"
               r"(?:\?[^\s]*)?\s*$"),
)


def bare_id(value: Any, kind: str) -> Any:
    """``http://www.wikidata.org/entity/Q42`` → ``Q42``, ``https://www.imdb.com/title/tt0110912/`` →
    ``tt0110912``, when the id is of ``kind`` (``Q``, ``tt``, ``nm``, ``co``); anything else as it came, for the
    field's own check to name."""
    if isinstance(value, str):
        for address in ID_ADDRESSES:
            match = address.match(value)
            if match and match.group(1).startswith(kind):
                return match.group(1)
    return value


# Identifier fields' types: the id's pattern, the id taken from an address of it too (see :func:`bare_id`).
WikidataId = Annotated[str, StringConstraints(pattern=WIKIDATA), BeforeValidator(partial(bare_id, kind="Q"))]
ImdbTitle = Annotated[str, StringConstraints(pattern=IMDB_TITLE), BeforeValidator(partial(bare_id, kind="tt"))]
ImdbName = Annotated[str, StringConstraints(pattern=IMDB_NAME), BeforeValidator(partial(bare_id, kind="nm"))]
ImdbCompany = Annotated[str, StringConstraints(pattern=IMDB_COMPANY), BeforeValidator(partial(bare_id, kind="co"))]


class Identified(Record):
    """Identifiers that decide identity before a name does; each becomes a ``schema:sameAs`` link."""

    wikidata: WikidataId | None = None
    isni: Annotated[str, StringConstraints(pattern=ISNI)] | None = None
    viaf: Annotated[str, StringConstraints(pattern=VIAF)] | None = None

    @field_validator("isni", mode="before")
    @classmethod
    def _compact_isni(cls, value: Any) -> Any:
        # ISNIs are printed in groups of four ("0000 0001 2103 2683"); the IRI uses the compact form.
        return re.sub(r"[\s-]", "", value) if isinstance(value, str) else value


class Person(Shorthand, Identified):
    """A person credited on a film. ``description`` holds what the record says about them (a biography)."""

    shorthand: ClassVar[str] = "the person's name"

    name: Text
    imdb: ImdbName | None = None
    description: LongText | None = None
    description_language: Language | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class PostalAddress(Record):
    street: Text | None = None
    postal_code: Text | None = None
    locality: Text | None = None
    region: Text | None = None
    country: Text | None = None


class Organisation(Shorthand, Identified):
    """A company or institution: producer, co-producer, sales agent, publisher of a source."""

    shorthand: ClassVar[str] = "the organisation's name"

    name: Text
    imdb: ImdbCompany | None = None
    address: PostalAddress | None = None
    telephone: Text | None = None
    fax: Text | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    url: Url | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


def split_character(text: str) -> tuple[str, str | None]:
    """``"Anne Coesens (Tania)"`` → ``("Anne Coesens", "Tania")``; a name without parentheses has no character."""
    text = text.strip()
    if text.endswith(")") and "(" in text:
        depth = 0
        for index in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[index], 0)
            if depth == 0:
                name, character = text[:index].strip(), text[index + 1 : -1].strip()
                if name:
                    return name, character or None
                break
    return text, None


class CastCredit(Shorthand, Record):
    """An actor and the character they play (``schema:PerformanceRole``)."""

    shorthand: ClassVar[str] = '"Name (Character)", or just the name'
    flat: ClassVar[dict[str, Any] | None] = {
        "type": "object",
        "description": "the actor's fields with the character beside them",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {"name": {"type": "string", "minLength": 1}, "character": {"type": ["string", "null"]},
                       **IDENTIFIER_PROPERTIES},
    }

    person: Person
    character: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, value: Any) -> Any:
        if isinstance(value, str):
            name, character = split_character(value)
            return {"person": {"name": name}, "character": character}
        if isinstance(value, dict) and "person" not in value:
            value = dict(value)
            character = value.pop("character", None)
            return {"person": value, "character": character}
        return value


class CrewCredit(Shorthand, Record):
    """A credit with no schema.org property of its own, kept with its label as printed (``schema:Role``).

    Exactly one of ``person`` and ``organisation`` is set; ``{role, name}`` is short for a person.
    """

    shorthand: ClassVar[str] = "not allowed: a crew credit needs a role"
    flat: ClassVar[dict[str, Any] | None] = {
        "type": "object",
        "description": "the role and the person's fields",
        "required": ["role", "name"],
        "additionalProperties": False,
        "properties": {"role": {"type": "string", "minLength": 1}, "name": {"type": "string", "minLength": 1},
                       **IDENTIFIER_PROPERTIES},
    }

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        assert cls.flat is not None
        return {"anyOf": [cls.flat, handler(core_schema)]}

    role: Text
    person: Person | None = None
    organisation: Organisation | None = None

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, value: Any) -> Any:
        # {role, name, ...} is a person; {role, organisation: ...} an organisation.
        if (
            isinstance(value, dict)
            and "person" not in value
            and "organisation" not in value
            and "name" in value
        ):
            value = dict(value)
            role = value.pop("role", None)
            return {"role": role, "person": value}
        return value

    @model_validator(mode="after")
    def _one_agent(self) -> CrewCredit:
        if (self.person is None) == (self.organisation is None):
            raise ValueError("a crew credit names exactly one person or one organisation")
        return self


class Source(Record):
    """Where a record's facts come from: a web page, and when it was retrieved."""

    url: Url
    retrieved: dt.date | None = None
    publisher: Organisation | None = None


class Title(Shorthand, Record):
    shorthand: ClassVar[str] = "the title"

    text: Text
    language: Language | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


Status = Literal["winner", "finalist", "official selection"]


class Selection(Record):
    """A film's part in one edition of a prize: won it, was a finalist, or was in its official selection."""

    prize: Text
    year: Annotated[int, Field(ge=1870, le=2100)]
    status: Status


DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d{1,2}\s*$")


class Rating(Record):
    """An aggregate rating from one source (``schema:AggregateRating``): IMDb's 7.6 of 10 from 8,123 votes."""

    value: Annotated[float, Field(allow_inf_nan=False)]
    count: Annotated[int, Field(ge=0)] | None = None
    best: Annotated[float, Field(allow_inf_nan=False)] | None = None
    worst: Annotated[float, Field(allow_inf_nan=False)] | None = None
    source: Text | None = Field(default=None, description="Who rated: becomes the rating's author, an organisation.")

    @field_validator("value", "best", "worst", mode="before")
    @classmethod
    def _decimal_comma(cls, value: Any) -> Any:
        # Tables saved in locales whose decimal mark is a comma write 7,5. One or two digits after the comma is a
        # decimal comma; three (1,234) could be a thousands separator, and is left for the number check to refuse.
        if isinstance(value, str) and DECIMAL_COMMA.match(value):
            return value.replace(",", ".")
        return value

    @field_validator("count", mode="before")
    @classmethod
    def _whole_count(cls, value: Any) -> Any:
        # Exports write counts as 8123, "8,123" or 8123.0.
        if isinstance(value, str):
            value = value.replace(",", "").replace("\u202f", "").strip()
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    @model_validator(mode="after")
    def _in_scale(self) -> Rating:
        best = 10.0 if self.best is None and self.worst is None else self.best
        if best is not None and self.value > best:
            raise ValueError(f"rating {self.value:g} is above its best rating {best:g}")
        if self.worst is not None and self.value < self.worst:
            raise ValueError(f"rating {self.value:g} is below its worst rating {self.worst:g}")
        return self


class Work(Shorthand, Record):
    """What a film is based on (``schema:isBasedOn``): a title, an author, a web address."""

    shorthand: ClassVar[str] = "the work's title, or its web address"

    title: Text | None = None
    author: Person | None = None
    url: Url | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"url": value} if re.match(r"^https?://", value.strip()) else {"title": value}
        return value

    @model_validator(mode="after")
    def _something(self) -> Work:
        if self.title is None and self.url is None:
            raise ValueError("a work needs a title or a web address")
        return self


def language_tag(value: Any) -> Any:
    """``fr``, ``pt-BR`` stay as they are; ``French``, ``fra`` become their BCP 47 tag (ISO 639-1 where it has
    one)."""
    import pycountry

    if not isinstance(value, str):
        return value
    text = value.strip()
    if re.fullmatch(r"[A-Za-z]{2}(-[A-Za-z0-9]{1,8})*", text):
        return text
    found = None
    for key in ("alpha_3", "name", "common_name"):
        try:
            found = pycountry.languages.get(**{key: text}) or found
        except (KeyError, LookupError):
            continue
        if found is not None:
            break
    if found is None:
        try:
            found = pycountry.languages.lookup(text)
        except LookupError:
            raise ValueError(
                f"unknown language {quote(text)} (use a BCP 47 tag like 'fr' or an English name)") from None
    return getattr(found, "alpha_2", None) or found.alpha_3


class Film(Record):
    """One film record. Only ``title`` (the original title) is required: archives hold films whose director is
    not known."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")] | None = Field(
        default=None, description="A stable key for this record inside its file (defaults to title and year)."
    )
    title: Text
    title_language: Language | None = None
    alternate_titles: list[Title] = Field(default_factory=list)
    wikidata: WikidataId | None = None
    imdb: ImdbTitle | None = None
    directors: list[Person] = Field(default_factory=list)
    countries: list[Text] = Field(default_factory=list, description="Country names or ISO 3166-1 alpha-2 codes.")
    runtime_minutes: Annotated[int, Field(gt=0, le=100_000)] | None = Field(
        default=None, description="Minutes: 95, 95.0, '95 min', '1h 35', \"95'\", 'PT1H35M'.")
    year: Annotated[int, Field(ge=1870)] | None = Field(
        default=None, description="The film's year; a full date (1998-06-12, 'Jun 12 1998') is kept as "
                                  "release_date too.")
    release_date: dt.date | None = Field(default=None, description="First release: 1998-06-12, 'Jun 12 1998'.")
    genres: list[Text] = Field(default_factory=list)
    content_rating: Text | None = Field(default=None, description="As the rating board writes it: PG-13, 12A.")
    languages: list[Language] = Field(default_factory=list, description="BCP 47 tags (fr, pt-BR) or English names.")
    rating: Rating | None = None
    keywords: list[Text] = Field(default_factory=list)
    based_on: list[Work] = Field(default_factory=list)
    distributors: list[Organisation] = Field(default_factory=list)
    awards: list[Text] = Field(default_factory=list,
                               description="Awards won, as text (a prize edition is a selection).")
    synopsis: LongText | None = None
    synopsis_language: Language | None = None
    screenplay: list[Person] = Field(default_factory=list)
    music: list[Person] = Field(default_factory=list)
    producers: list[Person] = Field(default_factory=list)
    production_companies: list[Organisation] = Field(default_factory=list)
    coproduction_companies: list[Organisation] = Field(default_factory=list)
    cast: list[CastCredit] = Field(default_factory=list)
    crew: list[CrewCredit] = Field(default_factory=list)
    world_sales: list[Organisation] = Field(default_factory=list)
    trailer: Url | None = None
    image: Url | None = None
    links: list[Url] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    selections: list[Selection] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _year_and_release_date(cls, data: Any) -> Any:
        """A full date given as the year is kept as the release date too; a release date with no year gives the
        year. A value neither reader takes is left for the field's own check, which says why."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("year") not in (None, ""):
            try:
                year, date = year_and_date(data["year"])
            except ValueError:
                return data
            data["year"] = year
            if date is not None and data.get("release_date") in (None, ""):
                data["release_date"] = date
        elif data.get("release_date") not in (None, ""):
            try:
                data["year"] = release_date(data["release_date"]).year
            except ValueError:
                return data
        return data

    @field_validator("title", mode="before", json_schema_input_type=str | int | float)
    @classmethod
    def _title(cls, value: Any) -> Any:
        # A title that is a number (2046, 1941, 300) is a title, however a spreadsheet or YAML typed it.
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("year", mode="before", json_schema_input_type=int | str | None)
    @classmethod
    def _year(cls, value: Any) -> Any:
        return None if value is None else year_and_date(value)[0]

    @field_validator("release_date", mode="before", json_schema_input_type=dt.date | str | None)
    @classmethod
    def _release_date(cls, value: Any) -> Any:
        return None if value in (None, "") else release_date(value)

    @field_validator("runtime_minutes", mode="before", json_schema_input_type=int | float | str | None)
    @classmethod
    def _runtime(cls, value: Any) -> Any:
        return None if value in (None, "") else minutes(value)

    @field_validator("languages", mode="before", json_schema_input_type=list[str] | str)
    @classmethod
    def _languages(cls, values: Any) -> Any:
        if isinstance(values, str):
            values = [values]
        return [language_tag(v) for v in values] if isinstance(values, list) else values

    @field_validator("keywords", "genres", "awards", mode="before", json_schema_input_type=list[str] | str)
    @classmethod
    def _text_list(cls, values: Any) -> Any:
        # One text holding several (schema.org's keywords are often "a, b, c"): keywords split on commas.
        return [values] if isinstance(values, str) else values

    @field_validator("keywords")
    @classmethod
    def _split_keywords(cls, values: list[str]) -> list[str]:
        return [k.strip() for value in values for k in value.split(",") if k.strip()]

    @field_validator("countries")
    @classmethod
    def _known_countries(cls, values: list[str]) -> list[str]:
        """Countries are kept as ISO 3166-1 codes; a name we cannot place is an error, not a guess."""
        codes: list[str] = []
        for value in values:
            code = country_code(value)
            if code is None:
                raise ValueError(f"unknown country {quote(value)} (use an English name or an ISO 3166-1 code)")
            if code not in codes:
                codes.append(code)
        return codes

    @property
    def label(self) -> str:
        """How messages name this record: ``Illégal (2010)``."""
        return f"{self.title} ({self.year})" if self.year else self.title
