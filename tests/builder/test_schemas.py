"""The published JSON Schemas and the credential definition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from builder.build import check
from builder.schema import SCHEMA_FOR_KIND, schema_folder
from tests.project import CONTENT

SCHEMAS = sorted(schema_folder().glob("*.schema.json"))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_published_schema_is_valid_draft_2020_12(path: Path):
    Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_every_kind_of_content_file_has_a_published_schema():
    assert sorted(SCHEMA_FOR_KIND.values()) == [p.name for p in SCHEMAS]


@pytest.mark.parametrize("path", sorted(CONTENT.rglob("*.yaml")), ids=str)
def test_every_content_file_names_its_schema_for_editors(path: Path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    schema = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert schema.is_file() and schema.parent == schema_folder()


def test_credential_carries_every_eu_mandatory_element_derived_from_the_course():
    course = check(CONTENT).course
    elements = course.credential.elements
    assert set(elements) >= {
        "learner_identification",
        "title",
        "issuer_country",
        "awarding_body",
        "date_of_issuing",
        "learning_outcomes",
        "notional_workload",
        "level",
        "type_of_assessment",
        "form_of_participation",
        "quality_assurance",
    }
    assert elements["title"] == course.title
    assert elements["learning_outcomes"]["activities"] == [a.id for a in course.activities]
    declared_hours = sum(row.duration for row in course.overview) * course.learning_unit_minutes / 60
    assert elements["notional_workload"]["hours"] == declared_hours == 12
    assessed = {a.id for a in course.activities if set(a.assessment) - {"Brez uradne ocene"}}
    assert set(elements["type_of_assessment"]["activities"]) == assessed


def test_issuance_criteria_reference_every_activity_and_the_canvases_of_units_3_to_5():
    course = check(CONTENT).course
    completed, submitted = course.credential.criteria
    assert completed == {"rule": "activities-completed", "activities": [a.id for a in course.activities]}
    canvases_3_to_5 = [a.canvas_id for a in course.activities if a.canvas_id and a.unit_id in ("u3", "u4", "u5")]
    assert submitted == {"rule": "canvases-submitted", "canvases": canvases_3_to_5}
