"""The LRS credential of one learner launch: a Basic key and secret made for that launch only.

    tokens = LaunchTokens(database)
    auth = tokens.issue(launch)               # "Basic …": what the launch's pages send to /xapi/
    service = LaunchGuardedService(store, tokens, registry.authenticate, on_statements=…)

A launch's pages get the LRS endpoint, this credential, the actor and the registration as
Rustici launch parameters; the LRS's own clients' keys never reach a page. The key is random
(`lti-` + 20 hex digits), the secret 24 random bytes kept only as its SHA-256 (a random secret
needs no slow hash), valid for `TOKEN_SECONDS`.

What a launch token may do (checked before the LRS sees the request, so the alternate request
syntax cannot go around it):

- write statements whose `actor` is the launch's user (the same account: homePage = the
  platform's issuer, name = the LTI `sub`), one or a list, as JSON, and none voiding another
  (its target may be anyone's); nothing else (403);
- read one statement by `statementId`/`voidedStatementId` (what the statement queue asks to
  see whether the LRS holds one; ids are random UUIDs), or the statements whose `agent` is the
  launch's user;
- read and write the State of the launch's user (`agent` = the actor);
- nothing else: Activity and Agent Profiles, `activities`, `agents` are 403.

After the LRS stored a launch's statements, `on_statements(token, statements)` is called (the
course's grading, course_service.py), never failing the request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select

from xapi.iris import VERBS
from xapi.lrs.clients import Principal, authority_agent, basic_credentials
from xapi.lrs.service import (
    XAPI_VERSION,
    Authenticate,
    XapiAnswer,
    XapiError,
    XapiRequest,
    XapiService,
    alternate_request,
    error_answer,
)
from xapi.lrs.store import LrsStore

from . import tables as t
from .launch import Launch
from .logs import log_event
from .store import LtiDatabase

TOKEN_SECONDS = 12 * 3600.0
KEY_PREFIX = "lti-"
LAUNCH_SCOPES = frozenset({"statements/write", "statements/read", "state"})
TOOL_AUTHORITY = "microquest-lti"
VOIDED = VERBS["voided"]


def learner_actor(launch: Launch) -> dict[str, Any]:
    """The launch's user as an xAPI Agent: account {homePage: the platform's issuer, name: the LTI sub}."""
    actor: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": launch.platform.issuer, "name": launch.user_sub},
    }
    if launch.name:
        actor["name"] = launch.name
    return actor


def registration_of(launch: Launch) -> str:
    """A stable UUID per (platform, user, resource link): every launch of one link by one learner resumes."""
    name = json.dumps([launch.platform.issuer, launch.platform.client_id, launch.user_sub, launch.resource_link_id])
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "microquest-lti:" + name))


def same_agent(a: Any, b: dict[str, Any]) -> bool:
    """Whether `a` is an Agent with exactly `b`'s account (the only identifier a launch's actor has)."""
    if not isinstance(a, dict) or a.get("objectType", "Agent") != "Agent":
        return False
    if any(name in a for name in ("mbox", "mbox_sha1sum", "openid")):
        return False
    account = a.get("account")
    return isinstance(account, dict) and (account.get("homePage"), account.get("name")) == (
        b["account"]["homePage"],
        b["account"]["name"],
    )


@dataclass(frozen=True)
class LaunchToken:
    key: str
    launch_id: str
    actor: dict[str, Any]
    registration: str
    expires_at: float


class LaunchTokens:
    """The tokens of launches, in the LTI tables (see the module docstring)."""

    def __init__(self, database: LtiDatabase, *, seconds: float = TOKEN_SECONDS) -> None:
        self.database = database
        self.seconds = seconds
        self._known: dict[str, tuple[str, LaunchToken]] = {}
        self._lock = threading.Lock()

    def issue(self, launch: Launch, now: float | None = None) -> str:
        """A new token for this launch: the whole Authorization value ("Basic …")."""
        now = time.time() if now is None else now
        key, secret = KEY_PREFIX + secrets.token_hex(10), secrets.token_urlsafe(24)
        with self.database.writing() as connection:
            connection.execute(delete(t.launch_tokens).where(t.launch_tokens.c.expires_at < now))
            connection.execute(
                insert(t.launch_tokens).values(
                    key=key,
                    secret_hash=_digest(secret),
                    launch_id=launch.id,
                    actor=json.dumps(learner_actor(launch), ensure_ascii=False),
                    registration=registration_of(launch),
                    created_at=now,
                    expires_at=now + self.seconds,
                )
            )
        return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")

    def find(self, header: str) -> LaunchToken | None:
        """The unexpired launch token the Authorization value carries, or None (also for any other credential)."""
        credentials = basic_credentials(header or "")
        if credentials is None or not credentials[0].startswith(KEY_PREFIX):
            return None
        key, secret = credentials
        with self._lock:
            known = self._known.get(key)
        if known is None:
            with self.database.reading() as connection:
                row = connection.execute(select(t.launch_tokens).where(t.launch_tokens.c.key == key)).mappings().first()
            if row is None:
                return None
            token = LaunchToken(key, row["launch_id"], json.loads(row["actor"]), row["registration"], row["expires_at"])
            known = (row["secret_hash"], token)
            with self._lock:
                if len(self._known) > 10_000:
                    self._known.clear()
                self._known[key] = known
        digest, token = known
        if not hmac.compare_digest(digest, _digest(secret)) or token.expires_at < time.time():
            return None
        return token


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


OnStatements = Callable[[LaunchToken, list[dict[str, Any]]], None]


class LaunchGuardedService(XapiService):
    """The LRS's resources, for its clients and for launch tokens within their rules (module docstring)."""

    def __init__(
        self,
        store: LrsStore,
        tokens: LaunchTokens,
        clients: Authenticate,
        *,
        home_page: str,
        on_statements: OnStatements | None = None,
    ) -> None:
        self.tokens = tokens
        self.clients = clients
        self.on_statements = on_statements
        self.tool_authority = authority_agent(home_page, TOOL_AUTHORITY)
        super().__init__(store, self._authenticate)

    def _authenticate(self, header: str) -> Principal | None:
        token = self.tokens.find(header)
        if token is not None:
            return Principal(TOOL_AUTHORITY, LAUNCH_SCOPES, self.tool_authority)
        if (basic_credentials(header or "") or ("",))[0].startswith(KEY_PREFIX):
            return None
        return self.clients(header)

    def handle(self, request: XapiRequest) -> XapiAnswer:
        token = None
        try:
            if request.method == "POST" and "method" in request.params:
                request = alternate_request(request)
            token = self.tokens.find(request.headers.get("authorization", ""))
            statements = _check(request, token) if token is not None else []
        except XapiError as error:
            answer = error_answer(error.status, error.message)
            answer.headers.append(("X-Experience-API-Version", XAPI_VERSION))
            return answer
        answer = super().handle(request)
        if token is not None and statements and answer.status in (200, 204) and self.on_statements is not None:
            try:
                self.on_statements(token, statements)
            except Exception as error:  # noqa: BLE001 - the statements are stored; grading is logged, not an LRS error
                log_event(
                    "lti.statements.hook_failed",
                    level=logging.ERROR,
                    launch_id=token.launch_id,
                    error=f"{type(error).__name__}: {error}",
                )
        return answer


def _check(request: XapiRequest, token: LaunchToken) -> list[dict[str, Any]]:
    """Refuse (403) what a launch token may not do; the statements it writes, if any."""
    resource, method = request.resource, request.method
    if resource == "about":
        return []
    if resource == "statements":
        if method in ("GET", "HEAD"):
            if request.param("statementId") or request.param("voidedStatementId"):
                return []
            agent = request.param("agent")
            if agent is not None and same_agent(_json(agent, "agent"), token.actor):
                return []
            raise XapiError(403, "a launch reads its own statements only (statementId, or agent = its actor)")
        if method not in ("PUT", "POST"):
            raise XapiError(403, "a launch may not do that")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise XapiError(403, "a launch sends statements as application/json")
        body = _json(request.body.decode("utf-8", "replace"), "the statements")
        statements = body if isinstance(body, list) else [body]
        for statement in statements:
            if not isinstance(statement, dict) or not same_agent(statement.get("actor"), token.actor):
                raise XapiError(403, "a launch writes statements whose actor is its own learner only")
            if (statement.get("verb") or {}).get("id") == VOIDED:
                raise XapiError(403, "a launch may not void statements")
        return statements
    if resource == "activities/state":
        agent = request.param("agent")
        if agent is None or not same_agent(_json(agent, "agent"), token.actor):
            raise XapiError(403, "a launch reads and writes its own learner's State only")
        return []
    raise XapiError(403, f"a launch may not use {resource}")


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise XapiError(400, f"{what} is not JSON") from None
