"""`microquest keys init`: the issuer key is made private, kept out of the repository and dist/,
and never printed."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from builder.cli import main
from credentials.keys import DID_FILE, KEY_FILE, KeyFileError, init_keys, load_key
from credentials.signing import base58btc_encode
from tests.project import PROJECT


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _secret_encodings(key_dir: Path) -> list[str]:
    """The private key in every encoding someone might print it in."""
    private = load_key(key_dir).private_key
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    der = private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    pem = (key_dir / KEY_FILE).read_text(encoding="ascii")
    pem_body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    encodings = [
        raw.hex(),
        raw.hex().upper(),
        der.hex(),
        base64.b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        base64.b32encode(raw).decode().rstrip("="),
        base58btc_encode(raw),
        "z" + base58btc_encode(b"\x80\x26" + raw),  # multibase multicodec ed25519-priv
        "z" + base58btc_encode(raw),
        pem_body,
        pem_body[:24],
        "PRIVATE KEY",
    ]
    return encodings


def test_keys_init_writes_the_key_0600_in_a_0700_folder_and_prints_only_the_did(tmp_path):
    folder = tmp_path / "issuer" / "keys"
    result = _invoke("keys", "init", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((folder / KEY_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    did = load_key(folder).did
    assert f"issuer DID: {did}" in result.output
    assert (folder / DID_FILE).read_text() == did + "\n"
    for secret in _secret_encodings(folder):
        assert secret not in result.output


def test_keys_show_prints_the_did_and_never_the_private_key(tmp_path):
    folder = tmp_path / "keys"
    _invoke("keys", "init", "--dir", str(folder))
    result = _invoke("keys", "show", "--dir", str(folder))
    assert result.exit_code == 0
    assert load_key(folder).did in result.output
    for secret in _secret_encodings(folder):
        assert secret not in result.output


def test_keys_init_uses_microquest_keys_by_default(keys_home):
    result = _invoke("keys", "init")
    assert result.exit_code == 0, result.output
    assert (keys_home / KEY_FILE).is_file()


def test_keys_init_refuses_to_replace_a_key_without_force(tmp_path):
    folder = tmp_path / "keys"
    first, _ = init_keys(folder)
    result = _invoke("keys", "init", "--dir", str(folder))
    assert result.exit_code == 1
    assert f"{folder / KEY_FILE} already exists; keep it, or pass --force" in result.output
    assert load_key(folder).did == first.did
    assert _invoke("keys", "init", "--dir", str(folder), "--force").exit_code == 0
    assert load_key(folder).did != first.did
    assert stat.S_IMODE((folder / KEY_FILE).stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (lambda tmp: PROJECT / "keys-here", "inside the microquest project"),
        (lambda tmp: tmp / "site" / "dist" / "keys", "inside a dist/ folder"),
        (
            lambda tmp: (tmp / "repo" / ".git").mkdir(parents=True) or tmp / "repo" / "secrets",
            "inside the git repository",
        ),
    ],
    ids=["project", "dist", "git repository"],
)
def test_keys_init_refuses_a_folder_inside_the_repository_or_dist(where, message, tmp_path):
    folder = where(tmp_path)
    result = _invoke("keys", "init", "--dir", str(folder))
    assert result.exit_code == 1
    assert "refusing to keep the private key there" in result.output and message in result.output
    assert not folder.exists()


def test_loading_a_key_readable_by_others_is_refused_with_the_fix(tmp_path):
    folder = tmp_path / "keys"
    init_keys(folder)
    (folder / KEY_FILE).chmod(0o644)
    with pytest.raises(KeyFileError, match=r"readable by group or others \(mode 0644\); run `chmod 600"):
        load_key(folder)
    result = _invoke("keys", "show", "--dir", str(folder))
    assert result.exit_code == 1
    assert "readable by group or others" in result.output


def test_loading_a_missing_key_says_to_run_keys_init(tmp_path):
    with pytest.raises(KeyFileError, match="run `microquest keys init` first"):
        load_key(tmp_path / "nothing")


def test_loading_a_file_that_is_no_key_says_so_without_quoting_it(tmp_path):
    folder = tmp_path / "keys"
    folder.mkdir()
    (folder / KEY_FILE).write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n")
    (folder / KEY_FILE).chmod(0o600)
    with pytest.raises(KeyFileError) as caught:
        load_key(folder)
    assert "not an unencrypted PKCS#8 PEM private key" in str(caught.value)
    assert "c2VjcmV0" not in str(caught.value)
