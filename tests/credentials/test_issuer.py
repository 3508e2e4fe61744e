"""The provider's identity beside the issuer key, and the did:web document."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from credentials.issuer import (
    COUNTRY_ALPHA3,
    IDENTITY_FILE,
    IssuerError,
    IssuerIdentity,
    did_web_document,
    load_identity,
    save_identity,
)
from credentials.signing import generate_key, public_key_multibase, public_key_of_did

FULL = IssuerIdentity(
    name="Šolski center Primer",
    url="https://www.primer.si/",
    country="SI",
    legal_name="Šolski center Primer, Ljubljana",
    id_registration="1234567000",
    eqf_level=4,
    did_web="credentials.primer.si",
)
# Library messages speak the user's words: no command-line options.
CLI_FLAG = re.compile(r"(^|\s)--?[a-z]")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_save_and_load_give_the_same_identity(tmp_path: Path):
    path = save_identity(tmp_path / "keys", FULL)
    assert path == tmp_path / "keys" / IDENTITY_FILE
    assert load_identity(tmp_path / "keys") == FULL
    assert json.loads(path.read_text(encoding="utf-8"))["name"] == "Šolski center Primer"


def test_only_the_required_fields(tmp_path: Path):
    identity = IssuerIdentity(name="Primer", url="https://primer.si", country="SI")
    save_identity(tmp_path, identity)
    loaded = load_identity(tmp_path)
    assert loaded == identity
    assert (loaded.legal_name, loaded.id_registration, loaded.eqf_level, loaded.did_web) == (None,) * 4


def test_the_file_is_private_and_a_new_folder_is_too(tmp_path: Path):
    old_umask = os.umask(0)  # the most permissive umask: the modes must not depend on it
    try:
        path = save_identity(tmp_path / "new" / "keys", FULL)
    finally:
        os.umask(old_umask)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700


def test_an_existing_folder_keeps_its_mode(tmp_path: Path):
    folder = tmp_path / "existing"
    folder.mkdir()
    os.chmod(folder, 0o755)
    save_identity(folder, FULL)
    assert _mode(folder) == 0o755
    assert _mode(folder / IDENTITY_FILE) == 0o600


def test_saving_again_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path):
    save_identity(tmp_path, FULL)
    other = IssuerIdentity(name="Drug center", url="https://drug.si/", country="HR")
    save_identity(tmp_path, other)
    assert load_identity(tmp_path) == other
    assert sorted(p.name for p in tmp_path.iterdir()) == [IDENTITY_FILE]


def test_the_default_folder_is_the_key_folder(keys_home: Path):
    path = save_identity(None, FULL)
    assert path == keys_home / IDENTITY_FILE
    assert load_identity() == FULL


def test_no_identity_yet_says_what_to_do(tmp_path: Path):
    with pytest.raises(IssuerError) as caught:
        load_identity(tmp_path)
    message = str(caught.value)
    assert message == (f"no issuer identity yet in {tmp_path}: set the provider's name, web address and country first")


def _write(folder: Path, content: str | bytes, mode: int = 0o600) -> Path:
    path = folder / IDENTITY_FILE
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not a valid issuer identity"),
        (b"\xff\xfe", "is not a valid issuer identity (not UTF-8)"),
        ("[1, 2]", "expected a JSON object"),
        ('{"name": "Primer", "url": "https://primer.si/"}', "name, web address and country are all required"),
        (
            '{"name": "Primer", "url": "https://primer.si/", "country": "SI", "legalName": "x"}',
            "unknown field(s) legalName",
        ),
        ('{"name": "Primer", "url": "http://primer.si/", "country": "SI"}', "must start with https://"),
        ("[" * 60_000, "is not a valid issuer identity (nested too deeply)"),
        (" " * (64 * 1024 + 1), "too large"),
    ],
    ids=["syntax", "not utf-8", "array", "missing country", "unknown field", "http", "deep", "large"],
)
def test_a_broken_file_is_one_clear_error(tmp_path: Path, content: str | bytes, expected: str):
    path = _write(tmp_path, content)
    with pytest.raises(IssuerError) as caught:
        load_identity(tmp_path)
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)
    assert not CLI_FLAG.search(str(caught.value))


def test_a_file_others_can_change_is_refused(tmp_path: Path):
    save_identity(tmp_path, FULL)
    os.chmod(tmp_path / IDENTITY_FILE, 0o664)
    with pytest.raises(IssuerError, match=r"can be changed by other users \(mode 0664\)"):
        load_identity(tmp_path)


def test_a_folder_in_place_of_the_file_is_refused(tmp_path: Path):
    (tmp_path / IDENTITY_FILE).mkdir()
    with pytest.raises(IssuerError, match="is not a regular file"):
        load_identity(tmp_path)


def test_values_are_trimmed_and_codes_normalised():
    identity = IssuerIdentity(name="  Primer ", url=" https://primer.si/ ", country=" si", did_web=" Primer.SI ")
    assert (identity.name, identity.url, identity.country, identity.did_web) == (
        "Primer",
        "https://primer.si/",
        "SI",
        "primer.si",
    )
    assert identity.country_alpha3 == "SVN"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, "the provider's name is missing"),
        ({"name": None}, "the provider's name is missing"),
        ({"name": "Primer\nd.o.o."}, "name contains a control character"),
        ({"name": "x" * 301}, "name is too long (301 characters; at most 300)"),
        ({"url": "http://www.primer.si/"}, "web address must start with https:// (found 'http://www.primer.si/')"),
        ({"url": "www.primer.si"}, "web address must start with https://"),
        ({"url": "https:///path"}, "web address must name a host"),
        ({"url": "https://user:secret@primer.si/"}, "must not contain a user name or password"),
        ({"url": "https://[primer.si/"}, "is not a valid URL"),
        ({"url": "https://primer.si:port/"}, "is not a valid URL"),
        ({"country": "Slovenia"}, "two-letter ISO 3166-1 code such as SI (found 'Slovenia')"),
        ({"country": "XX"}, "two-letter ISO 3166-1 code such as SI (found 'XX')"),
        ({"country": "EL"}, "for that country use GR (Greece)"),
        ({"country": ""}, "the provider's country is missing"),
        ({"legal_name": "  "}, "the provider's legal name is missing"),
        ({"id_registration": ""}, "the provider's legal identifier is missing"),
        ({"eqf_level": 0}, "the EQF level must be a whole number from 1 to 8 (found 0)"),
        ({"eqf_level": 9}, "from 1 to 8 (found 9)"),
        ({"eqf_level": "5"}, "from 1 to 8 (found '5')"),
        ({"eqf_level": True}, "from 1 to 8 (found True)"),
        ({"did_web": "https://primer.si/"}, "give the host name only"),
        ({"did_web": "primer.si:8443"}, "without a port"),
        ({"did_web": "primer"}, "is not a host name"),
        ({"did_web": "pri mer.si"}, "is not a host name"),
        ({"did_web": "-primer.si"}, "is not a host name"),
        ({"did_web": "šola.si"}, "xn-- (punycode) form"),
    ],
)
def test_each_field_is_checked_with_a_clear_message(changes: dict, expected: str):
    fields = {"name": "Primer", "url": "https://primer.si/", "country": "SI", **changes}
    with pytest.raises(IssuerError) as caught:
        IssuerIdentity(**fields)
    assert expected in str(caught.value)
    assert not CLI_FLAG.search(str(caught.value))


def test_every_eqf_level_and_country_code_is_accepted():
    for level in range(1, 9):
        assert IssuerIdentity(name="P", url="https://p.si/", country="SI", eqf_level=level).eqf_level == level
    assert len(COUNTRY_ALPHA3) == 249
    assert COUNTRY_ALPHA3["SI"] == "SVN" and COUNTRY_ALPHA3["GR"] == "GRC" and COUNTRY_ALPHA3["GB"] == "GBR"
    assert IssuerIdentity(name="P", url="https://p.xn--e1afmkfd.xn--p1ai/", country="RU").country == "RU"


def test_did_web_document_shape():
    key = generate_key()
    multibase = public_key_multibase(key.private_key.public_key())
    document = did_web_document("credentials.primer.si", multibase)
    did = "did:web:credentials.primer.si"
    method = f"{did}#{multibase}"
    assert document == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase},
        ],
        "assertionMethod": [method],
    }
    # The same key a did:key of the issuer names: one key, two ways to find it.
    assert public_key_of_did(key.did) == public_key_of_did(f"did:key:{multibase}")
    assert key.did == f"did:key:{multibase}"
    json.dumps(document)  # plain JSON, ready to publish


@pytest.mark.parametrize(
    ("host", "key", "expected"),
    [
        ("https://primer.si", None, "give the host name only"),
        ("primer", None, "is not a host name"),
        ("primer.si", "not-a-key", "expected the issuer's Ed25519 public key in multibase"),
        ("primer.si", "z6Mk#fragment", "expected the issuer's Ed25519 public key in multibase"),
        ("primer.si", "zQ3s", "expected the issuer's Ed25519 public key in multibase"),
    ],
)
def test_did_web_document_refuses_a_bad_host_or_key(host: str, key: str | None, expected: str):
    multibase = key or public_key_multibase(generate_key().private_key.public_key())
    with pytest.raises(IssuerError, match=expected):
        did_web_document(host, multibase)
