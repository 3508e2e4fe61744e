"""The seed as searchable text, with only the PDF's line breaks and hyphenation undone.

Used by the fidelity tests: every text in content/ must occur in the seed, and every
URL and activity of the seed must occur in content/.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from tests.project import CONTENT

SEED = CONTENT / "source" / "000_65979fdcd080d0aa.txt"

# Bullet glyphs of the PDF export: U+F0B7 (Symbol-font bullet) and U+2B23 (hexagon).
BULLETS = re.compile("[\uf0b7\u2b23]")
# The resources row label of one table cell interleaves with a URL (activity 6.2).
TABLE_LABELS = re.compile(r"Viri/|Nadaljnje branje")


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@cache
def prose() -> str:
    """Whitespace collapsed; a word broken after a hyphen at a line end is joined."""
    text = BULLETS.sub(" ", seed_text())
    text = re.sub(r"(?<=\S)-[ \t]*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text)


@cache
def compact() -> str:
    """All whitespace and table labels removed: URLs broken across lines become whole."""
    text = TABLE_LABELS.sub("", BULLETS.sub("", seed_text()))
    return re.sub(r"\s+", "", text)


def occurs_in_seed(text: str, *, ignore_case: bool = False) -> bool:
    wanted = re.sub(r"\s+", " ", text).strip()
    if ignore_case:
        return wanted.casefold() in prose().casefold()
    return wanted in prose()


def url_occurs_in_seed(url: str) -> bool:
    return url in compact() or url.removeprefix("https://") in compact()


def seed_url_starts() -> list[str]:
    """Each URL of the seed as far as its first line reaches, in order, repeats kept."""
    return re.findall(r"(?:https?://|www\.)\S+", seed_text())


def seed_activity_numbers() -> list[str]:
    return re.findall(r"Aktivnost (\d+\.\d+)", seed_text())


# What the seed prints around the curriculum's text: page furniture, table labels,
# list enumerators. The "nothing dropped" test allows only these to stay uncovered.
FURNITURE = re.compile(
    r"https?://\S*|www\.\S+|Project N° \S+|Projekt št\. 2021-1-AT0 1-KA220-VET-000025399|MICRO QUEST: .*? v Evropi\."
    r"|Aktivnost \d+\.\d+|Učna enota \d+:|Trajanje aktivnosti \d+ minut|Učni izidi|Vrsta aktivnosti|Gradiva"
    r"|predstavitev PowerPoint:|PDF / izroček:|Spletno gradivo:|Drugo:|Organizacijske zahteve|Opis aktivnosti"
    r"|Ocena doseganja učnih izidov|Viri/|Nadaljnje branje|Načrti učnih enot|Uvod|Projektni rezultat 3 –"
    r"|# Naslov učne enote Vsebina učne enote Trajanje|^\s*izobraževanju in usposabljanju"
    r"|(?<!\S)(?:\d+[.)]?|o)(?!\S)"
)


def uncovered_text(texts: list[str], urls: list[str]) -> list[str]:
    """The seed's words that none of `texts` or `urls` cover, once furniture is removed."""
    text = prose()
    covered = bytearray(len(text))
    for item in texts:
        wanted = re.sub(r"\s+", " ", item).strip()
        for match in re.finditer(re.escape(wanted), text) if wanted else ():
            covered[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    for url in urls:
        # a URL may be broken across lines or interleaved with a table label
        pattern = r"(?:\s|Nadaljnje branje)*".join(map(re.escape, url.removeprefix("https://")))
        for match in re.finditer(pattern, text):
            covered[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    runs = re.split("\x01+", "".join("\x01" if c else ch for ch, c in zip(text, covered, strict=True)))
    left = (FURNITURE.sub(" ", run).strip() for run in runs)
    return [run for run in left if run]


def _strings(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


if __name__ == "__main__":
    # Quick check for transcribers: python tests/seedtext.py content/units/u2.yaml ...
    import sys

    from ruamel.yaml import YAML

    SKIP = ("id", "number", "kind", "material", "canvas", "type", "vocabulary", "point_style", "code")
    bad = 0
    for name in sys.argv[1:]:
        data = YAML(typ="safe").load(Path(name).read_text(encoding="utf-8"))
        for path, value in _strings(data):
            key = re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]
            if key in SKIP:
                continue
            if key == "resources" or value.startswith("http"):
                ok = url_occurs_in_seed(value)
            else:
                ok = occurs_in_seed(value, ignore_case="canvases" in name)
            if not ok:
                bad += 1
                print(f"{name}: {path}: not in the seed: {value!r}")
    print(f"{bad} strings not found")
    sys.exit(1 if bad else 0)
