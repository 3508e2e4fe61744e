"""The learner's page of a credential: one self-contained HTML page, in Slovenian.

`learner_page(document, json_file=…, badge_file=…, europass_file=…, environment=…)`
turns a signed Open Badges 3.0 credential (as `credentials.issue.issue` returns it)
into the page the learner keeps beside it: who holds it, what was achieved (title,
description, the learning outcomes by activity, the workload), who issued it and when,
the 11 mandatory EU elements (Council Recommendation 2022/C 243/02, Annex I) as a
definition list, how to verify it, and links to the sibling files (the credential's
JSON, the baked badge, the Europass file when there is one).

The page is built for people, the credential for machines: the page is not signed, and
says so; what counts is the JSON it links to. It is self-contained (inline CSS, no
script, no image or font fetched: the only absolute URLs are the issuer's home page and
the verifier's, as links), readable from 320 px, and prints on A4 without its download
links.

One jinja Environment for the whole product: the Environment is a parameter, and
`builder` passes its own (`builder.render.environment()`), whose loader serves
`scorm_templates/`, where `credential/page.html.j2` lives. `credentials` never imports
`builder` and configures no Environment of its own, so autoescaping, StrictUndefined and
the whitespace rules are set in one place only; an Environment that would not escape, or
would render a missing value as "", is refused.

Everything the template shows is computed here (labels, dates, durations, links):
the template only places it. The text comes from the signed document, escaped by the
Environment; an issuer URL that is not http(s) is shown as text, never as a link.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE = "credential/page.html.j2"
LEARNING_OUTCOME_TYPE = "ext:LearningOutcome"
EQF_LEVEL_PREFIX = "http://data.europa.eu/snb/eqf/"
UNNAMED_HOLDER = "Imetnik/-ca"
OUTCOMES_ANCHOR = "ucni-izidi"


@dataclass(frozen=True)
class Link:
    href: str
    text: str


# Where to check a credential other than with microquest: any Open Badges 3.0 verifier
# that reads Data Integrity proofs; 1EdTech's public validator is the reference one.
VERIFIERS = (Link("https://vc.1ed.tech/", "1EdTech Digital Credentials Public Validator (vc.1ed.tech)"),)

MONTHS = (
    "januarja",
    "februarja",
    "marca",
    "aprila",
    "maja",
    "junija",
    "julija",
    "avgusta",
    "septembra",
    "oktobra",
    "novembra",
    "decembra",
)
# ISO 3166-1 alpha-2 → Slovenian name: the EU, the EEA and the other Erasmus+ programme countries.
COUNTRIES = {
    "AT": "Avstrija",
    "BE": "Belgija",
    "BG": "Bolgarija",
    "CH": "Švica",
    "CY": "Ciper",
    "CZ": "Češka",
    "DE": "Nemčija",
    "DK": "Danska",
    "EE": "Estonija",
    "ES": "Španija",
    "FI": "Finska",
    "FR": "Francija",
    "GR": "Grčija",
    "HR": "Hrvaška",
    "HU": "Madžarska",
    "IE": "Irska",
    "IS": "Islandija",
    "IT": "Italija",
    "LI": "Lihtenštajn",
    "LT": "Litva",
    "LU": "Luksemburg",
    "LV": "Latvija",
    "MK": "Severna Makedonija",
    "MT": "Malta",
    "NL": "Nizozemska",
    "NO": "Norveška",
    "PL": "Poljska",
    "PT": "Portugalska",
    "RO": "Romunija",
    "RS": "Srbija",
    "SE": "Švedska",
    "SI": "Slovenija",
    "SK": "Slovaška",
    "TR": "Turčija",
}
FORMS_OF_PARTICIPATION = {
    "online": "na daljavo (prek spleta)",
    "onsite": "v živo (na lokaciji izvajalca)",
    "blended": "kombinirano (v živo in prek spleta)",
}
QUALITY_ASSURANCE = {"internal": "notranje zagotavljanje kakovosti", "external": "zunanje zagotavljanje kakovosti"}
IDENTIFIERS = {
    "emailAddress": "e-poštni naslov",
    "ext:xapiAccount": "uporabniški račun (xAPI)",
    "ext:xapiOpenid": "OpenID",
    "ext:xapiMboxSha1sum": "e-poštni naslov (xAPI mbox_sha1sum)",
}
LEGAL_IDENTIFIERS = {"ext:legalName": "uradno ime", "ext:legalIdentifier": "identifikator pravne osebe"}
_DURATION = re.compile(r"P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?")
_FILE_NAME = re.compile(r"[^/\\:\x00-\x1f]+")


class LearnerPageError(ValueError):
    """A document the page cannot be made of, or sibling file names that are not plain names."""


@dataclass(frozen=True)
class Line:
    """A piece of a value: text, or a link when `href` is set."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Element:
    """One mandatory EU element: its number (1–11), Slovenian label, value lines and a note."""

    number: int
    label: str
    lines: tuple[Line, ...]
    as_list: bool = False
    note: str | None = None


@dataclass(frozen=True)
class OutcomeGroup:
    activity: str
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    datetime: str | None = None


@dataclass(frozen=True)
class Download:
    href: str
    file: str
    label: str
    description: str


@dataclass(frozen=True)
class LearnerPage:
    """What the page shows, computed; the template only places it."""

    title: str
    description: str
    holder: str
    holder_named: bool
    holder_note: str | None
    issuer: Line
    facts: tuple[Fact, ...]
    elements: tuple[Element, ...]
    outcome_groups: tuple[OutcomeGroup, ...]
    outcomes_anchor: str
    credential_id: str
    issuer_key: str
    proof: str | None
    revocation_list: str | None
    verify_command: str
    json_file: str
    verifiers: tuple[Link, ...]
    downloads: tuple[Download, ...]


def slovenian_date(moment: str) -> str:
    """`2025-06-02T09:30:00Z` → `2. junija 2025` (the date in UTC, as the badge shows it)."""
    day = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def _count(number: int, one: str, two: str, few: str, many: str) -> str:
    """Slovenian agrees a noun with a count by its last two digits: 1 ura, 2 uri, 3 ure, 5 ur."""
    rest = number % 100
    word = one if rest == 1 else two if rest == 2 else few if rest in (3, 4) else many
    return f"{number} {word}"


def workload_label(duration: str) -> str:
    """An xsd:duration as Slovenian words: `PT12H` → `12 ur`, `PT1H30M` → `1 ura in 30 minut`."""
    match = _DURATION.fullmatch(duration)
    if match is None or not any(match.groupdict().values()):
        return duration
    days, hours, minutes = (int(match[name] or 0) for name in ("days", "hours", "minutes"))
    hours += 24 * days
    parts = []
    if hours or not minutes:
        parts.append(_count(hours, "ura", "uri", "ure", "ur"))
    if minutes:
        parts.append(_count(minutes, "minuta", "minuti", "minute", "minut"))
    return " in ".join(parts)


def _outcomes_label(count: int) -> str:
    return _count(
        count,
        "učni izid, naveden spodaj",
        "učna izida, navedena spodaj",
        "učni izidi, navedeni spodaj",
        "učnih izidov, navedenih spodaj",
    )


def _decimal(number: float) -> str:
    return f"{number:g}".replace(".", ",")


def _web_url(url: Any) -> str | None:
    """The URL when it is an absolute http(s) URL, the only kind the page links to."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _holder(subject: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The learner's name as the credential states it in plain, and how else it identifies them."""
    name = None
    described = []
    for identity in subject.get("identifier", []):
        kind = identity.get("identityType")
        if kind == "ext:name" and not identity.get("hashed"):
            name = name or str(identity.get("identityHash", "")).strip() or None
        elif kind in IDENTIFIERS:
            hashed = identity.get("hashed") or kind == "ext:xapiMboxSha1sum"
            described.append(IDENTIFIERS[kind] + (", zapisan kot zgoščena vrednost" if hashed else ""))
    note = "Identifikator: " + "; ".join(described) + "." if described else None
    return name, note


def _outcome_groups(alignments: Sequence[Mapping[str, Any]]) -> tuple[OutcomeGroup, ...]:
    """EU element 6: the outcomes in the credential's order, grouped by the activity that names them."""
    groups: list[tuple[str, list[str]]] = []
    for alignment in alignments:
        if alignment.get("targetType") != LEARNING_OUTCOME_TYPE:
            continue
        activity = str(alignment.get("targetDescription", ""))
        if not groups or groups[-1][0] != activity:
            groups.append((activity, []))
        groups[-1][1].append(str(alignment["targetName"]))
    return tuple(OutcomeGroup(activity, tuple(outcomes)) for activity, outcomes in groups)


def _eqf_levels(alignments: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        f"EOK {alignment['targetUrl'].removeprefix(EQF_LEVEL_PREFIX)}"
        for alignment in alignments
        if str(alignment.get("targetUrl", "")).startswith(EQF_LEVEL_PREFIX)
    ]


def _legal_lines(issuer: Mapping[str, Any]) -> list[Line]:
    """The awarding body's registered name and legal identifier, when its profile states them."""
    lines = []
    for entry in issuer.get("otherIdentifier") or []:
        label = LEGAL_IDENTIFIERS.get(entry.get("identifierType")) if isinstance(entry, Mapping) else None
        if label and entry.get("identifier"):
            lines.append(Line(f"{label}: {entry['identifier']}"))
    return lines


def _revocation_list(status: Any) -> str | None:
    """Where the issuer publishes revocations: a Bitstring Status List's credential, or a 1EdTech list."""
    if not isinstance(status, Mapping):
        return None
    where = status.get("statusListCredential") or status.get("id")
    return str(where) if where else None


def _file_name(name: str, what: str) -> str:
    if not _FILE_NAME.fullmatch(name) or name.startswith("."):
        raise LearnerPageError(f"{what}: {name!r} is not a plain file name beside the page")
    return name


def _image_kind(name: str) -> str:
    return "PNG" if name.lower().endswith(".png") else "SVG"


def _downloads(json_file: str, badge_file: str, europass_file: str | None) -> tuple[Download, ...]:
    files = [
        (json_file, "Mikrodokazilo (JSON)", "podpisano mikrodokazilo Open Badges 3.0, za preverjanje in hrambo"),
        (
            badge_file,
            f"Značka ({_image_kind(badge_file)})",
            "slika značke, v katero je vgrajeno podpisano mikrodokazilo",
        ),
    ]
    if europass_file is not None:
        files.append((europass_file, "Europass (JSON-LD)", "evropsko digitalno dokazilo (ELM), za Europass"))
    return tuple(Download(quote(name), name, label, description) for name, label, description in files)


def page_view(
    document: Mapping[str, Any],
    *,
    json_file: str,
    badge_file: str,
    europass_file: str | None = None,
) -> LearnerPage:
    """What the page of `document` shows; `*_file` are the sibling files' names, linked relatively."""
    json_file = _file_name(json_file, "json_file")
    badge_file = _file_name(badge_file, "badge_file")
    if europass_file is not None:
        europass_file = _file_name(europass_file, "europass_file")
    try:
        subject = document["credentialSubject"]
        achievement = subject["achievement"]
        issuer = document["issuer"]
        issued_at = document["validFrom"]
    except (KeyError, TypeError) as error:
        raise LearnerPageError(f"not an OpenBadgeCredential: it has no {error}") from None
    if not isinstance(issuer, Mapping):
        issuer = {"id": issuer}
    title = str(document.get("name") or achievement["name"])
    alignments = achievement.get("alignment", [])
    name, holder_note = _holder(subject)
    issuer_name = str(issuer.get("name") or issuer.get("id", ""))
    issuer_url = _web_url(issuer.get("url"))
    issued = Fact("Datum izdaje", slovenian_date(issued_at), issued_at)
    valid_until = (
        Fact("Velja do", slovenian_date(document["validUntil"]), document["validUntil"])
        if document.get("validUntil")
        else None
    )
    workload = workload_label(str(achievement.get("volumeOfLearning", "")))
    ects = achievement.get("creditsAvailable")
    if ects is not None:
        workload += f" ({_decimal(float(ects))} ECTS)"

    address = issuer.get("address") or {}
    code = str(address.get("addressCountryCode") or address.get("addressCountry") or "")
    country = f"{COUNTRIES[code]} ({code})" if code in COUNTRIES else code
    if address.get("addressRegion"):
        country += f", {address['addressRegion']}"
    groups = _outcome_groups(alignments)
    outcome_count = sum(len(g.outcomes) for g in groups)
    levels = _eqf_levels(alignments)
    form = str(achievement.get("formOfParticipation", ""))
    quality = str(achievement.get("qualityAssuranceType", ""))
    quality_lines = [Line(QUALITY_ASSURANCE.get(quality, quality))]
    if achievement.get("qualityAssuranceModel"):
        quality_lines.append(Line(f"model: {achievement['qualityAssuranceModel']}"))

    elements = (
        Element(1, "Identifikacija učeče se osebe", (Line(name or UNNAMED_HOLDER),), note=holder_note),
        Element(2, "Naziv mikrodokazila", (Line(title),)),
        Element(3, "Država/regija izdajatelja", (Line(country),)),
        Element(
            4,
            "Organ, ki podeljuje mikrodokazilo",
            (Line(issuer_name), *_legal_lines(issuer), *((Line(issuer_url, issuer_url),) if issuer_url else ())),
        ),
        Element(5, "Datum izdaje", (Line(issued.value),)),
        Element(
            6,
            "Učni izidi",
            (Line(_outcomes_label(outcome_count), f"#{OUTCOMES_ANCHOR}"),),
        ),
        Element(7, "Predvidena delovna obremenitev za doseganje učnih izidov", (Line(workload),)),
        Element(
            8,
            "Raven (EOK)",
            tuple(Line(level) for level in levels) or (Line("ni navedena"),),
        ),
        Element(
            9,
            "Vrsta ocenjevanja",
            tuple(Line(str(text)) for text in achievement.get("typeOfAssessment", [])),
            as_list=True,
        ),
        Element(10, "Oblika sodelovanja pri učni dejavnosti", (Line(FORMS_OF_PARTICIPATION.get(form, form)),)),
        Element(11, "Vrsta zagotavljanja kakovosti", tuple(quality_lines)),
    )
    facts = (
        Fact("Izdajatelj", issuer_name),
        issued,
        *((valid_until,) if valid_until else ()),
        Fact("Obseg", workload),
    )
    proof = document.get("proof")
    if isinstance(proof, list):
        proof = proof[0] if proof else None
    proof_text = None
    if isinstance(proof, Mapping):
        proof_text = str(proof.get("cryptosuite") or proof.get("type", ""))
        if proof.get("created"):
            proof_text += f", ustvarjen {slovenian_date(str(proof['created']))}"
    status = document.get("credentialStatus")
    if isinstance(status, list):
        status = status[0] if status else None
    return LearnerPage(
        title=title,
        description=str(document.get("description") or achievement.get("description", "")),
        holder=name or UNNAMED_HOLDER,
        holder_named=name is not None,
        holder_note=holder_note,
        issuer=Line(issuer_name, issuer_url),
        facts=facts,
        elements=elements,
        outcome_groups=groups,
        outcomes_anchor=OUTCOMES_ANCHOR,
        credential_id=str(document.get("id", "")),
        issuer_key=str(issuer.get("id", "")),
        proof=proof_text,
        revocation_list=_revocation_list(status),
        verify_command=f"microquest verify {shlex.quote(json_file)}",
        json_file=json_file,
        verifiers=VERIFIERS,
        downloads=_downloads(json_file, badge_file, europass_file),
    )


def _check_environment(environment: Environment) -> None:
    from jinja2 import StrictUndefined

    autoescape = environment.autoescape
    escapes = autoescape(TEMPLATE) if callable(autoescape) else autoescape
    if not escapes or not issubclass(environment.undefined, StrictUndefined):
        raise LearnerPageError(
            "the learner page needs the product's jinja Environment (autoescape, StrictUndefined): "
            "pass builder.render.environment()"
        )


def learner_page(
    document: Mapping[str, Any],
    *,
    json_file: str,
    badge_file: str,
    europass_file: str | None = None,
    environment: Environment,
) -> str:
    """The learner's HTML page of a signed credential, to be written beside its files.

    `json_file`, `badge_file` and `europass_file` (None: no Europass link) are the file
    names of the credential's siblings, linked relatively (`<id>.json`, `<id>.svg`, …);
    `environment` is the product's one jinja Environment, `builder.render.environment()`.
    """
    _check_environment(environment)
    view = page_view(document, json_file=json_file, badge_file=badge_file, europass_file=europass_file)
    return environment.get_template(TEMPLATE).render(page=view)
