"""The JSON-LD contexts a credential uses: two standard ones, bundled, and one inline.

A credential's `@context` is the W3C VC 2.0 context, the Open Badges 3.0 context
(3.0.3) and `MICROQUEST_TERMS`, an inline `@protected` context object that maps each
term neither standard context defines to an absolute IRI. So a verifier needs only
the standard contexts it already ships: nothing of microquest's is hosted or fetched.

`index.json` maps each bundled context URL to its file, where the file came from (npm
package, version and the registry's integrity hash) and the file's SHA-256. The
files are checked against those hashes when first loaded, so an edited context
(which would change what every signature covers) stops the program instead of
silently producing credentials no one else can verify. The Open Badges extensions
context is bundled too, for credentials of other issuers that name it.

`document_loader` is what the JSON-LD processor calls: it serves these URLs and
refuses every other one.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# 1EdTech's terms for credentialSchema/credentialStatus types (1EdTechJsonSchemaValidator2019 …).
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

ELM = "http://data.europa.eu/snb/model/elm/"
# Terms for EU elements (Council Recommendation 2022/C 243/02, Annex I) that have no Open
# Badges property and whose value is plain text here; ELM's properties for them (`mode`,
# `provenBy`, `accreditation`) take a Concept or an object, not text, so these IRIs are ours.
EU_TERMS = "https://www.micro-quest.eu/ns/eu-microcredential#"

# The credential's third, inline context: every term the VC 2.0 and OB 3.0 contexts do not
# define, each mapped to an absolute IRI (VC 2.0 has no @vocab: an undefined term would be
# dropped, and so not signed). The two 1EdTech type names have the IRIs 1EdTech's
# extensions context gives them.
MICROQUEST_TERMS: dict[str, Any] = {
    "@protected": True,
    "1EdTechJsonSchemaValidator2019": (
        "https://purl.imsglobal.org/spec/vccs/v1p0/context.json#1EdTechJsonSchemaValidator2019"
    ),
    "1EdTechRevocationList": "https://purl.imsglobal.org/spec/vcrl/v1p0/context.json#1EdTechRevocationList",
    # EU element 7, notional workload: ELM's own property.
    "volumeOfLearning": {"@id": f"{ELM}volumeOfLearning", "@type": "http://www.w3.org/2001/XMLSchema#duration"},
    # EU element 9, type of assessment: the listed activities' assessment texts, in order.
    "typeOfAssessment": {"@id": f"{EU_TERMS}typeOfAssessment", "@container": "@list"},
    # EU element 10, form of participation: online, onsite or blended.
    "formOfParticipation": {"@id": f"{EU_TERMS}formOfParticipation"},
    # EU element 11, type of quality assurance.
    "qualityAssuranceType": {"@id": f"{EU_TERMS}qualityAssuranceType"},
    "qualityAssuranceModel": {"@id": f"{EU_TERMS}qualityAssuranceModel"},
}


class ContextError(ValueError):
    """A context URL that is not bundled, or a bundled file that does not match its recorded hash."""


def index() -> dict[str, dict[str, str]]:
    return json.loads((HERE / "index.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def bundled() -> dict[str, dict[str, Any]]:
    """Every bundled context document by URL, each checked against its recorded SHA-256."""
    documents = {}
    for url, entry in index().items():
        data = (HERE / entry["file"]).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            raise ContextError(f"{HERE / entry['file']}: SHA-256 {digest} differs from index.json ({entry['sha256']})")
        documents[url] = json.loads(data)
    return documents


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON-LD document loader that serves the bundled contexts and refuses any other URL."""
    documents = bundled()
    if url not in documents:
        raise ContextError(f"context {url!r} is not bundled with microquest (known: {', '.join(sorted(documents))})")
    # A copy: the processor must never change the cached original.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(documents[url])}
