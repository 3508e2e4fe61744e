"""Fixtures of the credential tests: the real course, a throw-away issuer key, signed credentials,
and the independent verifier (Digital Bazaar's JavaScript stack, run by node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.project import CONTENT, PROJECT

VERIFIER = Path(__file__).resolve().parent / "verify_credential.mjs"
AWARDED_AT = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
AGENT = {"objectType": "Agent", "mbox": "mailto:Ana.Novak@Example.si", "name": "Ana Novak"}
CREDENTIAL_ID = "urn:uuid:0b8f2a52-7a3c-4d55-9c1e-2f6d7e8a9b10"
REVOCATION_URL = "https://www.micro-quest.eu/credentials/revocations.json"


@pytest.fixture(autouse=True)
def keys_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's default key folder is its own temporary one, never the real ~/.config."""
    folder = tmp_path / "keys-home"
    monkeypatch.setenv("MICROQUEST_KEYS", str(folder))
    return folder


@pytest.fixture(scope="session")
def course():
    from builder.build import check

    return check(CONTENT).course


@pytest.fixture(scope="session")
def issuer_key():
    from credentials.signing import generate_key

    return generate_key()


@pytest.fixture(scope="session")
def other_key():
    from credentials.signing import generate_key

    return generate_key()


@pytest.fixture(scope="session")
def signed(course, issuer_key) -> dict[str, Any]:
    """The credential of AGENT, signed, naming no revocation list."""
    from credentials.issue import issue

    return issue(course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer_key)


@pytest.fixture(scope="session")
def course_with_level_and_ects(tmp_path_factory: pytest.TempPathFactory):
    """The real course, its credential.yaml stating an EQF level and ECTS (the seed states neither)."""
    from builder.build import check

    folder = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(CONTENT, folder, ignore=shutil.ignore_patterns("schema"))
    path = folder / "credential.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (("eqf: null", "eqf: 5"), ("    hours: 12\n", "    hours: 12\n    ects: 0.5\n")):
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return check(folder).course


@pytest.fixture(scope="session")
def with_level_and_ects(course_with_level_and_ects, issuer_key) -> dict[str, Any]:
    """A credential with every optional EU element stated (EQF level, ECTS)."""
    from credentials.issue import issue

    course = course_with_level_and_ects
    return issue(course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer_key)


@pytest.fixture(scope="session")
def revocable(course, issuer_key) -> dict[str, Any]:
    """A credential that names the provider's revocation list in credentialStatus."""
    from credentials.issue import issue

    return issue(
        course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer_key, revocation_list=REVOCATION_URL
    )


@pytest.fixture(scope="session")
def expired(course, issuer_key) -> dict[str, Any]:
    from credentials.issue import issue

    return issue(
        course,
        course.credential,
        AGENT,
        AWARDED_AT,
        CREDENTIAL_ID,
        issuer_key,
        valid_until=AWARDED_AT + timedelta(days=30),
    )


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = json.loads(json.dumps(document))
    node = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value(node[path[-1]]) if callable(value) else value
    return changed


# One change each, to fields the signature must cover (the EU extension terms included).
TAMPERINGS: dict[str, tuple[tuple[Any, ...], Any]] = {
    "name": (("name",), "Ponarejeno mikrodokazilo"),
    "validFrom": (("validFrom",), "2024-01-01T00:00:00Z"),
    "learning outcome": (("credentialSubject", "achievement", "alignment", 0, "targetName"), lambda v: v + "!"),
    "credentialSubject identifier": (
        ("credentialSubject", "identifier", 0, "identityHash"),
        "sha256$" + "0" * 64,
    ),
    "issuer name": (("issuer", "name"), "Druga ustanova"),
    "type of assessment (extension term)": (
        ("credentialSubject", "achievement", "typeOfAssessment", 0),
        "Izpit.",
    ),
}


def tampered(document: dict[str, Any], what: str) -> dict[str, Any]:
    path, value = TAMPERINGS[what]
    return _set(document, path, value)


def with_issuer(document: dict[str, Any], did: str) -> dict[str, Any]:
    """The document claiming another issuer (its proof unchanged)."""
    return _set(document, ("issuer", "id"), did)


def run_js_verifier(cases: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Verify each case with the JavaScript verifier in one node process."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the independent verifier needs Node 20 (see README)")
    if not (PROJECT / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.fail("@digitalbazaar/vc is missing from node_modules: run `npm ci` (see README)")
    completed = subprocess.run(
        [node, str(VERIFIER)],
        input=json.dumps({"cases": cases}),
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


# The context microquest's credentials used to name: hosted nowhere, so no verifier has it.
PROJECT_CONTEXT = "https://www.micro-quest.eu/contexts/eu-microcredential-v1.jsonld"


@pytest.fixture(scope="session")
def js_results(signed, revocable, expired, with_level_and_ects, other_key) -> dict[str, dict[str, Any]]:
    """Every case the tests ask the JavaScript verifier about, verified in one run."""
    cases = {
        "signed": {"credential": signed},
        "with EQF level and ECTS": {"credential": with_level_and_ects},
        "revocable, not revoked": {"credential": revocable, "revoked": []},
        "revocable, revoked": {"credential": revocable, "revoked": [revocable["id"]]},
        "expired": {"credential": expired},
        "expired, checked while valid": {"credential": expired, "now": "2025-06-15T00:00:00Z"},
        "before validFrom": {"credential": signed, "now": "2025-06-01T00:00:00Z"},
        "issuer id": {"credential": with_issuer(signed, other_key.did)},
        "naming a project context": {"credential": _set(signed, ("@context",), lambda c: [*c, PROJECT_CONTEXT])},
    }
    for what in TAMPERINGS:
        cases[f"tampered {what}"] = {"credential": tampered(signed, what)}
    return run_js_verifier(cases)


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, Any], Path]:
    def write(name: str, document: Any) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path

    return write
