"""The tool's RSA keys: one signs, the previous ones stay published for a grace period.

    keys = ToolKeys(database, passphrase=b"…")   # passphrase: None keeps the PEM unencrypted
    keys.sign({"iss": client_id, …})              # RS256, header kid = the signing key's
    keys.jwks()                                   # {"keys": [public JWKs]}: the JWKS URL's body
    keys.rotate()                                 # a new key signs from now on

The platform checks the tool's signatures (client assertions for service tokens, deep linking
responses) against the keys at the tool's JWKS URL. A platform may cache that set, and an
assertion signed just before a rotation may arrive just after it, so a retired key stays
published for `grace` seconds (2 days by default) after the new key takes over; `prune()`
removes retired keys past that, private material included.

A key's `kid` is its RFC 7638 thumbprint: unique, and the same wherever it is computed.

Storage: the private key is PKCS#8 PEM in the database. With a passphrase (the operator's
`MICROQUEST_LTI_KEY_PASSPHRASE`, given to create_lti_app) it is encrypted (cryptography's best
available PKCS#8 encryption: PBES2, AES-256-CBC), so a copy of the database alone cannot sign
as the tool. Without one it is stored unencrypted and a warning is logged once at start. Either
way the key is never logged, never in an error message, and its repr is its kid.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import delete, insert, select, update

from . import tables as t
from .logs import log_event
from .store import LtiDatabase

ALGORITHM = "RS256"
KEY_SIZE = 2048
GRACE_SECONDS = 2 * 24 * 3600


class ToolKeyError(Exception):
    """The tool's keys cannot be used (an encrypted key without the right passphrase)."""


class ToolKeys:
    """See the module docstring."""

    def __init__(self, database: LtiDatabase, passphrase: bytes | None = None, grace: float = GRACE_SECONDS) -> None:
        self.database = database
        self.grace = grace
        self._passphrase = passphrase or None
        self._loaded: dict[str, RSAKey] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "ToolKeys(passphrase set)" if self._passphrase else "ToolKeys(no passphrase)"

    @property
    def encrypted(self) -> bool:
        return self._passphrase is not None

    # -- signing

    def signing_kid(self) -> str:
        """The kid of the key that signs now; the first key is made when there is none."""
        with self.database.reading() as connection:
            kid = connection.execute(
                select(t.tool_keys.c.kid)
                .where(t.tool_keys.c.retired_at.is_(None))
                .order_by(t.tool_keys.c.created_at.desc(), t.tool_keys.c.kid)
                .limit(1)
            ).scalar()
        return kid or self.rotate()

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWT of `claims`, RS256, signed by the current key (header kid names it)."""
        kid = self.signing_kid()
        return jwt.encode({"alg": ALGORITHM, "kid": kid, "typ": "JWT"}, claims, self._private_key(kid))

    def _private_key(self, kid: str) -> RSAKey:
        with self._lock:
            if kid in self._loaded:
                return self._loaded[kid]
        with self.database.reading() as connection:
            row = connection.execute(select(t.tool_keys).where(t.tool_keys.c.kid == kid)).mappings().one()
        if row["encrypted"] and not self._passphrase:
            raise ToolKeyError("the tool's keys are encrypted: give the passphrase (MICROQUEST_LTI_KEY_PASSPHRASE)")
        try:
            private = serialization.load_pem_private_key(
                row["private_pem"].encode("ascii"), password=self._passphrase if row["encrypted"] else None
            )
        except (ValueError, TypeError):
            raise ToolKeyError(
                f"the tool key {kid} cannot be read: is the passphrase the one it was made with?"
            ) from None
        key = RSAKey.import_key(_unencrypted_pem(private), parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"})
        with self._lock:
            self._loaded[kid] = key
        return key

    # -- rotation and publication

    def rotate(self, now: float | None = None) -> str:
        """Make a new signing key and retire the current ones (still published for the grace period); its kid."""
        now = time.time() if now is None else now
        private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
        public = RSAKey.import_key(private.public_key().public_bytes(*_PUBLIC_PEM))
        kid = public.thumbprint()
        public_jwk = {**public.as_dict(private=False), "kid": kid, "alg": ALGORITHM, "use": "sig"}
        encryption = (
            serialization.BestAvailableEncryption(self._passphrase)
            if self._passphrase
            else serialization.NoEncryption()
        )
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        with self.database.writing() as connection:
            connection.execute(update(t.tool_keys).where(t.tool_keys.c.retired_at.is_(None)).values(retired_at=now))
            connection.execute(
                insert(t.tool_keys).values(
                    kid=kid,
                    private_pem=pem.decode("ascii"),
                    encrypted=1 if self._passphrase else 0,
                    public_jwk=json.dumps(public_jwk, sort_keys=True),
                    created_at=now,
                    retired_at=None,
                )
            )
        log_event("lti.keys.rotated", kid=kid, encrypted=bool(self._passphrase))
        return kid

    def rotate_if_older_than(self, max_age: float, now: float | None = None) -> str | None:
        """Rotate when the signing key is older than `max_age` seconds (for a periodic task); the new kid or None."""
        now = time.time() if now is None else now
        kid = self.signing_kid()
        with self.database.reading() as connection:
            created = connection.execute(select(t.tool_keys.c.created_at).where(t.tool_keys.c.kid == kid)).scalar_one()
        return self.rotate(now) if now - created > max_age else None

    def jwks(self, now: float | None = None) -> dict[str, list[dict[str, Any]]]:
        """The public keys to publish: the signing key and those retired less than `grace` seconds ago."""
        now = time.time() if now is None else now
        self.signing_kid()  # a tool that has not signed yet still publishes the key it will sign with
        c = t.tool_keys.c
        with self.database.reading() as connection:
            rows = connection.execute(
                select(c.public_jwk)
                .where(c.retired_at.is_(None) | (c.retired_at > now - self.grace))
                .order_by(c.created_at.desc(), c.kid)
            ).scalars()
            return {"keys": [json.loads(row) for row in rows]}

    def prune(self, now: float | None = None) -> list[str]:
        """Delete keys retired more than `grace` seconds ago; their kids."""
        now = time.time() if now is None else now
        c = t.tool_keys.c
        with self.database.writing() as connection:
            gone = list(connection.execute(select(c.kid).where(c.retired_at <= now - self.grace)).scalars())
            if gone:
                connection.execute(delete(t.tool_keys).where(c.kid.in_(gone)))
        with self._lock:
            for kid in gone:
                self._loaded.pop(kid, None)
        return gone

    def warn_if_unencrypted(self) -> None:
        if not self._passphrase:
            log_event(
                "lti.keys.unencrypted",
                level=logging.WARNING,
                message="the tool's private keys are stored unencrypted: set MICROQUEST_LTI_KEY_PASSPHRASE",
            )


_PUBLIC_PEM = (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _unencrypted_pem(private: Any) -> bytes:
    # Only in this process's memory, to hand the key to joserfc.
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
