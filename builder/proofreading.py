"""A proofreader's reading of the whole course: its words, terms, languages and abbreviations.

Each check reads every text of the course (course_text.course_texts, in reading order) and
reports what a careful Slovenian proofreader of the seed would mark: a word or a term written two
ways, a measure that is also a name, a word or a linked page in another language, an abbreviation
never introduced or written with its letters swapped. proofreading_references reads the course's
structure (titles, cross-references, canvas numbers, links), proofreading_sentences its sentences
and punctuation; `proofread` runs them all. The content keeps what the seed says: these are
warnings, at the text's file:line, each naming its place in the course ("aktivnost 4.1: …").

Where a rule finds it, a rule does; the few lists below are documented term by term.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from . import proofreading_references as references
from . import proofreading_sentences as sentences
from .course_text import URL, WORD, Text, activity_places, course_texts
from .errors import SourceError
from .model import Course

Finding = SourceError


def _warning(text: Text, message: str) -> Finding:
    return SourceError(text.source, f"{text.place}: {message}", warning=True)


# -- a word written two ways ----------------------------------------------------------------------


def _forms(text: str) -> Iterator[tuple[str, str]]:
    """(key, form as written) of each word, and of each two words a space apart that could be
    written as one; the key is the word without case, spaces or hyphens."""
    clean = URL.sub(" ", text)
    words = list(WORD.finditer(clean))
    for match in words:
        yield match.group().lower().replace("-", ""), match.group()
    for a, b in itertools.pairwise(words):
        # words of one or two letters are Slovenian's own pairs (na to / nato, za to / zato)
        if clean[a.end() : b.start()] == " " and min(len(a.group()), len(b.group())) >= 3:
            if "-" not in a.group() + b.group():
                yield (a.group() + b.group()).lower(), f"{a.group()} {b.group()}"


def check_spelling_variants(texts: list[Text]) -> Iterator[Finding]:
    """A word written as one word in one place and as two, or with a hyphen, in another
    (MICROQUEST / MICRO QUEST, PowerPoint / Power point, mikrodokazilo / mikro-dokazilo).
    The form the course uses most (or first, where two are used as often) is its spelling; every
    other form is reported where it is."""
    seen: dict[str, dict[str, list[tuple[Text, str]]]] = defaultdict(lambda: defaultdict(list))
    for text in texts:
        for key, written in _forms(text.text):
            seen[key][written.lower()].append((text, written))
    for forms in seen.values():
        if len(forms) < 2 or all(" " in form for form in forms):
            continue
        ranked = sorted(forms.values(), key=lambda uses: -len(uses))
        reference = ranked[0]
        ref_text, ref_written = reference[0]
        for uses in ranked[1:]:
            for text in dict.fromkeys(t for t, _ in uses if t.kind != "kind"):
                written = next(w for t, w in uses if t is text)
                yield _warning(
                    text,
                    f"'{written}' is written '{ref_written}' elsewhere in the course "
                    f"({len(reference)} times, first at {ref_text.source})",
                )


# -- a term used two ways ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    concept: str
    variants: dict[str, str]  # the variant as a reader knows it -> a pattern of its forms


# Terms the seed writes two ways for one thing. No rule can tell synonyms apart, so they are listed;
# the variant the course uses most is its term, and each other one is reported where it is.
KNOWN_TERMS = (
    # "učni izid" is the Slovenian term for a learning outcome (the course's "Ocena doseganja
    # učnih izidov"); 4.1 and 4.2 say "učni rezultat".
    Term("a learning outcome", {"učni izid": r"\bučn\w* izid", "učni rezultat": r"\bučn\w* rezultat"}),
    # the EQF (EOK) is a framework, "okvir EOK" in most places, "ogrodje EOK" in 4.2.
    Term("the EQF framework", {"okvir EOK": r"\bokvir\w* EOK\b", "ogrodje EOK": r"\bogrodj\w* EOK\b"}),
    # the person who leads the workshop is the "mentor", except in 5.1 and 6.3.
    Term(
        "the person who leads the workshop",
        {"mentor": r"\bmentor", "moderator": r"\bmoderator", "organizator": r"\borganizator"},
    ),
    # the workshop's learners are "udeleženci" (VET trainers, not pupils), except once in 2.2.
    Term("the workshop's learners", {"udeleženec": r"\budeležen[e]?c", "učenec": r"\bučen[e]?c"}),
    # European digital credentials: "digitalna dokazila", and "digitalna potrdila" in 6.1.
    Term(
        "digital credentials",
        {"digitalna dokazila": r"\bdigitaln\w* dokazil", "digitalna potrdila": r"\bdigitaln\w* potrdil"},
    ),
    # a level is "raven" (ravni EOK, ravni Bloomove taksonomije); "nivo" is the colloquial loan.
    Term("a level", {"raven": r"\bravn[ie]\w*|\braven\b", "nivo": r"\bnivo"}),
    # the sticky notes of unit 7: "post-it lističi", and "listki" in 7.2's materials.
    Term("the post-it notes", {"lističi": r"\blistič", "listki": r"\blistk"}),
)


def check_known_terms(texts: list[Text]) -> Iterator[Finding]:
    for term in KNOWN_TERMS:
        uses: dict[str, list[tuple[Text, str]]] = {name: [] for name in term.variants}
        for text in texts:
            for name, pattern in term.variants.items():
                for match in re.finditer(pattern + r"\w*", text.text, re.IGNORECASE):
                    uses[name].append((text, match.group()))
        counts = Counter({name: len(found) for name, found in uses.items() if found})
        if len(counts) < 2:
            continue
        reference = counts.most_common(1)[0][0]
        first = uses[reference][0][0].source
        for name, found in uses.items():
            if name == reference:
                continue
            for text in dict.fromkeys(t for t, _ in found):
                written = next(w for t, w in found if t is text)
                yield _warning(
                    text,
                    f"'{written}' for {term.concept}; elsewhere the course says '{reference}' "
                    f"({counts[reference]} times, first at {first})",
                )


# -- "učna enota": a measure and a name ----------------------------------------------------------------

DEFINITION = re.compile(r"\b(?P<term>[^\W\d_]+ [^\W\d_]+) je opredeljen\w* kot (?P<minutes>\d+) minut")


def _stem_parts(term: str) -> list[str]:
    """'Učna enota' -> a pattern of each word's declined forms ('Učni enoti', 'učne enote')."""
    return [re.escape(word[:-1]) + r"\w*" for word in term.split()]


def check_measure_used_as_name(course: Course, texts: list[Text]) -> Iterator[Finding]:
    """A term the overview defines as a measure of time ("Učna enota je opredeljena kot 60 minut")
    that the course also uses as the name of its units ("V Učni enoti 3") or of an activity ("te
    učne enote" in an activity of a unit with more)."""
    definition = next(
        ((text, match) for text in texts if text.kind == "prose" for match in [DEFINITION.search(text.text)] if match),
        None,
    )
    if definition is None:
        return
    text, match = definition
    term = match.group("term")
    parts = _stem_parts(term)
    stem = r"\s+".join(parts)
    named = [(t, m.group()) for t in texts for m in [re.search(stem + r"\s+\d+", t.text, re.I)] if m and t is not text]
    if named:
        other, example = named[0]
        more = f" and {len(named) - 1} more text{'s' if len(named) > 2 else ''}" if len(named) > 1 else ""
        longest = max(course.overview, key=lambda row: row.duration)
        yield _warning(
            text,
            f"'{term.lower()}' is defined here as {match.group('minutes')} minutes, but it is also the name of "
            f"the course's units ('{example}' in {other.place}{more}), so unit {longest.number} is "
            f"'{longest.duration_text}' long",
        )
    units = {u.id: u for u in course.units}
    # "te učne enote", "te enote": this unit, said in an activity
    this = re.compile(rf"\b(?:ta|te|tej|to)\s+(?:{parts[0]}\s+)?{parts[-1]}", re.I)
    for t in texts:
        found = this.search(t.text) if t.activity is not None else None
        unit = units[t.activity.unit_id] if found else None
        if unit is not None and len(unit.activities) > 1:
            yield _warning(
                t,
                f"'{found.group()}' calls this activity a unit ('enota'), but it is one of the "
                f"{len(unit.activities)} activities of unit {unit.number}",
            )


# -- words in another language ---------------------------------------------------------------------------

# Names the seed uses as names (of products, programmes, projects, a college): a Slovenian text
# keeps them as they are. Written as they are, in any case; "Power point" is PowerPoint written
# two ways, which check_spelling_variants reports.
NAMES = ("Europass", "YouTube", "Power ?Point", "Open Badges", "Cities of Learning", "Trinity", "MICRO QUEST")
NAME = re.compile(r"\b(?:" + "|".join(NAMES) + r")\w*", re.IGNORECASE)
# Slovenian spelling has no q, w, x, y and writes none of these letter pairs; nor these endings.
FOREIGN_LETTERS = re.compile(r"[qwxy]|ch|th|ck")
FOREIGN_ENDINGS = re.compile(r"(?:izer|tion|ness|ship)s?$")
# "10 min" is Slovenian too (min. = minuta); "10 minutes" is not
ENGLISH_UNITS = re.compile(r"\b(?P<n>\d+)\s+(?P<unit>minutes|hours?|hrs)\b", re.IGNORECASE)


def _slovenian_count(n: int, forms: tuple[str, str, str, str]) -> str:
    """1 minuta, 2 minuti, 3 minute, 5 minut: the form of a noun after the number n."""
    rest = n % 100
    return f"{n} {forms[0] if rest == 1 else forms[1] if rest == 2 else forms[2] if rest in (3, 4) else forms[3]}"


def check_foreign_words(texts: list[Text]) -> Iterator[Finding]:
    for text in texts:
        if text.kind == "kind":
            continue
        for match in ENGLISH_UNITS.finditer(text.text):
            minutes = match.group("unit").lower().startswith("min")
            forms = ("minuta", "minuti", "minute", "minut") if minutes else ("ura", "uri", "ure", "ur")
            slovenian = _slovenian_count(int(match.group("n")), forms)
            yield _warning(text, f"'{match.group()}' is English: in Slovenian '{slovenian}'")
        clean = NAME.sub(" ", URL.sub(" ", text.text))
        for word in dict.fromkeys(WORD.findall(clean)):
            if word.isupper():
                continue
            letters = FOREIGN_LETTERS.search(word.lower())
            ending = FOREIGN_ENDINGS.search(word.lower())
            if letters or ending:
                why = f"spelling has no '{letters.group()}'" if letters else f"words do not end in '-{ending.group()}'"
                yield _warning(text, f"'{word}' is not a Slovenian word (Slovenian {why})")


def check_resource_languages(course: Course) -> Iterator[Finding]:
    """A link to a page in a third language (the Finnish or German edition of a Europass page) in
    a Slovenian course: Slovenian and English pages are what its readers are given elsewhere."""
    places = activity_places(course)
    for activity in course.activities:
        for index, url in enumerate(activity.resources):
            parts = urlsplit(url)
            codes = [s for s in parts.path.split("/") if s in EU_LANGUAGES]
            codes += [v for values in parse_qs(parts.query).values() for v in values if v in EU_LANGUAGES]
            for code in dict.fromkeys(codes):
                if code not in ("sl", "en"):
                    where = activity.sources[f"resources[{index}]"]
                    message = f"the link opens the {EU_LANGUAGES[code]} edition of the page ('/{code}/')"
                    yield SourceError(where, f"{places[activity.id]}: {message}", warning=True)


# The official languages of the EU by the codes their pages use in a URL (europa.eu/…/de/…).
EU_LANGUAGES = {
    "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "fi": "Finnish", "fr": "French", "ga": "Irish", "hr": "Croatian",
    "hu": "Hungarian", "it": "Italian", "lt": "Lithuanian", "lv": "Latvian", "mt": "Maltese",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "sk": "Slovak",
    "sl": "Slovenian", "sv": "Swedish",
}  # fmt: skip


# -- abbreviations -------------------------------------------------------------------------------------------

ABBREVIATION = re.compile(r"(?<![\w/-])(?P<abbr>[A-ZČŠŽĆĐ]{2,5}\d?)(?![\w/-])")
INTRODUCED = re.compile(r"\((?P<a>[A-ZČŠŽĆĐ]{2,5}\d?)(?: in (?P<b>[A-ZČŠŽĆĐ]{2,5}\d?))?\)")
# Abbreviations a reader of a Slovenian VET course knows without an introduction: EU; ECTS, the
# European credit system, used as is in Slovenian; EOK, the Slovenian abbreviation of the EQF in
# every Slovenian VET document; MOOC, used as is; PDF and PPT, the file types.
KNOWN_ABBREVIATIONS = {"EU", "ECTS", "EOK", "MOOC", "PDF", "PPT"}


def check_abbreviations(texts: list[Text]) -> Iterator[Finding]:
    """An abbreviation written with its letters in another order than elsewhere (EDCI / ECDI), and
    one that is used but never introduced ('… (MD)') nor known to every reader (KNOWN_ABBREVIATIONS).
    Words in capitals are not abbreviations: those the course also writes in small letters (NE, OPIS)
    and two in a row (MICRO QUEST, PERSONA CILJNE SKUPINE)."""
    lower = {w.lower() for t in texts for w in WORD.findall(t.text) if not w.isupper()}
    uses: dict[str, list[Text]] = defaultdict(list)
    introduced: set[str] = set()
    for text in texts:
        if text.kind == "kind":
            continue
        clean = URL.sub(" ", text.text)
        for match in INTRODUCED.finditer(clean):
            introduced.update(filter(None, (match.group("a"), match.group("b"))))
        capitals = [m for m in re.finditer(r"\b[A-ZČŠŽĆĐ]{2,}\b", clean)]
        for match in ABBREVIATION.finditer(clean):
            abbr = match.group("abbr")
            beside = [m for m in capitals if m.start() != match.start() and _adjacent(clean, m, match)]
            if abbr.lower() not in lower and not beside:
                uses[abbr].append(text)
    letters: dict[str, list[str]] = defaultdict(list)
    for abbr in uses:
        letters["".join(sorted(abbr))].append(abbr)
    anagrams = {a for group in letters.values() if len(group) > 1 for a in group}
    for group in letters.values():
        if len(group) < 2:
            continue
        reference = next((a for a in group if a in introduced), max(group, key=lambda a: len(uses[a])))
        for abbr in group:
            if abbr != reference:
                for text in dict.fromkeys(uses[abbr]):
                    yield _warning(
                        text,
                        f"'{abbr}' and '{reference}' ({uses[reference][0].source}) have the same "
                        "letters in another order: the same abbreviation?",
                    )
    for abbr, found in uses.items():
        if abbr not in introduced | KNOWN_ABBREVIATIONS | anagrams:
            yield _warning(
                found[0],
                f"the abbreviation '{abbr}' is never introduced (nowhere '… ({abbr})'); "
                f"the course uses it in {len(found)} text{'s' if len(found) > 1 else ''}",
            )


def _adjacent(text: str, a: re.Match, b: re.Match) -> bool:
    first, second = sorted((a, b), key=lambda m: m.start())
    return text[first.end() : second.start()] in (" ", ", ")


def proofread(course: Course) -> list[Finding]:
    """Every warning of the proofreader's checks (this module, proofreading_references and
    proofreading_sentences) on the course."""
    texts = course_texts(course)
    return [
        *check_spelling_variants(texts),
        *check_known_terms(texts),
        *check_measure_used_as_name(course, texts),
        *check_foreign_words(texts),
        *check_resource_languages(course),
        *check_abbreviations(texts),
        *references.check_titles(course, texts),
        *references.check_references(course, texts),
        *references.check_part_labels(course, texts),
        *references.check_canvas_numbers(course),
        *references.check_links_and_videos(course, texts),
        *sentences.check_sentence_ends(texts),
        *sentences.check_list_items(texts),
        *sentences.check_punctuation(texts),
        *sentences.check_point_constructions(course),
        *sentences.check_outcomes_person(texts),
    ]
