"""The award in the provider's name, on a W3C Bitstring Status List: `award` refuses to sign without the
provider's identity; the ledger hands each credential a random index, never reused; `revocations`
publishes the signed list; `verify` says revoked once the ledger's revocation is published."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main
from credentials.issuer import IDENTITY_FILE
from credentials.keys import init_keys
from credentials.status_list import MIN_LIST_BITS, bit, decode_list
from tests.project import CONTENT
from tests.xapi.award.conftest import PROVIDER
from tests.xapi.award.helpers import everything, mbox, write_jsonl
from xapi.award.ledger import SCHEMA_VERSION, Ledger

LIST_URL = "https://www.primer.si/credentials/status/1"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def award(tmp_path: Path, *learners: str, options: tuple[str, ...] = ("--status-list", LIST_URL)):
    statements = write_jsonl(tmp_path / "s.jsonl", [s for name in learners for s in everything(mbox(name))])
    return invoke(
        "award",
        "--content",
        str(CONTENT),
        "--statements",
        str(statements),
        "--ledger",
        str(tmp_path / "ledger.sqlite"),
        "--out",
        str(tmp_path / "issued"),
        *options,
    )


def issued(tmp_path: Path) -> dict[str, dict]:
    return {
        (d := json.loads(p.read_text(encoding="utf-8")))["id"]: d for p in sorted((tmp_path / "issued").glob("*.json"))
    }


def test_award_refuses_to_sign_without_the_providers_identity(tmp_path, issuer_keys):
    (issuer_keys / IDENTITY_FILE).unlink()
    ledger = tmp_path / "ledger.sqlite"
    result = award(tmp_path, "ana")
    assert result.exit_code == 1
    assert result.output == (
        f"error: no issuer identity yet in {issuer_keys}: set the provider's name, web address and country first: "
        f"run `microquest issuer init --name … --url … --country …`; {ledger} was not changed\n"
    )
    assert not ledger.exists() and not list(tmp_path.glob("issued/*"))
    # With a ledger already there, it is left byte for byte.
    (issuer_keys / IDENTITY_FILE).write_text(json.dumps(PROVIDER.to_json()), encoding="utf-8")
    (issuer_keys / IDENTITY_FILE).chmod(0o600)
    assert award(tmp_path, "ana").exit_code == 0
    before = ledger.read_bytes()
    (issuer_keys / IDENTITY_FILE).unlink()
    again = award(tmp_path, "ana", "bojan")
    assert again.exit_code == 1 and len(again.output.splitlines()) == 1
    assert "run `microquest issuer init --name … --url … --country …`" in again.output
    assert ledger.read_bytes() == before


def test_each_credential_names_its_own_random_index_the_ledger_keeps(tmp_path):
    result = award(tmp_path, *(f"ucenec{n}" for n in range(20)))
    assert result.exit_code == 0, result.output
    documents = issued(tmp_path)
    assert len(documents) == 20
    entries = {id_: d["credentialStatus"] for id_, d in documents.items()}
    indexes = {id_: int(entry["statusListIndex"]) for id_, entry in entries.items()}
    assert len(set(indexes.values())) == 20
    assert all(0 <= i < MIN_LIST_BITS for i in indexes.values())
    assert sorted(indexes.values()) != list(range(min(indexes.values()), min(indexes.values()) + 20))  # random
    for id_, entry in entries.items():
        assert entry == {
            "id": f"{LIST_URL}#{indexes[id_]}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(indexes[id_]),
            "statusListCredential": LIST_URL,
        }
        assert documents[id_]["issuer"]["name"] == PROVIDER.name
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        assert dict(db.execute("SELECT id, status_index FROM awards")) == indexes
        assert {row[0] for row in db.execute("SELECT status_index FROM status_indexes")} == set(indexes.values())


def test_indexes_are_never_handed_out_again(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        first = ledger.allocate_status_indexes(100)
        second = ledger.allocate_status_indexes(100)
        assert len(set(first) | set(second)) == 200
        assert ledger.status_list_length() == MIN_LIST_BITS
    with Ledger(tmp_path / "ledger.sqlite") as ledger, Ledger(tmp_path / "ledger.sqlite") as other:
        more = ledger.allocate_status_indexes(50) + other.allocate_status_indexes(50)
        assert not set(more) & (set(first) | set(second)) and len(set(more)) == 100


def test_a_credential_of_the_1edtech_list_names_that_one(tmp_path):
    result = award(tmp_path, "ana", options=("--revocation-list", "https://www.primer.si/revocations.json"))
    assert result.exit_code == 0, result.output
    (document,) = issued(tmp_path).values()
    assert document["credentialStatus"] == {
        "id": "https://www.primer.si/revocations.json",
        "type": "1EdTechRevocationList",
    }
    both = award(tmp_path, "ana", options=("--status-list", LIST_URL, "--revocation-list", "https://x.si/r"))
    assert both.exit_code == 1 and "give --status-list URL or --revocation-list URL" in both.output


def test_issue_then_revoke_then_publish_then_verify_says_revoked(tmp_path):
    assert award(tmp_path, "ana", "bojan").exit_code == 0
    documents = issued(tmp_path)
    (ana, ana_doc), (bojan, _bojan_doc) = sorted(documents.items(), key=lambda item: item[1]["name"] + item[0])
    paths = {id_: tmp_path / "issued" / f"{id_.removeprefix('urn:uuid:')}.json" for id_ in documents}
    published = tmp_path / "site" / "status-1.json"
    ledger = str(tmp_path / "ledger.sqlite")

    result = invoke("revocations", "--ledger", ledger, "--url", LIST_URL, "--out", str(published))
    assert result.exit_code == 0, result.output
    assert f"a signed Bitstring Status List of {MIN_LIST_BITS} entries, 0 revoked; publish it at {LIST_URL}" in (
        result.output
    )
    for id_ in documents:
        ok = invoke("verify", str(paths[id_]), "--revocations", str(published))
        assert ok.exit_code == 0, ok.output
        assert f"not revoked according to the status list {LIST_URL}" in ok.output

    with Ledger(Path(ledger)) as opened:
        opened.revoke(ana, "podeljeno po pomoti")
    result = invoke("revocations", "--ledger", ledger, "--url", LIST_URL, "--out", str(published))
    assert result.exit_code == 0 and "1 revoked" in result.output
    listed = json.loads(published.read_text(encoding="utf-8"))
    assert listed["issuer"] == ana_doc["issuer"]["id"]
    bits = decode_list(listed["credentialSubject"]["encodedList"])
    assert bit(bits, int(ana_doc["credentialStatus"]["statusListIndex"]))
    revoked = invoke("verify", str(paths[ana]), "--revocations", str(published))
    assert revoked.exit_code == 1
    assert f"NOT VALID: revoked: {ana} is revoked according to the status list {LIST_URL}" in revoked.output
    still = invoke("verify", str(paths[bojan]), "--revocations", str(published))
    assert still.exit_code == 0, still.output


def test_the_1edtech_list_is_still_published_on_request(tmp_path):
    assert award(tmp_path, "ana", options=("--revocation-list", "https://www.primer.si/r.json")).exit_code == 0
    (ana,) = issued(tmp_path)
    with Ledger(tmp_path / "ledger.sqlite") as opened:
        opened.revoke(ana, "podeljeno po pomoti")
    out = tmp_path / "r.json"
    args = ["--ledger", str(tmp_path / "ledger.sqlite"), "--url", "https://www.primer.si/r.json", "--out", str(out)]
    result = invoke("revocations", "--format", "1edtech", *args)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["revokedCredentials"] == [{"id": ana, "revocationReason": "podeljeno po pomoti"}]
    # The bitstring list marks only credentials that name it, and says so.
    bitstring = invoke("revocations", *args[:2], "--url", LIST_URL, "--out", str(tmp_path / "s.json"))
    assert bitstring.exit_code == 0
    assert f"note: 1 revoked credential(s) name another list or none, so this one does not mark them: {ana}" in (
        bitstring.output
    )


def test_a_schema_1_ledger_is_migrated_and_keeps_its_awards(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the tables of schema 1 that changed, and one award
        db.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES ('schema', '1');
            CREATE TABLE awards (
                id TEXT PRIMARY KEY, credential TEXT NOT NULL, version INTEGER NOT NULL, person TEXT NOT NULL,
                agent TEXT NOT NULL, awarded_at TEXT NOT NULL, document TEXT NOT NULL,
                UNIQUE (credential, version, person));
            INSERT INTO awards VALUES ('urn:uuid:old', 'mq', 1, 'p', '{}', '2025-01-01T00:00:00Z', '{"id": "urn:uuid:old"}');
            """
        )
    with Ledger(path) as ledger:
        assert [a.id for a in ledger.awards()] == ["urn:uuid:old"]
        assert ledger.allocate_status_indexes(2)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (SCHEMA_VERSION,)
        assert db.execute("SELECT status_index FROM awards").fetchall() == [(None,)]


@pytest.mark.parametrize("url", ["urn:x:status", "https://www.primer.si/status#1"])
def test_a_status_list_url_that_is_none_is_refused_before_anything(tmp_path, url):
    result = award(tmp_path, "ana", options=("--status-list", url))
    assert result.exit_code == 1
    assert "the status list URL" in result.output and len(result.output.splitlines()) == 1
    assert not (tmp_path / "ledger.sqlite").exists()


def test_issued_as_did_web_a_credential_verifies_against_the_did_json_issuer_init_wrote(tmp_path, issuer_keys):
    host = "credentials.primer.si"
    provider = ["--name", "Primer", "--url", "https://primer.si/", "--country", "SI", "--did-web", host]
    init = invoke("issuer", "init", *provider)
    assert init.exit_code == 0, init.output
    assert init.output.startswith(f"replaced the provider's identity in {issuer_keys / IDENTITY_FILE}\n")
    assert award(tmp_path, "ana").exit_code == 0
    ((id_, document),) = issued(tmp_path).items()
    assert document["issuer"]["id"] == f"did:web:{host}"
    assert document["proof"][0]["verificationMethod"].startswith(f"did:web:{host}#z6Mk")
    path = tmp_path / "issued" / f"{id_.removeprefix('urn:uuid:')}.json"
    published = tmp_path / "status-1.json"
    ledger = str(tmp_path / "ledger.sqlite")
    assert invoke("revocations", "--ledger", ledger, "--url", LIST_URL, "--out", str(published)).exit_code == 0
    did_json = str(issuer_keys / "did.json")
    ok = invoke("verify", str(path), "--did-document", did_json, "--revocations", str(published))
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith(f"OK: {id_} (") and f"issued by Primer (did:web:{host})" in ok.output
    # Another provider's key under the same host name: not this credential's issuer.
    other_keys = tmp_path / "other-keys"
    init_keys(other_keys)
    assert invoke("issuer", "init", *provider, "--dir", str(other_keys)).exit_code == 0
    bad = invoke("verify", str(path), "--did-document", str(other_keys / "did.json"))
    assert bad.exit_code == 1
    assert "NOT VALID: issuer: the DID document of did:web:credentials.primer.si has no key" in bad.output
