"""Documents → model: the checked YAML documents assembled into the frozen Course of model.py.

Built from documents that passed the schemas, so every required field is there; each
object gets the `source` (file:line) of the YAML it came from.
"""

from __future__ import annotations

from typing import Any

from .errors import Source
from .load import Content, Document, field_path
from .model import (
    Activity,
    Canvas,
    Choice,
    Course,
    Credential,
    Field,
    Material,
    MaterialUse,
    Minutes,
    OverviewRow,
    Point,
    Step,
    Unit,
    Vocabulary,
)


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (the model keeps no YAML types)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _minutes(value: Any) -> Minutes | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return Minutes(value["min"], value["max"])
    return Minutes(value, value)


def _step(doc: Document, path: str, data: dict) -> Step:
    return Step(
        heading=data.get("heading", ""),
        paragraphs=tuple(data.get("paragraphs", ())),
        points=tuple(Point(p["text"], tuple(p.get("details", ()))) for p in data.get("points", ())),
        numbered_points=data.get("point_style") == "numbered",
        minutes=_minutes(data.get("minutes")),
        canvas_id=data.get("canvas"),
        source=doc.source(path),
        sources=_field_sources(doc, path, data),
        marker=data.get("marker", ""),
        footnote=bool(data.get("footnote", False)),
    )


def _material_use(doc: Document, path: str, data: dict, materials: dict[str, Material]) -> MaterialUse:
    if "material" in data:
        material = materials.get(data["material"])
        kind = material.kind if material else "other"
        return MaterialUse(kind, material, data["material"], material.name if material else "", doc.source(path))
    return MaterialUse(data["kind"], None, None, data.get("text", ""), doc.source(path))


def _field_sources(doc: Document, path: str, data: dict) -> dict[str, Source]:
    """The source of each field of `data`, of its lists' items and of every value nested in them,
    keyed relative to `path` (`learning_outcomes.items[2]`, `points[0].details[1]`)."""
    sources: dict[str, Source] = {}

    def walk(key: str, value: Any) -> None:
        sources[key] = doc.source(field_path([path, key]) if path else key)
        if isinstance(value, dict):
            for sub, item in value.items():
                walk(f"{key}.{sub}", item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(f"{key}[{index}]", item)

    for key, value in data.items():
        walk(str(key), value)
    return sources


def _activity(doc: Document, path: str, data: dict, unit_id: str, lookups: dict) -> Activity:
    outcomes = data["learning_outcomes"]
    return Activity(
        id=data["id"],
        number=data["number"],
        title=data["title"],
        duration=data["duration"],
        outcomes_lead=outcomes.get("lead", ""),
        outcomes=tuple(outcomes["items"]),
        activity_types=tuple(data["activity_types"]),
        materials=tuple(
            _material_use(doc, f"{path}.materials[{i}]", m, lookups["materials"])
            for i, m in enumerate(data["materials"])
        ),
        organisational_requirements=data.get("organisational_requirements", ""),
        description=tuple(_step(doc, f"{path}.description[{i}]", s) for i, s in enumerate(data["description"])),
        canvas=lookups["canvases"].get(data.get("canvas")),
        canvas_id=data.get("canvas"),
        assessment=tuple(data.get("assessment", ())),
        resources=tuple(data.get("resources", ())),
        unit_id=unit_id,
        source=doc.source(path),
        sources=_field_sources(doc, path, data),
    )


def _field(doc: Document, path: str, data: dict, vocabularies: dict[str, Vocabulary]) -> Field:
    rows = data.get("rows", {})
    return Field(
        id=data["id"],
        type=data["type"],
        label=data["label"],
        help=data.get("help", ""),
        required=bool(data.get("required", False)),
        editorial=bool(data.get("editorial", False)),
        vocabulary=vocabularies.get(data.get("vocabulary")),
        vocabulary_id=data.get("vocabulary"),
        max_length=data.get("max_length"),
        columns=tuple(
            _field(doc, f"{path}.columns[{i}]", c, vocabularies) for i, c in enumerate(data.get("columns", ()))
        ),
        rows_min=rows.get("min", 1),
        rows_max=rows.get("max"),
        row_labels=tuple(rows.get("labels", ())),
        source=doc.source(path),
        sources=_field_sources(doc, path, data),
    )


def _canvas(doc: Document, vocabularies: dict[str, Vocabulary]) -> Canvas:
    data = _plain(doc.data)
    return Canvas(
        id=data["id"],
        code=data.get("code", ""),
        title=data["title"],
        intro=tuple(data.get("intro", ())),
        fields=tuple(_field(doc, f"fields[{i}]", f, vocabularies) for i, f in enumerate(data["fields"])),
        source=doc.source(),
        sources=_field_sources(doc, "", data),
    )


def _vocabularies(doc: Document | None) -> tuple[Vocabulary, ...]:
    if doc is None:
        return ()
    return tuple(
        Vocabulary(
            v["id"],
            v["label"],
            tuple(Choice(c["id"], c["label"]) for c in v["values"]),
            doc.source(f"vocabularies[{i}]"),
        )
        for i, v in enumerate(_plain(doc.data)["vocabularies"])
    )


def _materials(doc: Document | None, files: dict[str, bytes]) -> tuple[Material, ...]:
    if doc is None:
        return ()
    return tuple(
        Material(m["id"], m["kind"], m["name"], doc.source(f"materials[{i}]"), files.get(m["name"]))
        for i, m in enumerate(_plain(doc.data)["materials"])
    )


def _overview_row(doc: Document, index: int, data: dict) -> OverviewRow:
    return OverviewRow(
        unit_id=data["unit"],
        number=data["number"],
        title=data["title"],
        contents=tuple(data["contents"]),
        duration=data["duration"],
        duration_text=data.get("duration_text", ""),
        source=doc.source(f"overview.units[{index}]"),
    )


def _unit(doc: Document, overview: dict[str, OverviewRow], lookups: dict) -> Unit:
    data = _plain(doc.data)
    return Unit(
        id=data["id"],
        number=data["number"],
        title=data["title"],
        activities=tuple(
            _activity(doc, f"activities[{i}]", a, data["id"], lookups) for i, a in enumerate(data["activities"])
        ),
        overview=overview.get(data["id"]),
        source=doc.source(),
        sources=_field_sources(doc, "", data),
    )


def _credential(doc: Document | None) -> Credential | None:
    if doc is None:
        return None
    data = _plain(doc.data)
    return Credential(
        data["id"], data["version"], data["eu_mandatory_elements"], tuple(data["criteria"]), doc.source(), doc
    )


def build_course(content: Content) -> Course:
    """The model of a content folder whose documents passed their schemas."""
    course_doc = content.single("course")
    data = _plain(course_doc.data)
    vocabularies = _vocabularies(content.single("vocabularies"))
    vocabulary_by_id = {v.id: v for v in vocabularies}
    canvases = tuple(_canvas(d, vocabulary_by_id) for d in content.of_kind("canvas"))
    materials = _materials(content.single("materials"), content.material_files)
    lookups = {"materials": {m.id: m for m in materials}, "canvases": {c.id: c for c in canvases}}
    overview = tuple(_overview_row(course_doc, i, row) for i, row in enumerate(data["overview"]["units"]))
    overview_by_unit = {row.unit_id: row for row in overview}
    units = tuple(
        sorted((_unit(d, overview_by_unit, lookups) for d in content.of_kind("unit")), key=lambda u: (u.number, u.id))
    )
    downloads = data.get("downloads", {"text": "", "url": ""})
    curriculum = data["curriculum"]
    return Course(
        id=data["id"],
        language=data["language"],
        base_iri=data["base_iri"],
        label=data.get("label", ""),
        title=data["title"],
        project=data.get("project", ""),
        funding_notice=data.get("funding_notice", ""),
        introduction_title=data.get("introduction_title", ""),
        introduction=tuple(data["introduction"]),
        downloads_text=downloads["text"],
        downloads_url=downloads["url"],
        curriculum_title=curriculum["title"],
        curriculum_lead=curriculum.get("lead", ""),
        curriculum_items=tuple(curriculum["items"]),
        overview_title=data["overview"]["title"],
        overview_paragraphs=tuple(data["overview"].get("paragraphs", ())),
        learning_unit_minutes=data["overview"]["learning_unit_minutes"],
        overview=overview,
        units=units,
        canvases=canvases,
        materials=materials,
        vocabularies=vocabularies,
        credential=_credential(content.single("credential")),
        source=course_doc.source(),
        sources=_field_sources(course_doc, "", data),
    )
