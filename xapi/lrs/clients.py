"""Who may use the LRS: named clients with a key and a secret (HTTP Basic), scoped (xAPI 1.0.3 Communication §4).

    registry = ClientRegistry(store, home_page="https://lrs.example.si/")
    key, secret = registry.add("moodle", scopes=("all",))
    principal = registry.authenticate("Basic " + b64(key:secret))    # or None

A secret is shown once, when the client is made, and kept only as a salted scrypt hash.
Checking a secret costs tens of milliseconds by design, so a correct credential is
remembered in memory (as its SHA-256, never as the secret) for `CACHE_SECONDS`: a client
revoked in another process is refused within that time.

Scopes are those of Communication §4.2: `all`, `all/read`, `statements/write`,
`statements/read`, `state`, `profile` (and `define`, which changes nothing here: activity
definitions come only with statements). The statements of a client carry as `authority`
an Agent with the account {homePage: the LRS's home page, name: the client's name}.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .store import LrsStore, StoreError

SCOPES = ("all", "all/read", "statements/write", "statements/read", "state", "profile", "define")
CACHE_SECONDS = 60.0
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class ClientError(StoreError):
    """A client that cannot be made or found."""


@dataclass(frozen=True)
class Principal:
    """The client of one request: its name, what it may do, and the authority its statements carry."""

    name: str
    scopes: frozenset[str]
    authority: dict[str, Any] = field(hash=False)

    def may(self, area: str, write: bool) -> bool:
        """May this client read (or write) `area`: "statements", "state" or "profile"?"""
        if "all" in self.scopes or (not write and "all/read" in self.scopes):
            return True
        if area == "statements":
            return f"statements/{'write' if write else 'read'}" in self.scopes
        return area in self.scopes


def authority_agent(home_page: str, name: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    scheme, _, rest = stored.partition("$")
    salt, _, digest = rest.partition("$")
    if scheme != "scrypt":
        return False
    return hmac.compare_digest(hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), **SCRYPT).hex(), digest)


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(key, secret) of an `Authorization: Basic …` value, or None."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        key, colon, secret = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (key, secret) if colon and key else None


class ClientRegistry:
    """The clients in the store (see the module docstring)."""

    def __init__(self, store: LrsStore, home_page: str) -> None:
        self.store = store
        self.home_page = home_page
        self._known: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def add(self, name: str, scopes: Iterable[str] = ("all",)) -> tuple[str, str]:
        """A new client: (key, secret). The secret is not kept; show it once."""
        if not NAME.match(name):
            raise ClientError(f"client name {name!r}: use letters, digits, space, . _ @ - (at most 100)")
        scopes = tuple(dict.fromkeys(scopes))
        unknown = [scope for scope in scopes if scope not in SCOPES]
        if unknown or not scopes:
            raise ClientError(f"scope {unknown[0] if unknown else '(none)'}: expected some of {', '.join(SCOPES)}")
        key, secret = secrets.token_hex(10), secrets.token_urlsafe(24)
        self.store.add_client(name, key, hash_secret(secret), " ".join(scopes))
        return key, secret

    def authenticate(self, header: str) -> Principal | None:
        """The client whose key and secret the Authorization value carries, or None."""
        credentials = basic_credentials(header)
        if credentials is None:
            return None
        remembered = hashlib.sha256(header.strip().encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            known = self._known.get(remembered)
        if known is not None and now - known[0] < CACHE_SECONDS:
            return known[1]
        client = self.store.client_by_key(credentials[0])
        if client is None or not secret_matches(credentials[1], client["secret_hash"]):
            return None
        principal = Principal(
            client["name"], frozenset(client["scopes"].split()), authority_agent(self.home_page, client["name"])
        )
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[remembered] = (now, principal)
        return principal
