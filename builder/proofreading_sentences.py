"""A proofreader's reading of the course's sentences: where they stop, their lists and punctuation.

Slovenian orthography (Slovenski pravopis) as a careful proofreader applies it to the seed: a
sentence ends with its full stop; the items of a list that continues its lead end with ',' until
the last; no doubled '!!'; a dash, not a hyphen, between spaces and in a range; no comma before
'itd.'; a comma
before 'kot je/so' and none after 'in'; the points of one list continue their lead alike; learning
outcomes speak of the learner, not to 'you'. Warnings, at the text's file:line, naming the activity.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from .course_text import URL, Text, activity_places
from .errors import SourceError
from .model import Course

Finding = SourceError
END = re.compile(r"[.!?:…][)\"'»“”]?$")
TRAILING_BRACKET = re.compile(r"\s*\([^()]*\)$")


def _warning(text: Text, message: str) -> Finding:
    return SourceError(text.source, f"{text.place}: {message}", warning=True)


def _ending(text: str, words: int = 3) -> str:
    return " ".join(text.split()[-words:])


def check_sentence_ends(texts: list[Text]) -> Iterator[Finding]:
    """A sentence of prose that stops without its full stop ('… kanvasov (C1 - C3)'). A bracket
    after the full stop ('… Svet ES. (3 minute)') is the seed's note of minutes and ends it well.
    (The introduction has its own check in validate.py.)"""
    for text in texts:
        if text.kind != "prose":
            continue
        body = text.text.rstrip()
        bracket = TRAILING_BRACKET.search(body)
        if END.search(body) or (bracket and END.search(body[: bracket.start()].rstrip())):
            continue
        yield _warning(text, f"the sentence stops without a full stop: ends with {_ending(body)!r}")


def check_list_items(texts: list[Text]) -> Iterator[Finding]:
    """Items of a list that continues its lead ('bo udeleženec/-ka lahko:' + 'opisal/-a …,') end
    with ',' and the last with '.': an item ending with '.' where the list goes on, or a last item
    ending with ','. Lists of whole sentences (items that begin with a capital) are left alone."""
    lists: dict[str, list[Text]] = defaultdict(list)
    for text in texts:
        if text.kind == "item":
            lists[text.list_key].append(text)
    for items in lists.values():
        if len(items) < 2 or not items[0].text[:1].islower():
            continue
        for item in items:
            end = item.text.rstrip()[-1:]
            if not item.last and end == ".":
                yield _warning(
                    item, f"item {item.position + 1} ends with '.', but the list goes on (its other items end with ',')"
                )
            elif item.last and end in ",;":
                yield _warning(item, f"the list's last item ends with {end!r}, not '.'")


# -- punctuation ----------------------------------------------------------------------------------

DOUBLED = re.compile(r"([!?,;:])\1+")
SPACED_HYPHEN = re.compile(r"(?P<a>\w+)\s-\s(?P<b>\w+)")
# "strani 21-29"; not a code of hyphenated parts ("2021-1-AT01-KA220")
HYPHEN_RANGE = re.compile(r"(?<![\w-])\d+-\d+(?![\w-])")
COMMA_ITD = re.compile(r"\S+,\s*itd\.")
# "in, kako …" with no second comma before the sentence ends: not an inserted clause
COMMA_AFTER_IN = re.compile(r"\bin,\s+(?P<clause>[^,.;:!?]+)(?:[.;:!?]|,?\s*$)")
# "… trga dela kot so …": 'kot' opening a clause (with 'je'/'so') takes a comma
KOT_CLAUSE = re.compile(r"(?P<before>[^\W\d_]+)\s+kot\s+(?P<verb>je|so)\b")


def check_punctuation(texts: list[Text]) -> Iterator[Finding]:
    for text in texts:
        if text.kind == "kind":
            continue
        for match in DOUBLED.finditer(text.text):
            yield _warning(text, f"doubled punctuation {match.group()!r}: one {match.group(1)!r}")
        for match in SPACED_HYPHEN.finditer(text.text):
            a, b = match.group("a"), match.group("b")
            yield _warning(
                text, f"a hyphen between spaces in {match.group()!r}: a dash is '{a} – {b}', a range '{a}–{b}'"
            )
        for match in HYPHEN_RANGE.finditer(URL.sub(" ", text.text)):
            dash = match.group().replace("-", "–")
            yield _warning(text, f"a range written with a hyphen, {match.group()!r}: with a dash, {dash!r}")
        for match in COMMA_ITD.finditer(text.text):
            yield _warning(text, f"a comma before 'itd.' in {match.group()!r}: Slovenian writes none")
        for match in COMMA_AFTER_IN.finditer(text.text):
            words = " ".join(match.group("clause").split()[:2])
            yield _warning(
                text,
                f"a comma after 'in' in 'in, {words} …': 'in' joins the clause, which takes no comma "
                "(only an inserted clause, closed by a second comma, does)",
            )
        for match in KOT_CLAUSE.finditer(text.text):
            yield _warning(
                text,
                f"no comma before 'kot {match.group('verb')}' in {match.group()!r}: "
                f"'kot' opens a clause ('{match.group('before')}, kot {match.group('verb')} …')",
            )


# -- lists of points and the learner's person -------------------------------------------------------------

PARTICIPLE = re.compile(r"[^\W\d_]{3,}l[ie]")  # Predstavili, Upoštevali: continue "bodo udeleženci:"
IMPERATIVE = re.compile(r"[^\W\d_]{3,}[ij]te")  # Poglobite, Opredelite: "you", to the reader
# "lahko povežete" (you can), "vaše", "vam": where the outcome's "bo … lahko opisal/-a" is the learner
SECOND_PERSON = re.compile(r"\blahko\s+[^\W\d_]{3,}(?:ate|ete|ite|jte)\b|\b(?:vaš\w*|vam|vas|vi)\b", re.IGNORECASE)


def check_point_constructions(course: Course) -> Iterator[Finding]:
    """Points that continue a lead ending with ':' ('Da bi to dosegli, bodo udeleženci:') alike:
    one beginning with an imperative among points beginning with an l-participle breaks it."""
    places = activity_places(course)
    for activity in course.activities:
        for step in activity.steps:
            if not step.points or not step.paragraphs or not step.paragraphs[-1].rstrip().endswith(":"):
                continue
            firsts = [(p.text.split() or [""])[0].strip(",.;:") for p in step.points]
            participles = [w for w in firsts if PARTICIPLE.fullmatch(w)]
            if len(participles) < 2:
                continue
            for index, word in enumerate(firsts):
                if IMPERATIVE.fullmatch(word):
                    yield SourceError(
                        step.sources[f"points[{index}].text"],
                        f"{places[activity.id]}: point {index + 1} begins {word!r}, an imperative, where the "
                        f"other points continue the lead ('… {_ending(step.paragraphs[-1], 3)}') with "
                        f"{', '.join(repr(w) for w in participles)}",
                        warning=True,
                    )


def check_outcomes_person(texts: list[Text]) -> Iterator[Finding]:
    """Learning outcomes say what the learner will be able to do ('bo udeleženec/-ka lahko
    opredelil/-a …'): a verb that speaks to 'you' (povežete) in them changes the person."""
    for text in texts:
        if text.kind == "item" and "learning_outcomes" in text.source.field:
            for match in SECOND_PERSON.finditer(text.text):
                yield _warning(
                    text,
                    f"{match.group()!r} speaks to 'you' in a learning outcome about the learner "
                    "('bo udeleženec/-ka lahko …')",
                )
