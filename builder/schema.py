"""Check documents against the JSON Schemas published in content/schema/.

A document that passed is remembered by the digest of its text, its schemas and the
validator (in the user's cache folder): an unchanged file is not checked again, and a
build of unchanged content never loads jsonschema (~50 ms of a ~250 ms build). Only a
pass is remembered; a failing file is checked, and its errors reported, every time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

from .errors import SourceError
from .load import Document, field_path

SCHEMA_FOR_KIND = {
    "course": "course.schema.json",
    "unit": "unit.schema.json",
    "canvas": "canvas.schema.json",
    "materials": "materials.schema.json",
    "vocabularies": "vocabularies.schema.json",
    "credential": "credential.schema.json",
}

PATTERN_HINTS = {
    "^[a-z][a-z0-9-]{0,31}$": "a short id: lower-case letters, digits and '-', starting with a letter, at most 32 characters",
    "^\\S(.*\\S)?$": "one line of text without leading or trailing spaces",
    "^[0-9]+\\.[0-9]+$": 'an activity number such as "3.1"',
    "^https?://\\S+$": "a URL starting with https:// or http://",
    "^https://\\S+$": "a URL starting with https://",
    "^https?://[^\\s?#]+/$": "an http(s) IRI ending with '/'",
    "^[A-Z]{2}$": "a two-letter ISO 3166-1 country code such as SI",
    "^U[0-9]+/C[0-9]+$": "a canvas code such as U3/C1",
}

TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "object": "a mapping (key: value)",
    "array": "a list",
    "boolean": "true or false",
    "null": "nothing (null)",
}


def schema_folder() -> Path:
    """content/schema/ of this project: the schemas editors and the builder share."""
    return Path(__file__).resolve().parent.parent / "content" / "schema"


@cache
def _validators() -> dict[str, Draft202012Validator]:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(schema_folder().glob("*.json"))}
    registry: Registry = Registry()
    for name, schema in schemas.items():
        resource = Resource.from_contents(schema)
        registry = registry.with_resources([(schema["$id"], resource), (name, resource)])
    return {kind: Draft202012Validator(schemas[name], registry=registry) for kind, name in SCHEMA_FOR_KIND.items()}


def describe(value: Any) -> str:
    """A found value in the content's words, never a parser's class: 'a list', 'a date (…)' …"""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        # A text is at most 10000 characters; a message shows its start.
        return repr(value[:80] + "…" if len(value) > 80 else str(value)) if value else "an empty text"
    if isinstance(value, int | float):
        return repr(float(value) if isinstance(value, float) else int(value))
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if hasattr(value, "isoformat"):  # YAML reads 2024-05-01 as a date
        return f"a date ({value.isoformat()})"
    return "a value that is not text, a number, a list or a mapping"


def _expected_type(expected: str | list[str]) -> str:
    names = [expected] if isinstance(expected, str) else expected
    return " or ".join(TYPE_NAMES.get(n, n) for n in names)


def explain(error: ValidationError) -> tuple[list[str | int], str]:
    """The field path and a 'expected …, found …' message for one schema error."""
    path = list(error.absolute_path)
    keyword, value, instance = error.validator, error.validator_value, error.instance
    if keyword in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        deepest = best_match(error.context)
        if list(deepest.absolute_path) != path or deepest.validator not in ("required", "additionalProperties"):
            return explain(deepest)
        alternatives = [sorted(s.get("required", [])) for s in value if "required" in s]
        if alternatives:
            fields = " or ".join("/".join(a) for a in alternatives)
            return (
                path,
                f"expected one of the fields {fields}, found {sorted(instance) if isinstance(instance, dict) else describe(instance)}",
            )
        return explain(deepest)
    if keyword == "required":
        missing = next(name for name in value if name not in instance)
        return [*path, missing], "required field is missing"
    if keyword == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(instance) - set(allowed))
        return [*path, unknown[0]], f"unknown field; expected one of: {', '.join(allowed)}"
    if keyword == "type":
        return path, f"expected {_expected_type(value)}, found {describe(instance)}"
    if keyword == "enum":
        return path, f"expected one of: {', '.join(map(str, value))}; found {describe(instance)}"
    if keyword == "const":
        return path, f"expected {value!r}, found {describe(instance)}"
    if keyword == "pattern":
        return path, f"expected {PATTERN_HINTS.get(value, 'text matching ' + value)}, found {describe(instance)}"
    if keyword == "minItems":
        return path, f"expected at least {value} item(s), found {len(instance)}"
    if keyword == "minLength":
        return path, f"expected text, found {describe(instance)}"
    if keyword == "maxLength":
        return path, f"expected at most {value} characters, found {len(instance)}"
    if keyword in ("minimum", "exclusiveMinimum", "maximum"):
        relation = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most"}[keyword]
        return path, f"expected a number {relation} {value}, found {describe(instance)}"
    if keyword == "uniqueItems":
        return path, "expected each item once, found a repeated item"
    return path, error.message


@cache
def _passed_folder() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "microquest" / "schema-passed"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


@cache
def _schemas_digest() -> str:
    """The schemas' bytes and the installed jsonschema (found without importing it)."""
    digest = hashlib.sha256()
    for path in sorted(schema_folder().glob("*.json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    spec = importlib.util.find_spec("jsonschema")
    if spec is not None and spec.origin:
        for path in sorted(Path(spec.origin).parent.glob("*.py")):
            status = path.stat()
            digest.update(f"{path.name}:{status.st_size}:{status.st_mtime_ns}".encode())
    return digest.hexdigest()


def _pass_mark(document: Document) -> Path | None:
    folder = _passed_folder()
    if folder is None or not document.digest:
        return None
    key = hashlib.sha256(f"{_schemas_digest()}:{document.kind}:{document.digest}".encode()).hexdigest()
    return folder / key


def schema_errors(document: Document) -> list[SourceError]:
    mark = _pass_mark(document)
    if mark is not None and mark.exists():
        return []
    validator = _validators()[document.kind]
    found = []
    for error in validator.iter_errors(document.data):
        path, message = explain(error)
        found.append(SourceError(document.source(field_path(path)), message))
    if not found and mark is not None:
        try:
            mark.touch()
        except OSError:
            pass  # a cache that cannot be written is simply not used
    return found
