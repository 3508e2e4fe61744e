"""The micro-credential as a Europass European Digital Credential (ELM 3.1 JSON-LD), unsigned.

The same award as the Open Badges 3.0 credential of `document.py`, from the same
inputs (course, credential.yaml, the learner's xAPI agent, the award's moment and
credential id) plus the provider's identity, written the way the official ELM
sample "Sample-MC-Annex1" writes a micro-credential: VC Data Model 1.1 with the
`edc-ap` context, `credentialSchema` edc-generic-full (ShaclValidator2017). It is
not signed: the provider seals it with its qualified eIDAS e-seal in the Europass
issuer (EDC), which is what makes it a Europass credential.

Where each mandatory element of Council Recommendation 2022/C 243/02 (Annex I) goes:

| EU element               | in the EDC                                                                     |
| ------------------------ | ------------------------------------------------------------------------------ |
| 1 learner                | `credentialSubject` (Person): `fullName`, `contactPoint.emailAddress` for an email agent, `identifier` for other xAPI identifiers |
| 2 title                  | `hasClaim.title`, `specifiedBy.title`, `displayParameter.title`                |
| 3 country of the issuer  | `awardingBody.location.address.countryCode` (EU country authority table IRI)   |
| 4 awarding body          | `hasClaim.awardedBy.awardingBody` (Organisation: `legalName`, `registration`, `homepage`), also the `issuer` |
| 5 date of issuing        | `issued`, `issuanceDate`, `validFrom` and `awardedBy.awardingDate`             |
| 6 learning outcomes      | `specifiedBy.learningOutcome[]`, one per outcome, its text exactly as in the content |
| 7 notional workload      | `specifiedBy.volumeOfLearning` (`PT12H`); ECTS, when stated, `specifiedBy.creditPoint` |
| 8 level                  | `specifiedBy.eqfLevel` only when a level is stated (then `specifiedBy` is an ELM `Qualification`, the only class that carries `EQFLevel` in ELM 3.1, as in the official sample); otherwise absent |
| 9 type of assessment     | `specifiedBy.provenBy` (LearningAssessmentSpecification: the activities' assessment texts) |
| 10 form of participation | `specifiedBy.mode` (the EU "mode of learning and assessment" list: Online, Presential, Blended) |
| 11 quality assurance     | `specifiedBy.additionalNote` (ELM 3.1 has a class only for an accreditation by an accrediting body) |

`conformance_problems` validates a document against the official EDC SHACL shapes
(edc-generic-no-cv + edc-generic-full, vendored in `credentials/elm/`) with pySHACL,
offline: the contexts are the local copies, no imports are followed, no inference.
"""

from __future__ import annotations

import base64
import copy
import json
import textwrap
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from xapi.agents import agent_keys, normal_mbox

from .document import (
    CourseModel,
    CredentialModel,
    achievement_id,
    assessment_types,
    criteria_narrative,
    datetime_z,
    workload_duration,
)
from .issuer import IssuerError, IssuerIdentity

ELM_DIR = Path(__file__).resolve().parent / "elm"
W3C_CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
EDC_AP_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
CONTEXT = (W3C_CREDENTIALS_V1, EDC_AP_CONTEXT)
LOCAL_CONTEXTS = {W3C_CREDENTIALS_V1: "w3c-credentials-v1.jsonld", EDC_AP_CONTEXT: "edc-ap-context.jsonld"}
SHAPE_FILES = ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl")
CREDENTIAL_TYPES = ("VerifiableCredential", "EuropeanDigitalCredential")
CREDENTIAL_SCHEMA = {"id": "http://data.europa.eu/snb/model/ap/edc-generic-full", "type": "ShaclValidator2017"}

# EU vocabularies (concept IRI, scheme IRI, English label), as the official ELM sample names them.
CREDENTIAL_TYPE_GENERIC = (
    "http://data.europa.eu/snb/credential/e34929035b",
    "http://data.europa.eu/snb/credential/25831c2",
    "Generic",
)
BASE64_ENCODING = (
    "http://data.europa.eu/snb/encoding/6146cde7dd",
    "http://data.europa.eu/snb/encoding/25831c2",
    "base64",
)
SVG_FILE_TYPE = (
    "http://publications.europa.eu/resource/authority/file-type/SVG",
    "http://publications.europa.eu/resource/authority/file-type",
    "SVG",
)
ECTS = (
    "http://data.europa.eu/snb/education-credit/6fcec5c5af",
    "http://data.europa.eu/snb/education-credit/25831c2",
    "European Credit Transfer System",
)
COUNTRY_SCHEME = "http://publications.europa.eu/resource/authority/country"
LANGUAGE_SCHEME = "http://publications.europa.eu/resource/authority/language"
EQF_SCHEME = "http://data.europa.eu/snb/eqf/25831c2"
MODE_SCHEME = "http://data.europa.eu/snb/learning-assessment/25831c2"
# credential.yaml's form of participation → "Mode of learning and assessment". Blended is the
# official sample's; Online and Presential as the EU list has them (their IRIs as
# ild-thl/php-european-learning-model lists the vocabulary).
MODES = {
    "online": ("http://data.europa.eu/snb/learning-assessment/920fbb3cbe", "Online"),
    "onsite": ("http://data.europa.eu/snb/learning-assessment/9191af2ed9", "Presential"),
    "blended": ("http://data.europa.eu/snb/learning-assessment/e92d221e4d", "Blended"),
}
# The EU's official languages: ISO 639-1 (the course's `language`) → the EU language authority table.
LANGUAGES = {
    "bg": ("BUL", "Bulgarian"),
    "cs": ("CES", "Czech"),
    "da": ("DAN", "Danish"),
    "de": ("DEU", "German"),
    "el": ("ELL", "Greek"),
    "en": ("ENG", "English"),
    "es": ("SPA", "Spanish"),
    "et": ("EST", "Estonian"),
    "fi": ("FIN", "Finnish"),
    "fr": ("FRA", "French"),
    "ga": ("GLE", "Irish"),
    "hr": ("HRV", "Croatian"),
    "hu": ("HUN", "Hungarian"),
    "it": ("ITA", "Italian"),
    "lt": ("LIT", "Lithuanian"),
    "lv": ("LAV", "Latvian"),
    "mt": ("MLT", "Maltese"),
    "nl": ("NLD", "Dutch"),
    "pl": ("POL", "Polish"),
    "pt": ("POR", "Portuguese"),
    "ro": ("RON", "Romanian"),
    "sk": ("SLK", "Slovak"),
    "sl": ("SLV", "Slovenian"),
    "sv": ("SWE", "Swedish"),
}
# The node ids a document makes (urn:epass:<kind>:<uuid>, as the Europass tools write them)
# are UUIDs derived from what the node is, so the same inputs give the same document.
ID_NAMESPACE = uuid.UUID("5f0b7e0e-4d1c-5b8e-9a51-2f3c6d7e8a90")
ASSESSMENT_TITLE = "Ocena doseganja učnih izidov"
QUALITY_ASSURANCE = {"internal": "notranje zagotavljanje kakovosti", "external": "zunanje zagotavljanje kakovosti"}


class ElmExportError(ValueError):
    """An ELM export that cannot be made or does not conform to the EDC shapes; the message says why."""


def _node_id(kind: str, *parts: str) -> str:
    return f"urn:epass:{kind}:{uuid.uuid5(ID_NAMESPACE, chr(10).join((kind, *parts)))}"


def elm_credential_id(credential_id: str) -> str:
    """`urn:credential:<uuid>` (the Europass form) with the UUID of the OB credential's `urn:uuid:`.

    The two documents of one award are different credentials, so they get different
    ids, and the ELM one names the OB one in its `identifier`.
    """
    try:
        value = uuid.UUID(credential_id.removeprefix("urn:uuid:"))
    except ValueError:
        value = uuid.uuid5(ID_NAMESPACE, credential_id)
    return f"urn:credential:{value}"


def concept(iri: str, scheme: str, label: str | None = None) -> dict[str, Any]:
    """A SKOS concept of an EU vocabulary, with its scheme (the shapes check `inScheme`)."""
    node: dict[str, Any] = {"id": iri, "type": "Concept", "inScheme": {"id": scheme, "type": "ConceptScheme"}}
    if label:
        node["prefLabel"] = {"en": label}
    return node


def country_concept(identity: IssuerIdentity) -> dict[str, Any]:
    return concept(f"{COUNTRY_SCHEME}/{identity.country_alpha3}", COUNTRY_SCHEME)


def language_concept(language: str) -> dict[str, Any]:
    try:
        code, label = LANGUAGES[language]
    except KeyError:
        raise ElmExportError(
            f"the course language {language!r} is not an official EU language, which the Europass export needs"
        ) from None
    return concept(f"{LANGUAGE_SCHEME}/{code}", LANGUAGE_SCHEME, label)


def eqf_concept(level: int) -> dict[str, Any]:
    return concept(f"http://data.europa.eu/snb/eqf/{level}", EQF_SCHEME, f"Level {level}")


def legal_identifier(identity: IssuerIdentity) -> dict[str, Any]:
    if not identity.id_registration:
        raise IssuerError(
            "the Europass (ELM) export needs the provider's legal identifier (its business register number "
            "or VAT id), which the e-seal is issued to: add it to the provider's identity"
        )
    return {
        "id": _node_id("legalIdentifier", identity.country, identity.id_registration),
        "type": "LegalIdentifier",
        "notation": identity.id_registration,
        "spatial": country_concept(identity),
    }


def organisation(identity: IssuerIdentity, language: str) -> dict[str, Any]:
    """The provider as an ELM Organisation: the awarding body (EU elements 3 and 4) and the issuer."""
    identifier = legal_identifier(identity)
    node: dict[str, Any] = {
        "id": _node_id("org", identity.country, identity.id_registration or "", identity.url),
        "type": "Organisation",
        "legalName": {language: identity.legal_name or identity.name},
        "eIDASIdentifier": identifier,
        "registration": identifier,
        "homepage": {"id": _node_id("webResource", identity.url), "type": "WebResource", "contentURL": identity.url},
        "location": {
            "id": _node_id("location", identity.url, identity.country),
            "type": "Location",
            "address": {
                "id": _node_id("address", identity.url, identity.country),
                "type": "Address",
                "countryCode": country_concept(identity),
            },
        },
    }
    if identity.legal_name and identity.legal_name != identity.name:
        node["altLabel"] = {language: identity.name}
    return node


def learner(learner_agent: dict[str, Any], credential_id: str, language: str) -> dict[str, Any]:
    """EU element 1: the learner as an ELM Person (the claim is added by the caller).

    An email agent's address goes in `contactPoint` (the Europass issuer delivers the
    credential there); an account, OpenID or mbox_sha1sum goes in `identifier`, the
    xAPI identifier as it is. The agent's name, when it has one, is the `fullName`.
    Raises xapi.agents.AgentError for an agent without exactly one usable identifier.
    """
    kind, _, value = agent_keys(learner_agent)[0].partition(":")
    person: dict[str, Any] = {"id": _node_id("person", credential_id), "type": "Person"}
    name = learner_agent.get("name")
    if isinstance(name, str) and name.strip():
        person["fullName"] = {language: name.strip()}
    if kind == "mbox":
        person["contactPoint"] = {
            "id": _node_id("contactPoint", credential_id),
            "type": "ContactPoint",
            "emailAddress": {"id": normal_mbox(learner_agent["mbox"]), "type": "Mailbox"},
        }
    else:
        if kind == "account":
            scheme, notation = learner_agent["account"]["homePage"], learner_agent["account"]["name"]
        elif kind == "openid":
            scheme, notation = "OpenID", value
        else:
            scheme, notation = "xAPI mbox_sha1sum", value
        person["identifier"] = {
            "id": _node_id("identifier", credential_id),
            "type": "Identifier",
            "schemeName": scheme,
            "notation": notation,
        }
    return person


def _note(kind: str, text: str, language: str, *parts: str) -> dict[str, Any]:
    return {"id": _node_id(kind, *parts), "type": "Note", "noteLiteral": {language: text}}


def _activities(course: CourseModel, ids: Sequence[str]) -> list[Any]:
    by_id = {activity.id: activity for activity in course.activities}
    return [by_id[i] for i in ids]


def learning_outcomes(course: CourseModel, credential: CredentialModel, language: str) -> list[dict[str, Any]]:
    """EU element 6: each outcome of the listed activities, in order, its text exactly as in the content."""
    spec = achievement_id(course, credential)
    outcomes = []
    for activity in _activities(course, credential.elements["learning_outcomes"]["activities"]):
        for number, text in enumerate(activity.outcomes, start=1):
            outcomes.append(
                {
                    "id": _node_id("learningOutcome", spec, f"{activity.id}-lo{number}"),
                    "type": "LearningOutcome",
                    "title": {language: text},
                }
            )
    return outcomes


def eqf_level_of(credential: CredentialModel, identity: IssuerIdentity) -> int | None:
    """EU element 8: the level the provider states, else credential.yaml's (the seed's is null), else none."""
    if identity.eqf_level is not None:
        return identity.eqf_level
    return credential.elements["level"].get("eqf")


def specification(course: CourseModel, credential: CredentialModel, identity: IssuerIdentity) -> dict[str, Any]:
    """What the credential certifies: EU elements 2 and 6–11, the same for every learner."""
    language = course.language
    elements = credential.elements
    spec_id = achievement_id(course, credential)
    level = eqf_level_of(credential, identity)
    participation = elements["form_of_participation"]
    mode_iri, mode_label = MODES[participation]
    quality = elements["quality_assurance"]
    quality_text = f"Vrsta zagotavljanja kakovosti: {QUALITY_ASSURANCE[quality['type']]}"
    if quality.get("unit"):
        unit_titles = {unit.id: unit.title for unit in course.units}
        quality_text += f" ({unit_titles[quality['unit']]})"
    spec: dict[str, Any] = {
        "id": spec_id,
        "type": "Qualification" if level is not None else "LearningAchievementSpecification",
        "title": {language: elements["title"]},
        "description": {language: course.introduction[0]},
        "language": language_concept(language),
        "learningOutcome": learning_outcomes(course, credential, language),
        "volumeOfLearning": workload_duration(elements["notional_workload"]["hours"]),
        "mode": concept(mode_iri, MODE_SCHEME, mode_label),
        "provenBy": {
            "id": _node_id("learningAssessmentSpecification", spec_id),
            "type": "LearningAssessmentSpecification",
            "title": {language: ASSESSMENT_TITLE},
            "description": {language: "\n".join(assessment_types(course, credential))},
            "language": language_concept(language),
        },
        "additionalNote": [
            _note("note", quality_text + ".", language, spec_id, "quality-assurance"),
            _note("note", criteria_narrative(course, credential), language, spec_id, "criteria"),
        ],
    }
    if level is not None:
        spec["eqfLevel"] = eqf_concept(level)
    ects = elements["notional_workload"].get("ects")
    if ects is not None:
        spec["creditPoint"] = {
            "id": _node_id("creditPoint", spec_id),
            "type": "CreditPoint",
            "framework": concept(*ECTS),
            "point": f"{float(ects):g}",
        }
    return spec


def _slovenian_date(moment: datetime) -> str:
    return f"{moment.day}. {moment.month}. {moment.year}"


def display_svg(title: str, holder: str | None, issuer_name: str, issued: datetime, hours: float) -> bytes:
    """The credential's picture for Europass's display: title, holder, issuer, date and workload, in Slovenian."""
    lines = [(line, 'font-size="22" font-weight="bold" fill="#14365f"') for line in textwrap.wrap(title, 58)]
    details = ([f"Prejemnik/-ca: {holder}"] if holder else []) + [
        *textwrap.wrap(f"Izdajatelj: {issuer_name}", 70),
        f"Datum izdaje: {_slovenian_date(issued)}",
        f"Obseg: {hours:g} ur",
    ]
    lines += [(line, 'font-size="18" fill="#1f2933"') for line in details]
    texts = []
    y = 150
    for line, attributes in lines:
        texts.append(f'  <text x="420" y="{y}" text-anchor="middle" {attributes}>{escape(line)}</text>')
        y += 30
    height = y + 40
    svg = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 840 {height}" width="840" height="{height}" xml:lang="sl" font-family="'DejaVu Sans', 'Liberation Sans', Arial, sans-serif">
  <title>{escape(f"Mikrodokazilo: {title}")}</title>
  <rect x="8" y="8" width="824" height="{height - 16}" rx="16" fill="#ffffff" stroke="#14365f" stroke-width="6"/>
  <text x="420" y="90" text-anchor="middle" font-size="20" letter-spacing="3" fill="#14365f">MIKRODOKAZILO</text>
{chr(10).join(texts)}
</svg>
"""
    return svg.encode("utf-8")


def display_parameter(
    course: CourseModel, credential: CredentialModel, person: dict[str, Any], identity: IssuerIdentity, issued: datetime
) -> dict[str, Any]:
    """How Europass shows the credential: its title, language and one page (an SVG picture)."""
    language = course.language
    elements = credential.elements
    holder = next(iter(person.get("fullName", {}).values()), None)
    image = display_svg(
        elements["title"], holder, identity.legal_name or identity.name, issued, elements["notional_workload"]["hours"]
    )
    key = person["id"]
    return {
        "id": _node_id("displayParameter", key),
        "type": "DisplayParameter",
        "title": {language: elements["title"]},
        "description": {language: course.introduction[0]},
        "language": [language_concept(language)],
        "primaryLanguage": language_concept(language),
        "individualDisplay": {
            "id": _node_id("individualDisplay", key),
            "type": "IndividualDisplay",
            "language": language_concept(language),
            "displayDetail": {
                "id": _node_id("displayDetail", key),
                "type": "DisplayDetail",
                "page": 1,
                "image": {
                    "id": _node_id("mediaObject", key),
                    "type": "MediaObject",
                    "content": base64.b64encode(image).decode("ascii"),
                    "contentEncoding": concept(*BASE64_ENCODING),
                    "contentType": concept(*SVG_FILE_TYPE),
                },
            },
        },
    }


def european_credential(
    course: CourseModel,
    credential: CredentialModel,
    learner_agent: dict[str, Any],
    awarded_at: datetime,
    credential_id: str,
    identity: IssuerIdentity,
    *,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned EuropeanDigitalCredential of one award (the OB credential `credential_id`'s twin).

    Raises IssuerError when the provider's identity has no legal identifier (a
    conforming EDC names its issuer's), ElmExportError for a course language that is
    no official EU language, and xapi.agents.AgentError for an unusable agent.
    """
    language = course.language
    issued = datetime_z(awarded_at)
    body = organisation(identity, language)
    person = learner(learner_agent, credential_id, language)
    person["hasClaim"] = {
        "id": _node_id("learningAchievement", credential_id),
        "type": "LearningAchievement",
        "title": {language: credential.elements["title"]},
        "awardedBy": {
            "id": _node_id("awardingProcess", credential_id),
            "type": "AwardingProcess",
            "awardingBody": copy.deepcopy(body),
            "awardingDate": issued,
        },
        "specifiedBy": specification(course, credential, identity),
    }
    document: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": elm_credential_id(credential_id),
        "type": list(CREDENTIAL_TYPES),
        "credentialProfiles": concept(*CREDENTIAL_TYPE_GENERIC),
        "credentialSchema": dict(CREDENTIAL_SCHEMA),
        "identifier": {
            "id": _node_id("identifier", credential_id, "open-badges"),
            "type": "Identifier",
            "schemeName": "Open Badges 3.0 OpenBadgeCredential",
            "notation": credential_id,
        },
        "issuer": body,
        "issued": issued,
        "issuanceDate": issued,
        "validFrom": issued,
        "credentialSubject": person,
        "displayParameter": display_parameter(course, credential, person, identity, awarded_at),
    }
    if valid_until is not None:
        document["validUntil"] = datetime_z(valid_until)
        document["expirationDate"] = datetime_z(valid_until)
    return document


def elm_json(document: dict[str, Any]) -> str:
    """The document as microquest writes it: UTF-8 JSON, sorted keys, 2-space indent, one final newline."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
