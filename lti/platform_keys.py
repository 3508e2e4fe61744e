"""The platforms' public keys, fetched from their JWKS URLs and kept for a while.

An id_token names its key by `kid`. A kid the cached set lacks makes one fresh fetch (the
platform may have rotated its key), at most every `refetch_after` seconds per URL, so a stream of
tokens with a made-up kid cannot make the tool hammer the platform.
"""

from __future__ import annotations

import threading
import time

from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from .http import PlatformHttp, error_text

KEEP_SECONDS = 600.0
REFETCH_AFTER = 10.0


class PlatformKeyError(Exception):
    """No usable key: the JWKS URL failed, or no key has the kid."""


class PlatformKeys:
    def __init__(self, http: PlatformHttp, keep: float = KEEP_SECONDS, refetch_after: float = REFETCH_AFTER) -> None:
        self.http = http
        self.keep = keep
        self.refetch_after = refetch_after
        self._sets: dict[str, tuple[float, KeySet]] = {}
        self._lock = threading.Lock()

    def key(self, jwks_uri: str, kid: str | None) -> RSAKey:
        """The platform's RSA key with this kid (the only key, when the token names none)."""
        with self._lock:
            fetched_at, keys = self._sets.get(jwks_uri, (0.0, None))
        age = time.monotonic() - fetched_at
        if keys is None or age > self.keep or (_find(keys, kid) is None and age > self.refetch_after):
            keys = self._fetch(jwks_uri)
        found = _find(keys, kid)
        if found is None:
            raise PlatformKeyError(f"the platform's key set at {jwks_uri} has no RSA key with kid {kid!r}")
        return found

    def forget(self, jwks_uri: str) -> None:
        with self._lock:
            self._sets.pop(jwks_uri, None)

    def _fetch(self, jwks_uri: str) -> KeySet:
        response = self.http.get(jwks_uri, headers={"Accept": "application/json"})
        if response.status_code != 200:
            raise PlatformKeyError(f"the platform's key set at {jwks_uri} answered {error_text(response)}")
        try:
            body = response.json()
            usable = [key for key in body["keys"] if key.get("kty") == "RSA" and key.get("use", "sig") == "sig"]
            keys = KeySet.import_key_set({"keys": usable})
        except (ValueError, KeyError, TypeError, JoseError) as error:
            raise PlatformKeyError(f"the platform's key set at {jwks_uri} is not a JWKS: {error}") from None
        with self._lock:
            self._sets[jwks_uri] = (time.monotonic(), keys)
        return keys


def _find(keys: KeySet | None, kid: str | None) -> RSAKey | None:
    if keys is None:
        return None
    candidates = [key for key in keys.keys if isinstance(key, RSAKey)]
    if kid is None:
        return candidates[0] if len(candidates) == 1 else None
    return next((key for key in candidates if key.kid == kid), None)
