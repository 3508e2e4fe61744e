"""Who signed: the issuer's DID controls the proof's key, and the proof verifies with it.

Two DID methods are resolved, never silently over the network:

- `did:key:z6Mk…`: the key is in the DID itself; its one verification method is
  `did:key:z6Mk…#z6Mk…`.
- `did:web:HOST`: the key is in the DID document the provider publishes at
  `https://HOST/.well-known/did.json` (W3C did:web §3.2). The verifier reads it only
  from where it is told (`load_did_document(FILE_OR_URL)`); without it, a did:web
  credential fails with reason `did-document`, saying where the document is published.
  The proof's `verificationMethod` must be a `Multikey` (Ed25519, `z6Mk…`) of that
  document, controlled by the DID and listed in its `assertionMethod`.

Every failure is a VerificationError: `issuer` (the DID does not control the key),
`did-document` (needed, or unusable), `proof` (the signature).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .signing import ProofError, public_key_of_did, verification_method_of, verify_proof, verify_proof_with_key
from .verify_io import VerificationError, issuer_id, json_object, read_file_or_url, the_proof

# A DID document with one key is under 1 kB; one with many keys and services a few tens of kB.
MAX_DID_DOCUMENT_BYTES = 256 * 1024


def did_web_url(did: str) -> str:
    """Where a did:web DID document is published (did:web §3.2: `did:web:HOST[:PATH…]`)."""
    host, *path = did.removeprefix("did:web:").split(":")
    folder = "/".join(unquote(part) for part in path) if path else ".well-known"
    return f"https://{unquote(host)}/{folder}/did.json"


def load_did_document(source: str) -> dict[str, Any]:
    """The DID document in a file or at an http(s) URL (at most MAX_DID_DOCUMENT_BYTES, within the fetch timeout)."""
    data = read_file_or_url(source, MAX_DID_DOCUMENT_BYTES, "did-document")
    document = json_object(data, source, "did-document", "a DID document")
    if not isinstance(document.get("id"), str):
        raise VerificationError("did-document", f"{source}: a DID document needs an id (the DID)")
    return document


def _entries(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _listed(document: dict[str, Any], relation: str, method_id: str) -> bool:
    for entry in _entries(document.get(relation)):
        if entry == method_id or (isinstance(entry, dict) and entry.get("id") == method_id):
            return True
    return False


def did_web_key(did: str, method_id: Any, did_document: dict[str, Any] | None) -> Ed25519PublicKey:
    """The Ed25519 key of `method_id` in the did:web DID's document; VerificationError saying why not."""
    if did_document is None:
        raise VerificationError(
            "did-document",
            f"the issuer is {did}: its DID document, published at {did_web_url(did)}, is needed to verify the "
            "signature (nothing is fetched unless you give it)",
        )
    if did_document.get("id") != did:
        raise VerificationError(
            "did-document", f"the DID document given is that of {did_document.get('id')!r}, not of the issuer {did}"
        )
    if not isinstance(method_id, str) or not method_id.startswith(f"{did}#"):
        raise VerificationError("issuer", f"the proof's verificationMethod {method_id!r} is not a key of {did}")
    relations = (*_entries(did_document.get("verificationMethod")), *_entries(did_document.get("assertionMethod")))
    found = [m for m in relations if isinstance(m, dict)]  # assertionMethod may embed its methods
    method = next((m for m in found if m.get("id") == method_id), None)
    if method is None:
        raise VerificationError(
            "issuer", f"the DID document of {did} has no key {method_id}: the credential was signed with another key"
        )
    if not _listed(did_document, "assertionMethod", method_id):
        raise VerificationError("issuer", f"the DID document of {did} does not list {method_id} as an assertionMethod")
    if method.get("controller") != did:
        raise VerificationError("issuer", f"{method_id} is controlled by {method.get('controller')!r}, not by {did}")
    multibase = method.get("publicKeyMultibase")
    if method.get("type") != "Multikey" or not isinstance(multibase, str):
        raise VerificationError("did-document", f"{method_id}: expected a Multikey with a publicKeyMultibase")
    try:
        return public_key_of_did(f"did:key:{multibase}")
    except ValueError:
        raise VerificationError(
            "did-document", f"{method_id}: publicKeyMultibase is no Ed25519 key (z6Mk…), found {multibase!r}"
        ) from None


def check_issuer_proof(document: dict[str, Any], did_document: dict[str, Any] | None = None) -> None:
    """The issuer's DID controls the proof's verification method, and the proof verifies. VerificationError if not."""
    did = issuer_id(document)
    proof = the_proof(document)
    if proof is None:
        raise VerificationError("proof", "no proof: the credential is not signed")
    method = proof.get("verificationMethod")
    try:
        if isinstance(did, str) and did.startswith("did:web:"):
            verify_proof_with_key(document, did_web_key(did, method, did_document))
            return
        try:
            public_key_of_did(did)
        except ValueError as error:
            raise VerificationError(
                "issuer", f"{error}; microquest resolves did:key and did:web issuers only (did:web from a DID document)"
            ) from None
        if method != verification_method_of(did):
            raise VerificationError(
                "issuer",
                f"the proof's verificationMethod {method!r} is not a key of the issuer {did} (expected its #key)",
            )
        verify_proof(document)
    except ProofError as error:
        raise VerificationError("proof", str(error)) from None
