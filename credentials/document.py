"""The micro-credential as an Open Badges 3.0 `OpenBadgeCredential` (W3C VC Data Model 2.0), unsigned.

Pure functions of the course model, credential.yaml and the award: the same
inputs give the same document, byte for byte once serialised.

Where each mandatory element of the Council Recommendation 2022/C 243/02
(Annex I) goes (STANDARDS §7.4):

| EU element              | in the credential                                                         |
| ----------------------- | ------------------------------------------------------------------------- |
| 1 learner               | `credentialSubject.identifier[]` (IdentityObject; see `learner_identifiers`) |
| 2 title                 | `name` and `credentialSubject.achievement.name`                           |
| 3 country of issuer     | `issuer.address.addressCountryCode` and `addressCountry` (the provider's identity) |
| 4 awarding body         | `issuer` (Profile: `name`, `url`, `otherIdentifier` for the legal name and identifier, the DID it issues as, did:key or did:web, as `id`), from the provider's identity kept beside the key (credentials/issuer.py), not from credential.yaml |
| 5 date of issuing       | `validFrom` and `awardedDate`                                             |
| 6 learning outcomes     | `achievement.alignment[]`, one per outcome (`targetType` ext:LearningOutcome) |
| 7 notional workload     | `achievement.volumeOfLearning` (ELM, xsd:duration `PT12H`); ECTS, when set, `creditsAvailable` |
| 8 level (EQF)           | an `alignment` to `http://data.europa.eu/snb/eqf/<n>` when the provider's identity (or credential.yaml) states a level; none otherwise (the seed states none, so none is invented) |
| 9 type of assessment    | `achievement.typeOfAssessment` (extension term, the activities' texts)    |
| 10 form of participation| `achievement.formOfParticipation` (extension term: online/onsite/blended) |
| 11 quality assurance    | `achievement.qualityAssuranceType` and `qualityAssuranceModel` (extension terms) |

`@context` is the VC 2.0 context, the OB 3.0 context (3.0.3) and one inline
`@protected` context object (`MICROQUEST_TERMS`) that defines the terms OB 3.0 has
no property for (`volumeOfLearning` with ELM's IRI, the EU element 9–11 terms) and
the two 1EdTech type names: every term resolves to an absolute IRI, so JSON-LD
processing keeps it and the signature covers it, and a verifier needs no context but
the two standard ones it ships.

The `xapi` package never imports `builder`: the course and credential are read
through their attributes only (`CourseModel`, `CredentialModel`).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from xapi.agents import agent_keys, normal_mbox
from xapi.iris import Iris

from .contexts import CREDENTIALS_V2, MICROQUEST_TERMS, OB_V3P0

CONTEXT = (CREDENTIALS_V2, OB_V3P0, MICROQUEST_TERMS)
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
ACHIEVEMENT_CREDENTIAL_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
REVOCATION_LIST_TYPE = "1EdTechRevocationList"
# OB 3.0 IdentifierEntry types (IdentifierTypeEnum's extension form) for the provider's legal name and identifier.
LEGAL_NAME_TYPE = "ext:legalName"
LEGAL_ID_TYPE = "ext:legalIdentifier"
EQF_LEVEL_IRI = "http://data.europa.eu/snb/eqf/{level}"
EQF_FRAMEWORK = "European Qualifications Framework"
LEARNING_OUTCOME_TYPE = "ext:LearningOutcome"


class ActivityModel(Protocol):
    id: str
    number: str
    title: str
    outcomes: tuple[str, ...]
    assessment: tuple[str, ...]
    canvas_id: str | None


class UnitModel(Protocol):
    id: str
    title: str


class CanvasModel(Protocol):
    id: str
    code: str
    title: str


class CourseModel(Protocol):
    id: str
    language: str
    base_iri: str
    title: str
    introduction: tuple[str, ...]
    units: Sequence[UnitModel]
    canvases: Sequence[CanvasModel]

    @property
    def activities(self) -> Sequence[ActivityModel]: ...


class CredentialModel(Protocol):
    id: str
    version: int
    elements: dict[str, Any]
    criteria: tuple[dict[str, Any], ...]


class IdentityModel(Protocol):
    """The provider's identity (credentials.issuer.IssuerIdentity), read through these attributes."""

    name: str
    url: str
    country: str
    legal_name: str | None
    id_registration: str | None


@dataclass(frozen=True)
class Issuer:
    """The awarding body as the credential's issuer: its DID and its public profile (EU elements 3 and 4)."""

    id: str  # did:key:z6Mk… or did:web:HOST
    name: str
    url: str
    country_code: str  # ISO 3166-1 alpha-2
    legal_name: str | None = None  # the registered name, when it differs from `name`
    legal_identifier: str | None = None  # e.g. the business register number or VAT id

    def profile(self) -> dict[str, Any]:
        """OB 3.0 Profile, native fields only: `address` with the country (schema.org's addressCountry takes the
        alpha-2 code too), the legal name and identifier as `otherIdentifier` entries."""
        address = {"type": ["Address"], "addressCountry": self.country_code, "addressCountryCode": self.country_code}
        profile: dict[str, Any] = {
            "id": self.id,
            "type": ["Profile"],
            "name": self.name,
            "url": self.url,
            "address": address,
        }
        other = []
        if self.legal_name and self.legal_name != self.name:
            other.append({"type": "IdentifierEntry", "identifier": self.legal_name, "identifierType": LEGAL_NAME_TYPE})
        if self.legal_identifier:
            other.append(
                {"type": "IdentifierEntry", "identifier": self.legal_identifier, "identifierType": LEGAL_ID_TYPE}
            )
        if other:
            profile["otherIdentifier"] = other
        return profile


def issuer_of(identity: IdentityModel, did: str) -> Issuer:
    """The issuer from the provider's identity (EU elements 3 and 4) and the DID it issues as."""
    return Issuer(
        id=did,
        name=identity.name,
        url=identity.url,
        country_code=identity.country,
        legal_name=identity.legal_name,
        legal_identifier=identity.id_registration,
    )


def revocation_list_status(url: str) -> dict[str, Any]:
    """`credentialStatus` naming the provider's 1EdTech Revocation List published at `url`."""
    return {"id": url, "type": REVOCATION_LIST_TYPE}


def datetime_z(moment: datetime) -> str:
    """XML Schema dateTime in UTC with `Z`, whole seconds (VCDM 2.0 wants a time zone)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone; credentials need one (e.g. datetime.now(UTC))")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def achievement_id(course: CourseModel, credential: CredentialModel) -> str:
    return f"{course.base_iri}credentials/{credential.id}/v{credential.version}"


def _activities(course: CourseModel, ids: Sequence[str]) -> list[ActivityModel]:
    by_id = {a.id: a for a in course.activities}
    return [by_id[i] for i in ids]


def learning_outcome_alignments(course: CourseModel, credential: CredentialModel) -> list[dict[str, Any]]:
    """EU element 6: each outcome of the listed activities, in order, its text exactly as in the content."""
    iris = Iris(course.base_iri)
    alignments = []
    for activity in _activities(course, credential.elements["learning_outcomes"]["activities"]):
        for number, outcome in enumerate(activity.outcomes, start=1):
            alignments.append(
                {
                    "type": ["Alignment"],
                    "targetName": outcome,
                    "targetDescription": f"{activity.number} {activity.title}",
                    "targetCode": f"{activity.id}-lo{number}",
                    "targetType": LEARNING_OUTCOME_TYPE,
                    "targetFramework": course.title,
                    "targetUrl": iris.activity(activity.id),
                }
            )
    return alignments


def eqf_alignment(level: int) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": f"EQF {level}",
        "targetCode": str(level),
        "targetFramework": EQF_FRAMEWORK,
        "targetUrl": EQF_LEVEL_IRI.format(level=level),
    }


def assessment_types(course: CourseModel, credential: CredentialModel) -> list[str]:
    """EU element 9: the listed activities' assessment texts, in order, each once."""
    texts: list[str] = []
    for activity in _activities(course, credential.elements["type_of_assessment"]["activities"]):
        texts.extend(t for t in activity.assessment if t not in texts)
    return texts


def workload_duration(hours: float) -> str:
    """Hours as an xsd:duration (`PT12H`, `PT1H30M`)."""
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    return "PT" + (f"{whole}H" if whole else "") + (f"{rest}M" if rest else "") if minutes else "PT0H"


def criteria_narrative(course: CourseModel, credential: CredentialModel) -> str:
    """How the credential is earned, in Markdown, from the criteria data (Slovenian, like the course)."""
    activities = {a.id: a for a in course.activities}
    canvases = {c.id: c for c in course.canvases}
    lines = ["Mikrodokazilo prejme udeleženec/-ka, ki:", ""]
    for rule in credential.criteria:
        if rule["rule"] == "activities-completed":
            names = [f"{activities[i].number} {activities[i].title}" for i in rule["activities"]]
            lines.append("- opravi aktivnosti: " + "; ".join(names) + ";")
        elif rule["rule"] == "canvases-submitted":
            names = [" ".join(p for p in (canvases[i].code, canvases[i].title) if p) for i in rule["canvases"]]
            lines.append("- odda izpolnjene delovne liste: " + "; ".join(names) + ";")
        else:
            raise ValueError(f"unknown criteria rule {rule['rule']!r}")
    lines[-1] = lines[-1].removesuffix(";") + "."
    return "\n".join(lines)


def achievement(course: CourseModel, credential: CredentialModel, *, eqf_level: int | None = None) -> dict[str, Any]:
    """The OB 3.0 Achievement: what the credential certifies, with EU elements 2 and 6–11.

    The EQF level (EU element 8) is the provider's `eqf_level` when it states one, else
    credential.yaml's; with neither, the achievement claims no level.
    """
    elements = credential.elements
    alignment = learning_outcome_alignments(course, credential)
    level = eqf_level if eqf_level is not None else elements["level"].get("eqf")
    if level is not None:
        alignment.append(eqf_alignment(level))
    units = {u.id: u for u in course.units}
    quality = elements["quality_assurance"]
    result: dict[str, Any] = {
        "id": achievement_id(course, credential),
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": elements["title"],
        "description": course.introduction[0],
        "criteria": {"narrative": criteria_narrative(course, credential)},
        "inLanguage": course.language,
        "version": str(credential.version),
        "alignment": alignment,
        "volumeOfLearning": workload_duration(elements["notional_workload"]["hours"]),
        "typeOfAssessment": assessment_types(course, credential),
        "formOfParticipation": elements["form_of_participation"],
        "qualityAssuranceType": quality["type"],
    }
    ects = elements["notional_workload"].get("ects")
    if ects is not None:
        result["creditsAvailable"] = float(ects)
    if quality.get("unit"):
        result["qualityAssuranceModel"] = units[quality["unit"]].title
    return result


def identity_salt(credential_id: str) -> str:
    """A salt per credential (from its id, so the document stays a function of its inputs)."""
    return hashlib.sha256(f"microquest-identity-salt:{credential_id}".encode()).hexdigest()[:32]


def hashed_identity(identity_type: str, identity: str, salt: str) -> dict[str, Any]:
    digest = hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": identity_type,
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def plain_identity(identity_type: str, identity: str) -> dict[str, Any]:
    return {"type": "IdentityObject", "identityType": identity_type, "hashed": False, "identityHash": identity}


def learner_identifiers(agent: dict[str, Any], credential_id: str) -> list[dict[str, Any]]:
    """EU element 1: the learner's xAPI identifier as OB 3.0 IdentityObjects.

    The provider's choice, so that a credential shown to anyone does not spell out a
    contact address, yet identifies its holder:
    - `mbox`: `emailAddress`, hashed: SHA-256 of the address (without `mailto:`,
      lower-cased, as people write addresses in any case) + a per-credential salt.
      A verifier who is told the address recomputes the hash.
    - `mbox_sha1sum`: already a one-way hash (xAPI's SHA-1 of the mailto IRI), kept
      as it is: `ext:xapiMboxSha1sum`, hashed false.
    - `account` and `openid`: the xAPI identifier (`account:<homePage> <name>`,
      `openid:<uri>`), hashed like an address, as `ext:xapiAccount` / `ext:xapiOpenid`.
    - the agent's `name`, when it has one, in plain (`ext:name`), so people reading
      the badge see who holds it.
    Raises xapi.agents.AgentError for an agent without exactly one usable identifier.
    """
    key = agent_keys(agent)[0]
    kind = key.partition(":")[0]
    salt = identity_salt(credential_id)
    if kind == "mbox":
        identity = hashed_identity("emailAddress", normal_mbox(agent["mbox"])[7:].lower(), salt)
    elif kind == "mbox_sha1sum":
        identity = plain_identity("ext:xapiMboxSha1sum", key.partition(":")[2])
    elif kind == "account":
        identity = hashed_identity("ext:xapiAccount", key, salt)
    else:
        identity = hashed_identity("ext:xapiOpenid", key, salt)
    identifiers = [identity]
    name = agent.get("name")
    if isinstance(name, str) and name.strip():
        identifiers.append(plain_identity("ext:name", name.strip()))
    return identifiers


def credential_document(
    course: CourseModel,
    credential: CredentialModel,
    learner_agent: dict[str, Any],
    awarded_at: datetime,
    credential_id: str,
    issuer: Issuer,
    *,
    credential_status: dict[str, Any] | None = None,
    eqf_level: int | None = None,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for one learner, in the property order of OB 3.0's examples.

    `credential_status`: how verifiers learn of a revocation (a BitstringStatusListEntry,
    credentials.status_list.status_entry, or `revocation_list_status`); `eqf_level`:
    the level the provider states (see `achievement`).
    """
    issued = datetime_z(awarded_at)
    document: dict[str, Any] = {
        "@context": copy.deepcopy(list(CONTEXT)),
        "id": credential_id,
        "type": list(CREDENTIAL_TYPES),
        "issuer": issuer.profile(),
        "validFrom": issued,
    }
    if valid_until is not None:
        document["validUntil"] = datetime_z(valid_until)
    document.update(
        {
            "awardedDate": issued,
            "name": credential.elements["title"],
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": learner_identifiers(learner_agent, credential_id),
                "achievement": achievement(course, credential, eqf_level=eqf_level),
            },
            "credentialSchema": [dict(ACHIEVEMENT_CREDENTIAL_SCHEMA)],
        }
    )
    if credential_status is not None:
        document["credentialStatus"] = copy.deepcopy(credential_status)
    return document
