"""Which platform addresses the tool talks to: https, except a platform on this machine.

A platform's issuer and endpoints carry id_tokens, access tokens and grades, so they must be
https. A platform on localhost, 127.0.0.1 or ::1 (a developer's Moodle, the tests' platform)
may use http: nothing leaves the machine there.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class InsecurePlatformUrl(ValueError):
    """A platform URL that is not https (and not on this machine), or not a URL at all."""


def is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOCAL_HOSTS


def require_platform_url(url: object, what: str) -> str:
    """`url` if the tool may use it for `what` (see the module docstring), else InsecurePlatformUrl."""
    if not isinstance(url, str) or not url:
        raise InsecurePlatformUrl(f"{what} is missing")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InsecurePlatformUrl(f"{what} is not an http(s) URL: {url!r}")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise InsecurePlatformUrl(f"{what} must use https (only a platform on localhost may use http): {url}")
    return url


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, lower case, for comparing where two URLs point."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def with_query(url: str, query: dict[str, str]) -> str:
    """The URL with `query` appended to the query it already has (an endpoint may carry one)."""
    if not query:
        return url
    parts = urlsplit(url)
    joined = (parts.query + "&" if parts.query else "") + urlencode(query)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, ""))
