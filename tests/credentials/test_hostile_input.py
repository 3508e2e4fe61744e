"""Hostile input to `verify` and to the key commands: one clear line and bounded memory for bombs,
the signed holder for a baked image, and no key used from a place where it leaks."""

from __future__ import annotations

import json
import shutil
import stat
import struct
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main
from credentials.baking import MAX_CREDENTIAL_BYTES, badge_svg, bake_png
from credentials.keys import KEY_FILE, KeyFileError, init_keys, load_key
from credentials.verify import MAX_JSON_DEPTH, VerificationError, verify_bytes
from tests.credentials.test_baking import tiny_png
from tests.project import CONTENT, PROJECT

MiB = 2**20


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@pytest.fixture(scope="session")
def png_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 MB PNG whose compressed iTXt credential inflates to 1 GiB (as in the issue)."""
    compressor = zlib.compressobj(9)
    block = bytes(64 * MiB)
    deflated = b"".join(compressor.compress(block) for _ in range(16)) + compressor.flush()
    itxt = b"openbadgecredential\0" + b"\x01\x00" + b"\0" + b"\0" + deflated
    png = tiny_png()
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(png[:33] + _chunk(b"iTXt", itxt) + png[33:])  # after the 8-byte signature and IHDR
    assert path.stat().st_size < 1.1 * MiB
    return path


# Runs `microquest verify` in a fresh interpreter and reports its peak resident memory.
# The child's own peak (VmHWM of its memory map): getrusage's ru_maxrss would carry over the
# peak of the pytest process it was forked from, which grows as the suite runs.
CHILD = """
import re, sys
from click.testing import CliRunner
from builder.cli import main
result = CliRunner().invoke(main, ["verify", sys.argv[1]])
sys.stdout.write(result.output)
peak = re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)
sys.stdout.write(f"exit {result.exit_code} maxrss_kib {peak}\\n")
"""


def _verify_in_a_subprocess(path: Path) -> tuple[list[str], int, int]:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], cwd=PROJECT, capture_output=True, text=True, timeout=120, check=True
    )
    *lines, last = completed.stdout.splitlines()
    _, code, _, maxrss_kib = last.split()
    return lines, int(code), int(maxrss_kib) * 1024


def test_png_bomb_is_refused_in_one_line_with_bounded_memory(png_bomb):
    lines, code, peak = _verify_in_a_subprocess(png_bomb)
    assert code == 1
    assert lines == [
        f"{png_bomb}: NOT VALID: image: the compressed iTXt openbadgecredential text, inflated, is longer than "
        "4 MB; refusing it (a credential is some tens of kB)"
    ]
    assert peak < 200 * MiB  # the interpreter and microquest take some 60 MB; inflating it all took 2.2 GB


def test_png_bomb_costs_no_more_than_the_credential_limit(png_bomb):
    data = png_bomb.read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(VerificationError, match="^image: the compressed iTXt"):
            verify_bytes(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A few copies of the 1 MB file and at most the 4 MB limit inflated: never the 1 GiB.
    assert peak < MAX_CREDENTIAL_BYTES + 12 * MiB


def test_truncated_compressed_itxt_says_it_is_cut_off(signed):
    deflated = zlib.compress(json.dumps(signed).encode())[:-40]
    itxt = b"openbadgecredential\0\x01\x00\0\0" + deflated
    png = tiny_png()
    with pytest.raises(VerificationError, match="compressed text is cut off"):
        verify_bytes(png[:33] + _chunk(b"iTXt", itxt) + png[33:])


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 100 + "]" * 100],
    ids=["100,000-deep array", "100,000-deep object", "100-deep array"],
)
def test_deeply_nested_json_is_refused_in_one_line(text, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="ascii")
    result = _invoke("verify", str(path))
    assert result.exit_code == 1
    assert result.output == (
        f"{path}: NOT VALID: too-deep: the credential is nested more than {MAX_JSON_DEPTH} levels deep; refusing it\n"
    )


def test_deeply_nested_json_costs_bounded_memory():
    text = ("[" * 100_000 + "]" * 100_000).encode()
    tracemalloc.start()
    try:
        with pytest.raises(VerificationError, match="^too-deep: "):
            verify_bytes(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MiB


def test_deeply_nested_json_in_a_baked_svg_or_a_revocation_list_is_refused(signed, tmp_path):
    deep = '{"x": ' + "[" * 5000 + "]" * 5000 + ", " + json.dumps(signed)[1:]
    svg = tmp_path / "deep.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        f"<openbadges:credential><![CDATA[{deep}]]></openbadges:credential></svg>",
        encoding="utf-8",
    )
    result = _invoke("verify", str(svg))
    assert result.exit_code == 1
    assert "NOT VALID: too-deep: the credential is nested more than" in result.output
    credential = tmp_path / "c.json"
    credential.write_text(json.dumps(signed), encoding="utf-8")
    revocations = tmp_path / "r.json"
    revocations.write_text("[" * 100_000 + "]" * 100_000, encoding="ascii")
    result = _invoke("verify", str(credential), "--revocations", str(revocations))
    assert result.exit_code == 1
    assert result.output == (
        f"{credential}: NOT VALID: too-deep: {revocations} is nested more than {MAX_JSON_DEPTH} levels deep; "
        "refusing it\n"
    )


def test_a_file_too_large_to_be_a_credential_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:
        file.truncate(64 * MiB)  # sparse: costs no disk
    result = _invoke("verify", str(path))
    assert result.exit_code == 1
    assert result.output == f"{path}: NOT VALID: too-large: {path} is larger than 32 MB; refusing it\n"
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_CREDENTIAL_BYTES + 1))
    result = _invoke("verify", str(big))
    assert result.output == (
        f"{big}: NOT VALID: too-large: the credential is larger than 4 MB; refusing it "
        "(a credential is some tens of kB)\n"
    )


def test_verify_of_a_baked_svg_names_the_signed_holder_and_says_the_image_is_not_signed(signed, tmp_path):
    path = tmp_path / "badge.svg"
    path.write_bytes(badge_svg(signed))
    result = _invoke("verify", str(path))
    assert result.exit_code == 0, result.output
    ok, holder, note = result.output.splitlines()
    assert ok.startswith("OK: ")
    email = signed["credentialSubject"]["identifier"][0]["identityHash"]
    assert holder == (
        f"holder (from the signed data): Ana Novak; emailAddress {email} "
        "(hashed with the credential's salt: hash the holder's own to compare)"
    )
    assert note.startswith("note: only the credential baked into the image is signed, not the image")


def test_verify_of_a_baked_svg_whose_visible_name_was_edited_warns_and_names_the_real_holder(signed, tmp_path):
    svg = badge_svg(signed)
    assert b"Prejemnik/-ca: Ana Novak" in svg
    path = tmp_path / "edited.svg"
    path.write_bytes(svg.replace(b"Prejemnik/-ca: Ana Novak", b"Prejemnik/-ca: Eva Kranjc"))
    result = _invoke("verify", str(path))
    assert result.exit_code == 0, result.output  # the signed credential is intact
    lines = result.output.splitlines()
    assert lines[1].startswith("holder (from the signed data): Ana Novak; emailAddress sha256$")
    assert lines[2].startswith("note: only the credential baked into the image is signed")
    assert (
        lines[3] == "WARNING: the image's visible text does not show the holder's name 'Ana Novak' of the signed data"
    )
    assert "Eva Kranjc" not in result.output


def test_verify_of_a_baked_png_names_the_signed_holder_and_says_the_image_is_not_signed(signed, tmp_path):
    path = tmp_path / "badge.png"
    path.write_bytes(bake_png(tiny_png(), signed))
    lines = _invoke("verify", str(path)).output.splitlines()
    assert lines[1].startswith("holder (from the signed data): Ana Novak; ")
    assert lines[2].startswith("note: only the credential baked into the image is signed")
    assert len(lines) == 3


@pytest.mark.parametrize("mode", [0o1777, 0o755, 0o750, 0o700])
def test_keys_init_in_an_existing_folder_keeps_its_mode(mode, tmp_path):
    folder = tmp_path / "existing"
    folder.mkdir()
    folder.chmod(mode)
    result = _invoke("keys", "init", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(folder.stat().st_mode) == mode
    assert stat.S_IMODE((folder / KEY_FILE).stat().st_mode) == 0o600
    note = f"note: {folder} is open to others (mode {mode:04o}) and was left so; only the key file is private"
    assert (note in result.output) == (mode != 0o700)


def test_keys_init_makes_only_the_folders_it_creates_private(tmp_path):
    parent = tmp_path / "parent"
    parent.mkdir(mode=0o755)
    parent.chmod(0o755)
    init_keys(parent / "keys")
    assert stat.S_IMODE((parent / "keys").stat().st_mode) == 0o700
    assert stat.S_IMODE(parent.stat().st_mode) == 0o755


def _key_moved_into(place: str, tmp_path: Path) -> Path:
    """A good key made outside, then moved where it must not be."""
    made = tmp_path / "made"
    init_keys(made)
    if place == "git repository":
        (tmp_path / "repo" / ".git").mkdir(parents=True)
        target = tmp_path / "repo" / "config" / "keys"
    else:
        target = tmp_path / "site" / "dist" / "keys"
    target.parent.mkdir(parents=True)
    shutil.move(made, target)
    return target


PLACES = {"git repository": "inside the git repository", "dist": "inside a dist/ folder"}


@pytest.mark.parametrize("place", PLACES)
def test_loading_a_key_inside_a_repository_or_dist_is_refused(place, tmp_path):
    folder = _key_moved_into(place, tmp_path)
    with pytest.raises(KeyFileError, match=f"refusing to use a private key kept there: .*{PLACES[place]}"):
        load_key(folder)


@pytest.mark.parametrize("place", PLACES)
def test_keys_show_and_revocations_refuse_a_key_inside_a_repository_or_dist(place, tmp_path):
    folder = _key_moved_into(place, tmp_path)
    result = _invoke("keys", "show", "--dir", str(folder))
    assert result.exit_code == 1
    assert "refusing to use a private key kept there" in result.output and PLACES[place] in result.output
    ledger = tmp_path / "ledger.sqlite"
    from xapi.award.ledger import Ledger

    with Ledger(ledger):
        pass
    out = tmp_path / "revocations.json"
    result = _invoke("revocations", "--ledger", str(ledger), "--url", "urn:x", "--out", str(out), "--dir", str(folder))
    assert result.exit_code == 1
    assert "refusing to use a private key kept there" in result.output and PLACES[place] in result.output
    assert not out.exists()


@pytest.mark.parametrize("place", PLACES)
def test_award_refuses_a_key_inside_a_repository_or_dist(place, tmp_path):
    from tests.xapi.award.helpers import everything, mbox, write_jsonl

    folder = _key_moved_into(place, tmp_path)
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")))
    result = CliRunner().invoke(
        main,
        ["award", "--content", str(CONTENT), "--statements", str(statements), "--ledger", str(tmp_path / "l.sqlite")]
        + ["--keys", str(folder), "--out", str(tmp_path / "issued")],
    )
    assert result.exit_code == 1
    assert "refusing to use a private key kept there" in result.output and PLACES[place] in result.output
    assert not list(tmp_path.glob("issued/*.json"))


def _entity_bomb() -> str:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE svg [{entities}]>'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        "<openbadges:credential>&j;</openbadges:credential></svg>"
    )


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (
            '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 100_000 + "</g>" * 100_000 + "</svg>",
            "NOT VALID: image: not a well-formed SVG: Excessive depth in document",
        ),
        (_entity_bomb(), "NOT VALID: image: not a well-formed SVG: Maximum entity amplification factor exceeded"),
    ],
    ids=["100,000-deep SVG", "entity expansion bomb"],
)
def test_hostile_svg_is_refused_in_one_line(svg, message, tmp_path):
    path = tmp_path / "hostile.svg"
    path.write_text(svg, encoding="utf-8")
    result = _invoke("verify", str(path))
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert message in result.output
