"""Fixtures of the credential tests: the real course, a throw-away issuer key, signed credentials,
and the independent verifier (Digital Bazaar's JavaScript stack, run by node)."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.project import CONTENT, PROJECT

VERIFIER = Path(__file__).resolve().parent / "verify_credential.mjs"
AWARDED_AT = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
AGENT = {"objectType": "Agent", "mbox": "mailto:Ana.Novak@Example.si", "name": "Ana Novak"}
CREDENTIAL_ID = "urn:uuid:0b8f2a52-7a3c-4d55-9c1e-2f6d7e8a9b10"
REVOCATION_URL = "https://www.micro-quest.eu/credentials/revocations.json"
STATUS_LIST_URL = "https://credentials.primer.si/status/1"
WEB_HOST = "credentials.primer.si"


def _identity(**changes: Any):
    """The provider's identity the credential tests issue under (a did:key issuer unless did_web is given)."""
    from credentials.issuer import IssuerIdentity

    fields = {"name": "Šolski center Primer", "url": "https://www.primer.si/", "country": "SI"}
    return IssuerIdentity(**{**fields, **changes})


IDENTITY = _identity()
# Every field a provider can state, issuing as did:web.
WEB_IDENTITY = _identity(
    legal_name="Šolski center Primer, Ljubljana", id_registration="1234567000", eqf_level=4, did_web=WEB_HOST
)


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

    return issue(course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer_key, identity=IDENTITY)


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
    return issue(course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer_key, identity=IDENTITY)


def agents_credential(course: Any, key: Any, **options: Any) -> dict[str, Any]:
    """AGENT's credential of the course, awarded at AWARDED_AT as CREDENTIAL_ID, signed with `key`."""
    from credentials.issue import issue

    return issue(course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, key, **options)


@pytest.fixture(scope="session")
def revocable(course, issuer_key) -> dict[str, Any]:
    """A credential that names the provider's revocation list in credentialStatus."""

    return agents_credential(
        course,
        issuer_key,
        identity=IDENTITY,
        revocation_list=REVOCATION_URL,
    )


@pytest.fixture(scope="session")
def expired(course, issuer_key) -> dict[str, Any]:

    return agents_credential(
        course,
        issuer_key,
        identity=IDENTITY,
        valid_until=AWARDED_AT + timedelta(days=30),
    )


@pytest.fixture(scope="session")
def did_document(issuer_key) -> dict[str, Any]:
    """The DID document the did:web provider publishes at https://credentials.primer.si/.well-known/did.json."""
    from credentials.issuer import identity_did_document

    return identity_did_document(WEB_IDENTITY, issuer_key)


@pytest.fixture(scope="session")
def web_signed(course, issuer_key) -> dict[str, Any]:
    """AGENT's credential issued as did:web:credentials.primer.si, on the status list (index 7)."""

    return agents_credential(
        course,
        issuer_key,
        identity=WEB_IDENTITY,
        status_list=STATUS_LIST_URL,
        status_index=7,
    )


@pytest.fixture(scope="session")
def on_status_list(course, issuer_key) -> dict[str, Any]:
    """AGENT's credential issued as the provider's did:key, its revocation bit 42 of the status list."""

    return agents_credential(
        course,
        issuer_key,
        identity=IDENTITY,
        status_list=STATUS_LIST_URL,
        status_index=42,
    )


def status_list(
    key, identity, revoked: list[int], *, url: str = STATUS_LIST_URL, change: Callable[[dict], dict] | None = None
) -> dict[str, Any]:
    """A signed BitstringStatusListCredential of the provider, these indexes revoked (`change`d before signing)."""
    from credentials.issuer import issuing_key
    from credentials.signing import sign
    from credentials.status_list import status_list_credential

    signer = issuing_key(identity, key)
    unsigned = status_list_credential(url, signer.did, revoked, AWARDED_AT + timedelta(days=1))
    if change is not None:
        unsigned = change(unsigned)
    return sign(unsigned, signer, unsigned["validFrom"])


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
    """Verify each case with the JavaScript verifier in one node process.

    A case is {"credential": …} and optionally "revoked" (ids: a 1EdTechRevocationList
    check), "now", "didDocuments" (DID documents its closed loader may serve, for a
    did:web issuer) and "statusLists" ({URL: BitstringStatusListCredential}, which the
    loader serves at URL for Digital Bazaar's Bitstring Status List check).
    """
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


def another_keys_did_document(other_key) -> dict[str, Any]:
    """The same did:web DID's document, naming another key than the one the credentials were signed with."""
    from credentials.issuer import did_web_document
    from credentials.signing import public_key_multibase

    return did_web_document(WEB_HOST, public_key_multibase(other_key.private_key.public_key()))


def flipped(list_credential: dict[str, Any], index: int) -> dict[str, Any]:
    """The list credential with the bit of `index` flipped and its proof kept: a tampered list."""
    from credentials.status_list import decode_list, encode_list

    changed = json.loads(json.dumps(list_credential))
    bits = bytearray(decode_list(changed["credentialSubject"]["encodedList"]))
    bits[index // 8] ^= 0x80 >> (index % 8)
    changed["credentialSubject"]["encodedList"] = encode_list(bytes(bits))
    return changed


@pytest.fixture(scope="session")
def js_results(
    signed, revocable, expired, with_level_and_ects, other_key, issuer_key, did_document, web_signed, on_status_list
) -> dict[str, dict[str, Any]]:
    """Every case the tests ask the JavaScript verifier about, verified in one run."""
    clear = status_list(issuer_key, IDENTITY, [0, 41, 43])
    revoked = status_list(issuer_key, IDENTITY, [42])
    web_list = status_list(issuer_key, WEB_IDENTITY, [])
    cases = {
        "did:web, its DID document given": {
            "credential": web_signed,
            "didDocuments": [did_document],
            "statusLists": {STATUS_LIST_URL: web_list},
        },
        "did:web, another key's DID document": {
            "credential": web_signed,
            "didDocuments": [another_keys_did_document(other_key)],
            "skipStatus": True,
        },
        "did:web, no DID document": {"credential": web_signed, "skipStatus": True},
        "status list, not revoked": {"credential": on_status_list, "statusLists": {STATUS_LIST_URL: clear}},
        "status list, revoked": {"credential": on_status_list, "statusLists": {STATUS_LIST_URL: revoked}},
        "status list, tampered list": {
            "credential": on_status_list,
            "statusLists": {STATUS_LIST_URL: flipped(revoked, 42)},
        },
        "status list, another issuer's list": {
            "credential": on_status_list,
            "statusLists": {STATUS_LIST_URL: status_list(other_key, IDENTITY, [])},
        },
        "status list, no list served": {"credential": on_status_list},
        "status list, proof only": {"credential": on_status_list, "skipStatus": True},
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
def served(tmp_path: Path):
    """A folder served over HTTP on 127.0.0.1 (where a provider would publish its revocation list)."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, Any], Path]:
    def write(name: str, document: Any) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path

    return write
