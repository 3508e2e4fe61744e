"""The course as frozen dataclasses: the types that checks, templates and formats see.

assemble.py builds them from the checked documents. Each object keeps its `source`
so later stages can still point at file:line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import Source

if TYPE_CHECKING:
    from .load import Document

MATERIAL_KIND_LABELS = {
    "presentation": "predstavitev PowerPoint",
    "handout": "PDF / izroček",
    "online": "Spletno gradivo",
    "other": "Drugo",
    "equipment": "",
}


@dataclass(frozen=True)
class Minutes:
    low: int
    high: int

    @property
    def label(self) -> str:
        return f"{self.low} min" if self.low == self.high else f"{self.low}–{self.high} min"


@dataclass(frozen=True)
class Point:
    text: str
    details: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    heading: str
    paragraphs: tuple[str, ...]
    points: tuple[Point, ...]
    numbered_points: bool
    minutes: Minutes | None
    canvas_id: str | None
    source: Source
    sources: dict[str, Source] = field(repr=False, compare=False)
    # The seed's own marker ("1)"), printed before the first paragraph; "" where the seed has none.
    marker: str = ""
    # The seed's footnote ("* Udeleženci …"): a note after the steps, not a step.
    footnote: bool = False


@dataclass(frozen=True)
class Material:
    id: str
    kind: str
    name: str
    source: Source
    file_bytes: bytes | None = field(default=None, repr=False)

    @property
    def extension(self) -> str:
        stem, dot, ext = self.name.rpartition(".")
        return f".{ext.lower()}" if dot and stem and " " not in ext else ""

    @property
    def package_path(self) -> str | None:
        # Package paths are ASCII and come from ids; the seed's names have spaces.
        return f"materials/{self.id}{self.extension}" if self.file_bytes is not None else None


@dataclass(frozen=True)
class MaterialUse:
    """One line of an activity's 'Gradiva': a catalogued file or a short text."""

    kind: str
    material: Material | None
    material_id: str | None
    text: str
    source: Source

    @property
    def kind_label(self) -> str:
        return MATERIAL_KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Vocabulary:
    id: str
    label: str
    values: tuple[Choice, ...]
    source: Source


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: str
    help: str
    required: bool
    # The label is the editor's question, not the seed's wording (`help` keeps the seed's).
    editorial: bool
    vocabulary: Vocabulary | None
    vocabulary_id: str | None
    max_length: int | None
    columns: tuple[Field, ...]
    rows_min: int
    rows_max: int | None
    row_labels: tuple[str, ...]
    source: Source
    sources: dict[str, Source] = field(repr=False, compare=False)

    @property
    def initial_rows(self) -> int:
        return len(self.row_labels) or max(self.rows_min, 1)


@dataclass(frozen=True)
class Canvas:
    id: str
    code: str
    title: str
    intro: tuple[str, ...]
    fields: tuple[Field, ...]
    source: Source
    sources: dict[str, Source] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Activity:
    id: str
    number: str
    title: str
    duration: int
    outcomes_lead: str
    outcomes: tuple[str, ...]
    activity_types: tuple[str, ...]
    materials: tuple[MaterialUse, ...]
    organisational_requirements: str
    description: tuple[Step, ...]
    canvas: Canvas | None
    canvas_id: str | None
    assessment: tuple[str, ...]
    resources: tuple[str, ...]
    unit_id: str
    source: Source
    sources: dict[str, Source] = field(repr=False, compare=False)

    @property
    def duration_label(self) -> str:
        return f"{self.duration} minut"

    @property
    def steps(self) -> tuple[Step, ...]:
        """The description's steps, in the seed's order, without its footnotes."""
        return tuple(s for s in self.description if not s.footnote)

    @property
    def footnotes(self) -> tuple[Step, ...]:
        return tuple(s for s in self.description if s.footnote)


@dataclass(frozen=True)
class OverviewRow:
    unit_id: str
    number: int
    title: str
    contents: tuple[str, ...]
    duration: float
    duration_text: str
    source: Source


@dataclass(frozen=True)
class Unit:
    id: str
    number: int
    title: str
    activities: tuple[Activity, ...]
    overview: OverviewRow | None
    source: Source
    sources: dict[str, Source] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Credential:
    id: str
    version: int
    elements: dict[str, Any]
    criteria: tuple[dict[str, Any], ...]
    source: Source
    document: Document = field(repr=False, compare=False)


@dataclass(frozen=True)
class Course:
    id: str
    language: str
    base_iri: str
    label: str
    title: str
    project: str
    funding_notice: str
    introduction: tuple[str, ...]
    downloads_text: str
    downloads_url: str
    curriculum_title: str
    curriculum_lead: str
    curriculum_items: tuple[str, ...]
    overview_title: str
    overview_paragraphs: tuple[str, ...]
    learning_unit_minutes: int
    overview: tuple[OverviewRow, ...]
    units: tuple[Unit, ...]
    canvases: tuple[Canvas, ...]
    materials: tuple[Material, ...]
    vocabularies: tuple[Vocabulary, ...]
    credential: Credential | None
    source: Source
    sources: dict[str, Source] = field(repr=False, compare=False)
    introduction_title: str = ""

    @property
    def activities(self) -> tuple[Activity, ...]:
        return tuple(a for u in self.units for a in u.activities)
