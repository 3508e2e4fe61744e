"""Baked badges (OB 3.0 "Baked Badge"): the learner's SVG, and PNG iTXt, each carrying the credential."""

from __future__ import annotations

import json
import struct
import zlib

import pytest
from lxml import etree

from credentials.baking import (
    OB_NAMESPACE,
    BakingError,
    badge_svg,
    bake_png,
    bake_svg,
    unbake,
)

SVG = "{http://www.w3.org/2000/svg}"


def tiny_png() -> bytes:
    """A 1×1 PNG, built here so the tests need no image file."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x14\x36\x5f")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_svg_badge_carries_the_credential_right_after_the_svg_tag(signed):
    svg = badge_svg(signed)
    root = etree.fromstring(svg)
    assert root.nsmap["openbadges"] == OB_NAMESPACE
    first = root[0]
    assert first.tag == f"{{{OB_NAMESPACE}}}credential"
    assert first.get("verify") is None
    assert b"<openbadges:credential><![CDATA[{" in svg
    assert json.loads(unbake(svg)) == signed


def test_svg_badge_is_accessible_and_in_slovenian(signed):
    root = etree.fromstring(badge_svg(signed))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "badge-title badge-desc"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "sl"
    title = root.find(f"{SVG}title")
    assert title.get("id") == "badge-title" and title.text.startswith("Mikrodokazilo: Delavnice usposabljanja")
    desc = root.find(f"{SVG}desc").text
    assert "prejemnik/-ca Ana Novak" in desc and "2. 6. 2025" in desc
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "MIKRODOKAZILO" in texts
    assert "Prejemnik/-ca: Ana Novak" in texts
    assert "Datum izdaje: 2. 6. 2025" in texts


def test_svg_badge_loads_nothing_from_outside(signed):
    svg = badge_svg(signed).decode("utf-8")
    drawing = svg.split("]]></openbadges:credential>", 1)[1]
    for needle in ("href", "url(", "@import", "@font-face", "<image", "<script", "http"):
        assert needle not in drawing


def test_cdata_terminator_in_a_value_does_not_break_the_baked_svg(signed):
    odd = {**signed, "name": "a ]]> b"}
    assert json.loads(unbake(badge_svg(odd)))["name"] == "a ]]> b"
    assert json.loads(unbake(bake_svg(badge_svg(signed), odd)))["name"] == "a ]]> b"


def test_baking_an_svg_again_replaces_its_credential(signed):
    rebaked = bake_svg(badge_svg(signed), {**signed, "name": "drugo"})
    root = etree.fromstring(rebaked)
    assert len(root.findall(f"{{{OB_NAMESPACE}}}credential")) == 1
    assert json.loads(unbake(rebaked))["name"] == "drugo"


def test_png_gets_one_uncompressed_itxt_openbadgecredential_chunk_after_ihdr(signed):
    baked = bake_png(bake_png(tiny_png(), {"old": True}), signed)
    offset, kinds, itxt = 8, [], []
    while offset < len(baked):
        length, kind = struct.unpack(">I4s", baked[offset : offset + 8])
        kinds.append(kind)
        if kind == b"iTXt":
            itxt.append(baked[offset + 8 : offset + 8 + length])
        offset += 12 + length
    assert kinds == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]
    (body,) = itxt
    assert body.startswith(b"openbadgecredential\x00\x00\x00\x00\x00")  # no compression, no language
    assert json.loads(unbake(baked)) == signed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a", "not a well-formed SVG"),
        (b"<html/>", "not an SVG: the root element is 'html'"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a truncated PNG"),
    ],
)
def test_unbaking_what_is_no_badge_says_why(data, message):
    with pytest.raises(BakingError, match=message):
        unbake(data)


def test_svg_with_entities_is_not_expanded(signed):
    evil = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        b"<openbadges:credential>&x;</openbadges:credential></svg>"
    )
    assert "root:" not in unbake(evil)
