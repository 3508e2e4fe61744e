"""Tiny synthetic xAPI and cmi5 packages (the real ones come from builder/formats/), learners and statements."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

COURSE_IRI = "https://example.si/microquest/courses/test"
AU_IRI = "https://example.si/microquest/activities/u1-a1"
SECOND_AU_IRI = "https://example.si/microquest/activities/u1-a2"
INDEX_HTML = (
    b'<!DOCTYPE html><html lang="sl"><head><meta charset="utf-8"><title>Test</title></head><body>ok</body></html>\n'
)

TINCAN_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd"><activities>
  <activity id="{COURSE_IRI}" type="http://adlnet.gov/expapi/activities/course">
    <name lang="sl">Preizkusni tečaj</name><launch lang="sl">index.html</launch>
  </activity>
  <activity id="{AU_IRI}" type="http://adlnet.gov/expapi/activities/lesson"><name lang="sl">Dejavnost</name></activity>
</activities></tincan>
"""

CMI5_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="{COURSE_IRI}">
    <title><langstring lang="sl">Preizkusni tečaj</langstring></title>
    <description><langstring lang="sl">Opis</langstring></description>
  </course>
  <block id="https://example.si/microquest/units/u1">
    <title><langstring lang="sl">Enota 1</langstring></title>
    <description><langstring lang="sl">Opis enote</langstring></description>
    <au id="{AU_IRI}" moveOn="Completed" launchMethod="AnyWindow">
      <title><langstring lang="sl">Dejavnost 1.1</langstring></title>
      <description><langstring lang="sl">Opis</langstring></description>
      <url>activities/u1-a1.html</url>
      <launchParameters>{{"canvas": true}}</launchParameters>
    </au>
    <au id="{SECOND_AU_IRI}" masteryScore="0.8" moveOn="CompletedOrPassed">
      <title><langstring lang="sl">Dejavnost 1.2</langstring></title>
      <description><langstring lang="sl">Opis</langstring></description>
      <url>activities/u1-a2.html?lang=sl</url>
    </au>
  </block>
</courseStructure>
"""


def write_zip(path: Path, files: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def learner() -> dict:
    """A new learner (cmi5 needs an account agent)."""
    return {
        "objectType": "Agent",
        "name": "Ana Šuštar",
        "account": {"homePage": "https://moodle.example.si", "name": str(uuid.uuid4())},
    }


def statement(registration: str | None = None, timestamp: str | None = "2026-03-01T10:00:00.000Z", **changes) -> dict:
    """A valid statement with a fresh id; `timestamp=None` leaves the timestamp to the LRS."""
    made = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:ana.sustar@example.si"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed"}},
        "object": {"objectType": "Activity", "id": AU_IRI},
    }
    if timestamp is not None:
        made["timestamp"] = timestamp
    if registration is not None:
        made["context"] = {"registration": registration}
    made.update(changes)
    return made
