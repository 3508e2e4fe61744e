"""Badge images that carry their credential ("baking", Open Badges 3.0 §"Baked Badge").

- SVG: `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"` on `<svg>` and, as
  its first child, `<openbadges:credential>` with the credential's JSON in CDATA
  (a VC-JWT would go in a `verify` attribute instead).
- PNG: one `iTXt` chunk with keyword `openbadgecredential`, uncompressed, whose
  text is the JSON.

`badge_svg` draws the learner's badge: the title, the holder, the issuer and the
date, in Slovenian, with `<title>`/`<desc>` for screen readers, system fonts only
and no external images. `unbake` reads the credential back from either format.
Only the baked credential is signed: the image, and the text it shows, is not.

An image from anywhere is untrusted input: `unbake` refuses a credential longer than
`MAX_CREDENTIAL_BYTES` (a compressed iTXt is inflated only that far, so a "zip bomb"
costs no more memory than that), and the SVG parser loads no DTD, expands no entity
and keeps libxml2's limits on depth and text size.
"""

from __future__ import annotations

import json
import struct
import textwrap
import zlib
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
# A credential is some tens of kB; nothing legitimate comes near this.
MAX_CREDENTIAL_BYTES = 4 * 1024 * 1024


class BakingError(ValueError):
    """An image that is no badge: not PNG or SVG, malformed, or without a credential."""


def credential_json(document: dict[str, Any]) -> str:
    """The credential as microquest writes it: UTF-8 JSON, sorted keys, 2-space indent."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _cdata_safe(text: str) -> str:
    # "]]>" may not occur inside CDATA. In JSON it can only be inside a string,
    # where ">" may equally be written \u003e: the same JSON, CDATA-safe.
    return text.replace("]]>", "]]\\u003e")


def _learner_name(document: dict[str, Any]) -> str | None:
    for identity in document.get("credentialSubject", {}).get("identifier", []):
        if identity.get("identityType") == "ext:name" and not identity.get("hashed"):
            return identity.get("identityHash")
    return None


def _slovenian_date(moment: str) -> str:
    day = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return f"{day.day}. {day.month}. {day.year}"


def _text_lines(lines: list[str], x: int, y: int, step: int, attributes: str) -> tuple[str, int]:
    parts = []
    for line in lines:
        parts.append(f'  <text x="{x}" y="{y}" {attributes}>{escape(line)}</text>')
        y += step
    return "\n".join(parts), y


def badge_svg(document: dict[str, Any]) -> bytes:
    """The learner's badge as an SVG with the credential baked in."""
    title = document.get("name") or document["credentialSubject"]["achievement"]["name"]
    issuer = document["issuer"]
    issuer_name = issuer.get("name", issuer.get("id", "")) if isinstance(issuer, dict) else issuer
    learner = _learner_name(document)
    date = _slovenian_date(document["validFrom"])
    title_lines = textwrap.wrap(title, 40)
    description = f"Mikrodokazilo »{title}«" + (f", prejemnik/-ca {learner}" if learner else "")
    description += f". Izdal/-a {issuer_name}, {date}."
    title_svg, y = _text_lines(
        title_lines, 300, 214, 26, 'font-size="19" font-weight="bold" fill="#14365f" text-anchor="middle"'
    )
    details = ([f"Prejemnik/-ca: {learner}"] if learner else []) + [
        *textwrap.wrap(f"Izdajatelj: {issuer_name}", 52),
        f"Datum izdaje: {date}",
    ]
    details_svg, _ = _text_lines(details, 300, y + 28, 24, 'font-size="16" fill="#1f2933" text-anchor="middle"')
    height = y + 28 + 24 * len(details) + 40
    svg = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="{SVG_NAMESPACE}" xmlns:openbadges="{OB_NAMESPACE}" viewBox="0 0 600 {height}" width="600" height="{height}" role="img" aria-labelledby="badge-title badge-desc" xml:lang="sl" lang="sl" font-family="'DejaVu Sans', 'Liberation Sans', Arial, sans-serif">
<openbadges:credential><![CDATA[{_cdata_safe(credential_json(document))}]]></openbadges:credential>
  <title id="badge-title">{escape(f"Mikrodokazilo: {title}")}</title>
  <desc id="badge-desc">{escape(description)}</desc>
  <rect x="8" y="8" width="584" height="{height - 16}" rx="24" fill="#ffffff" stroke="#14365f" stroke-width="6"/>
  <circle cx="300" cy="92" r="58" fill="#14365f"/>
  <path d="M300 58 l10 22 24 3 -18 16 5 24 -21 -12 -21 12 5 -24 -18 -16 24 -3 z" fill="#ffd54f"/>
  <text x="300" y="180" font-size="16" letter-spacing="2" fill="#14365f" text-anchor="middle">MIKRODOKAZILO</text>
{title_svg}
  <line x1="120" y1="{y}" x2="480" y2="{y}" stroke="#14365f" stroke-width="1.5"/>
{details_svg}
</svg>
"""
    return svg.encode("utf-8")


def bake_svg(svg: bytes, document: dict[str, Any]) -> bytes:
    """Any SVG with the credential baked in (an existing one is replaced)."""
    root = _parse_svg(svg)
    for old in root.findall(f"{{{OB_NAMESPACE}}}credential"):
        root.remove(old)
    element = etree.Element(f"{{{OB_NAMESPACE}}}credential", nsmap={"openbadges": OB_NAMESPACE})
    element.text = etree.CDATA(_cdata_safe(credential_json(document)))
    root.insert(0, element)
    etree.cleanup_namespaces(root, top_nsmap={"openbadges": OB_NAMESPACE})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _parse_svg(data: bytes) -> etree._Element:
    # No entities, no network, no DTD: an image from anywhere is untrusted input.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise BakingError(f"not a well-formed SVG: {error}") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise BakingError(f"not an SVG: the root element is {root.tag!r}")
    return root


def _too_long(what: str) -> BakingError:
    return BakingError(
        f"{what} is longer than {MAX_CREDENTIAL_BYTES // 2**20} MB; refusing it (a credential is some tens of kB)"
    )


def unbake_svg(data: bytes) -> str:
    """The credential text of a baked SVG: its JSON, or a VC-JWT from the `verify` attribute."""
    element = _parse_svg(data).find(f".//{{{OB_NAMESPACE}}}credential")
    if element is None:
        raise BakingError(f"the SVG has no <openbadges:credential> element (namespace {OB_NAMESPACE})")
    text = element.get("verify") or (element.text or "").strip()
    if len(text) > MAX_CREDENTIAL_BYTES:
        raise _too_long("the SVG's baked credential")
    return text


def svg_visible_text(data: bytes) -> str:
    """The text an SVG draws (its <text> elements), which no signature covers; "" when unreadable."""
    try:
        root = _parse_svg(data)
    except BakingError:
        return ""
    drawn = [" ".join("".join(t.itertext()).split()) for t in root.iter(f"{{{SVG_NAMESPACE}}}text")]
    return "\n".join(line for line in drawn if line)


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG: the file does not start with the PNG signature")
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset < len(data):
        if offset + 8 > len(data):
            raise BakingError("a truncated PNG: a chunk header is cut off")
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        crc = data[offset + 8 + length : offset + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise BakingError(f"a truncated PNG: chunk {kind!r} is cut off")
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + body):
            raise BakingError(f"a corrupt PNG: chunk {kind!r} fails its CRC")
        chunks.append((kind, body))
        offset += 12 + length
        if kind == b"IEND":
            break
    return chunks


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _credential_itxt(body: bytes) -> str | None:
    keyword, _, rest = body.partition(b"\0")
    if keyword != PNG_KEYWORD:
        return None
    if len(rest) < 2:
        raise BakingError("a malformed iTXt openbadgecredential chunk: its header is cut off")
    compressed, method = rest[0], rest[1]
    _language, _, rest = rest[2:].partition(b"\0")
    _translated, _, text = rest.partition(b"\0")
    if compressed and method != 0:
        raise BakingError(f"the iTXt openbadgecredential chunk names compression method {method}, not 0 (zlib)")
    try:
        # The spec forbids compression here; read it all the same, but inflate only so far.
        return (_inflate(text) if compressed else _bounded(text)).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as error:
        raise BakingError(f"the iTXt openbadgecredential chunk cannot be read: {error}") from None


def _bounded(text: bytes) -> bytes:
    if len(text) > MAX_CREDENTIAL_BYTES:
        raise _too_long("the iTXt openbadgecredential text")
    return text


def _inflate(data: bytes) -> bytes:
    """zlib data inflated, refusing it as soon as it would exceed MAX_CREDENTIAL_BYTES."""
    inflater = zlib.decompressobj()
    text = inflater.decompress(data, MAX_CREDENTIAL_BYTES + 1)
    if len(text) > MAX_CREDENTIAL_BYTES or inflater.unconsumed_tail:
        raise _too_long("the compressed iTXt openbadgecredential text, inflated,")
    if not inflater.eof:
        raise BakingError("the iTXt openbadgecredential chunk cannot be read: its compressed text is cut off")
    return text


def bake_png(png: bytes, document: dict[str, Any]) -> bytes:
    """The PNG with one uncompressed iTXt `openbadgecredential` chunk after IHDR (an old one is replaced)."""
    chunks = [(k, b) for k, b in _chunks(png) if not (k == b"iTXt" and _credential_itxt(b) is not None)]
    text = credential_json(document).encode("utf-8")
    itxt = PNG_KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + text
    out = [PNG_SIGNATURE]
    for kind, body in chunks:
        out.append(_chunk(kind, body))
        if kind == b"IHDR":
            out.append(_chunk(b"iTXt", itxt))
    return b"".join(out)


def unbake_png(data: bytes) -> str:
    for kind, body in _chunks(data):
        if kind == b"iTXt":
            text = _credential_itxt(body)
            if text is not None:
                return text
    raise BakingError("the PNG has no iTXt chunk with keyword 'openbadgecredential'")


def unbake(data: bytes) -> str:
    """The credential text baked into a PNG or SVG badge."""
    if data.startswith(PNG_SIGNATURE):
        return unbake_png(data)
    return unbake_svg(data)


def is_image(data: bytes) -> bool:
    head = data.lstrip()[:1]
    return data.startswith(PNG_SIGNATURE) or head == b"<"
