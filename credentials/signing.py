"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite, keys as `did:key`.

What Open Badges 3.0 asks for a Linked Data proof (OB 3.0 "Proofs"; the only
embedded proof its conformance suite accepts), done as the W3C "Data Integrity
EdDSA Cryptosuites v1.0" (§3.3) says:

1. the credential without `proof`, and the proof options without `proofValue`
   but with the credential's `@context`, are each canonicalised with RDF Dataset
   Canonicalization (RDFC-1.0; pyld's `URDNA2015`, the same algorithm under its
   earlier name) into N-Quads;
2. the signed bytes are SHA-256(proof options) followed by SHA-256(credential);
3. the Ed25519 signature is the `proofValue`, multibase base58-btc (`z…`).

The issuer is a `did:key`: the Ed25519 public key, prefixed with its multicodec
(0xed 0x01) and written multibase base58-btc, so it starts `z6Mk`. Its
verification method is `did:key:z6Mk…#z6Mk…`. Resolving it needs no network.

JSON-LD processing drops a property whose term no context defines, and a dropped
property is not signed. Signing and verifying therefore refuse a document with an
undefined term (what Digital Bazaar's verifiers call "safe mode").

Speed: pyld takes some 25 ms to canonicalise a credential. `sign` takes the canonical
N-Quads from pyoxigraph (credentials/rdfc_fast.py, ~3 ms) wherever they are pyld's very
bytes, and from pyld otherwise; the proof options, one for all the credentials of an
award, are canonicalised once. Verifying stays with pyld alone, so every credential
signed is checked by the reference implementation whenever it is verified here.
`sign_many` signs many in forked worker processes (credentials/signing_pool.py).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .contexts import ContextError, document_loader

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
ED25519_PUB_MULTICODEC = b"\xed\x01"
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Expansion with this vocabulary added shows the terms no context defines.
UNDEFINED_VOCAB = "urn:microquest:undefined-term#"


class ProofError(ValueError):
    """A proof that is missing, malformed, or does not verify; the message says which."""


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(BASE58_ALPHABET[remainder])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = BASE58_ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"{char!r} is not a base58-btc digit")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_decode(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError(f"expected a multibase base58-btc value starting with 'z', found {value!r}")
    return base58btc_decode(value[1:])


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58btc_encode(ED25519_PUB_MULTICODEC + raw)


def did_key(public_key: Ed25519PublicKey) -> str:
    return f"did:key:{public_key_multibase(public_key)}"


def public_key_of_did(did: str) -> Ed25519PublicKey:
    """The Ed25519 public key a `did:key:z6Mk…` (or its verification method URL) stands for."""
    if not isinstance(did, str) or not did.startswith("did:key:z"):
        raise ValueError(f"expected an Ed25519 did:key (did:key:z6Mk…), found {did!r}")
    fingerprint = did.removeprefix("did:key:").partition("#")[0]
    data = multibase_decode(fingerprint)
    if not data.startswith(ED25519_PUB_MULTICODEC) or len(data) != 34:
        raise ValueError(f"{did!r} is not an Ed25519 did:key (multicodec 0xed01 and 32 key bytes)")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def verification_method_of(did: str) -> str:
    """The one verification method of a did:key: the DID, '#', and the key's fingerprint."""
    return f"{did}#{did.removeprefix('did:key:')}"


@dataclass(frozen=True)
class IssuerKey:
    """The issuer's Ed25519 signing key and the did:key it is known by."""

    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def did(self) -> str:
        return did_key(self.private_key.public_key())

    @property
    def verification_method(self) -> str:
        return verification_method_of(self.did)


def generate_key() -> IssuerKey:
    return IssuerKey(Ed25519PrivateKey.generate())


def _pyld() -> Any:
    """pyld's jsonld module, imported when a document is processed: it costs ~90 ms to import
    (requests and all), which a command that signs or verifies nothing should not pay."""
    from pyld import jsonld

    return jsonld


def _expand(document: dict[str, Any]) -> list[Any]:
    jsonld = _pyld()
    try:
        return jsonld.expand(document, {"documentLoader": document_loader})
    except (jsonld.JsonLdError, ValueError) as error:
        raise ProofError(f"JSON-LD processing failed: {_cause(error)}") from None


def _cause(error: BaseException) -> str:
    # pyld wraps the loader's error in several JsonLdErrors; the innermost says what happened.
    while True:
        inner = getattr(error, "cause", None) or error.__cause__
        if inner is None or inner is error:
            break
        error = inner
    if isinstance(error, ContextError):
        return str(error)
    return getattr(error, "message", None) or str(error)


def undefined_terms(document: dict[str, Any]) -> list[str]:
    """Properties and types of the document that no context defines, and relative IRIs.

    Such a property would be dropped by JSON-LD processing, so a signature would not
    cover it; Digital Bazaar's verifiers reject such documents ("safe mode").
    """
    probe = dict(document)
    contexts = probe.get("@context", [])
    probe["@context"] = [*(contexts if isinstance(contexts, list) else [contexts]), {"@vocab": UNDEFINED_VOCAB}]
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key.startswith(UNDEFINED_VOCAB):
                    found.append(key.removeprefix(UNDEFINED_VOCAB))
                elif key == "@type":
                    types = value if isinstance(value, list) else [value]
                    found.extend(t.removeprefix(UNDEFINED_VOCAB) for t in types if t.startswith(UNDEFINED_VOCAB))
                elif key == "@id" and isinstance(value, str) and ":" not in value:
                    found.append(f"relative IRI {value!r}")
                walk(value)

    walk(_expand(probe))
    return sorted(set(found))


def canonical_nquads(document: dict[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document, contexts from the bundle only."""
    undefined = undefined_terms(document)
    if undefined:
        raise ProofError(f"terms not defined by any @context (they would not be signed): {', '.join(undefined)}")
    jsonld = _pyld()
    try:
        return jsonld.normalize(
            document,
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader},
        )
    except (jsonld.JsonLdError, ValueError) as error:
        raise ProofError(f"JSON-LD processing failed: {_cause(error)}") from None


@lru_cache(maxsize=64)
def _canonical_of_json(text: str) -> str:
    """canonical_nquads of a JSON text, remembered: the proof options of an award's credentials are all one
    (same `created`, key and `@context`), so they are canonicalised once."""
    return canonical_nquads(json.loads(text))


def _canonical_config(config: dict[str, Any]) -> str:
    try:
        text = json.dumps(config, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return canonical_nquads(config)
    return _canonical_of_json(text)


def _canonical_fast(document: dict[str, Any]) -> str:
    """canonical_nquads, by pyoxigraph where it gives pyld's very bytes (credentials/rdfc_fast.py), else by pyld."""
    from . import rdfc_fast

    fast = rdfc_fast.canonical_nquads(document, canonical_nquads)
    return fast if fast is not None else canonical_nquads(document)


def _hash_data(unsecured: dict[str, Any], proof_options: dict[str, Any], *, fast: bool = False) -> bytes:
    config = {**proof_options, "@context": unsecured["@context"]}
    config_hash = hashlib.sha256(_canonical_config(config).encode("utf-8")).digest()
    document_nquads = _canonical_fast(unsecured) if fast else canonical_nquads(unsecured)
    document_hash = hashlib.sha256(document_nquads.encode("utf-8")).digest()
    return config_hash + document_hash


def sign(document: dict[str, Any], key: IssuerKey, created: str) -> dict[str, Any]:
    """The document with a DataIntegrityProof (eddsa-rdfc-2022) made with the key.

    `created` (XML Schema dateTime, e.g. 2025-06-01T10:00:00Z) is part of what is
    signed; Ed25519 signatures are deterministic, so the same inputs give the same bytes.
    """
    if "proof" in document:
        raise ProofError("the document already has a proof")
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": key.verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = key.private_key.sign(_hash_data(document, options, fast=True))
    # A list of one: the OB 3.0 JSON Schema wants `proof` as an array (VC 2.0 allows either).
    return {**copy.deepcopy(document), "proof": [{**options, "proofValue": "z" + base58btc_encode(signature)}]}


def sign_many(
    documents: Iterable[dict[str, Any]], key: IssuerKey, created: str, *, processes: int | None = None
) -> list[dict[str, Any]]:
    """`sign` for each document, in order, in forked worker processes where that pays (credentials/signing_pool.py).

    The key reaches the workers only as their copy of this process's memory (fork): it is never
    written anywhere nor sent through a pipe.
    """
    from .signing_pool import parallel_map

    return parallel_map(lambda document: sign(document, key, created), documents, processes=processes)


def _the_proof(document: dict[str, Any]) -> dict[str, Any]:
    """The document's one eddsa-rdfc-2022 proof, its shape checked; ProofError saying what is wrong."""
    proof = document.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise ProofError(f"expected one proof, found {len(proof)}")
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("no proof: the credential is not signed")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            f"unsupported proof: expected type {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}, "
            f"found {proof.get('type')!r} / {proof.get('cryptosuite')!r}"
        )
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise ProofError(f"proofPurpose must be {PROOF_PURPOSE!r}, found {proof.get('proofPurpose')!r}")
    return proof


def _check_signature(document: dict[str, Any], proof: dict[str, Any], public_key: Ed25519PublicKey) -> None:
    try:
        signature = multibase_decode(proof.get("proofValue"))
    except ValueError as error:
        raise ProofError(f"malformed proof: {error}") from None
    options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    try:
        public_key.verify(signature, _hash_data(unsecured, options))
    except InvalidSignature:
        raise ProofError("the signature does not match the credential: it was changed after signing") from None


def verify_proof(document: dict[str, Any]) -> dict[str, Any]:
    """Check the document's one eddsa-rdfc-2022 proof by a did:key; return the proof, or raise ProofError saying why."""
    proof = _the_proof(document)
    method = proof.get("verificationMethod")
    try:
        public_key = public_key_of_did(method)
    except ValueError as error:
        raise ProofError(f"malformed proof: {error}") from None
    if method != verification_method_of(method.partition("#")[0]):
        raise ProofError(f"verificationMethod {method!r} is not the did:key's own key (did:key:z…#z…)")
    _check_signature(document, proof, public_key)
    return proof


# -- A proof whose verification method is no did:key (did:web): the caller resolves the key ------------------


def verify_proof_with_key(document: dict[str, Any], public_key: Ed25519PublicKey) -> dict[str, Any]:
    """As `verify_proof`, with the key the proof's `verificationMethod` stands for resolved by the caller
    (a did:web key, from the issuer's DID document); return the proof, or raise ProofError saying why."""
    proof = _the_proof(document)
    _check_signature(document, proof, public_key)
    return proof
