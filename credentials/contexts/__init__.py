"""The JSON-LD contexts a credential uses, bundled: nothing is fetched at run time.

`index.json` maps each context URL to its file, where the file came from (npm
package, version and the registry's integrity hash) and the file's SHA-256. The
files are checked against those hashes when first loaded, so an edited context
(which would change what every signature covers) stops the program instead of
silently producing credentials no one else can verify.

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
# Ours: terms for EU elements with no Open Badges property. Publish the file at this URL
# so that verifiers which fetch contexts find it.
EU_MICROCREDENTIAL = "https://www.micro-quest.eu/contexts/eu-microcredential-v1.jsonld"


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
