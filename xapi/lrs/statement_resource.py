"""The Statement resource of xAPI 1.0.3 (Communication §2.1): PUT, POST, GET and HEAD of `statements`.

- PUT `?statementId=` one statement → 204; POST one or a list → 200 with the ids. A
  statement whose id is stored with other content → 409; an identical re-send is fine.
  Duplicate ids in one batch, an id in the body other than `statementId`, or any invalid
  statement → 400 for the whole request; nothing is stored.
- GET `?statementId=` / `?voidedStatementId=` → the statement (404 if none; a voided
  statement only by `voidedStatementId`); only `format` and `attachments` may go with them.
- GET with filters → {"statements": [...], "more": "<path>"}, newest first unless
  `ascending=true`, with the StatementRef rule (a statement targeting one that matches,
  matches). `more` carries the query, the last statement of the page and the newest
  statement at the first page, so following it is stable under concurrent writes.
- `attachments=true` answers multipart/mixed with the attachments' content.
- Every answer carries `X-Experience-API-Consistent-Through`; a single statement its
  `Last-Modified` (its `stored`).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC
from email.utils import format_datetime
from typing import Any

from . import tables
from .attachments import AttachmentError, attachment_parts, build_multipart, check_attachments, parse_multipart
from .clients import Principal
from .service import XapiAnswer, XapiError, XapiRequest, error_answer, json_answer
from .statements import activities_in, agent_key, in_format
from .store import LrsStore, StatementQuery, StoreError
from .validation import StatementError, check_statements, is_iri, is_uuid, parse_agent_parameter, parse_timestamp

SINGLE_PARAMETERS = ("statementId", "voidedStatementId", "format", "attachments")
QUERY_PARAMETERS = (
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
)
FORMATS = ("exact", "ids", "canonical")


class StatementResource:
    def __init__(self, store: LrsStore, *, page_size: int, max_page_size: int) -> None:
        self.store = store
        self.page_size = page_size
        self.max_page_size = max_page_size

    def handle(self, request: XapiRequest, principal: Principal) -> XapiAnswer:
        write = request.method in ("PUT", "POST")
        try:
            if request.method not in ("GET", "HEAD", "PUT", "POST"):
                raise XapiError(405, "statements answers GET, HEAD, PUT and POST")
            if not principal.may("statements", write):
                raise XapiError(403, f"client {principal.name} may not {'write' if write else 'read'} statements")
            answer = self._write(request, principal) if write else self._read(request)
        except XapiError as error:
            answer = error_answer(error.status, error.message)
        except StoreError as error:
            answer = error_answer(error.status, str(error))
        # Communication §2.1.3.s2.b5: on all responses to Statement Resource requests, errors too.
        answer.headers.append(("X-Experience-API-Consistent-Through", self.store.consistent_through()))
        return answer

    # -- writing

    def _write(self, request: XapiRequest, principal: Principal) -> XapiAnswer:
        statement_id = None
        if request.method == "PUT":
            request.only(("statementId",))
            statement_id = request.required("statementId")
            if not is_uuid(statement_id):
                raise XapiError(400, f"statementId {statement_id!r} is not a UUID")
        else:
            request.only(())
        body, sent = self._body(request)
        version = "2.0.0" if request.version == "2.0.0" else "1.0.3"
        try:
            received = check_statements(body, version=version)
        except StatementError as error:
            raise XapiError(400, str(error)) from None
        if request.method == "PUT":
            if not isinstance(body, dict):
                raise XapiError(400, "PUT statements takes one statement, not a list")
            if "id" in body and body["id"].lower() != statement_id.lower():
                raise XapiError(400, f"the statement's id {body['id']} is not the statementId {statement_id}")
            received = [{**received[0], "id": statement_id}]
        ids = [statement["id"].lower() for statement in received if "id" in statement]
        if len(ids) != len(set(ids)):
            raise XapiError(400, "the batch has two statements with one id")
        try:
            check_attachments(received, sent)
        except AttachmentError as error:
            raise XapiError(400, str(error)) from None
        stored_ids = self.store.write_statements(received, principal.authority, sent)
        if request.method == "PUT":
            return XapiAnswer(204)
        return json_answer(stored_ids)

    def _body(self, request: XapiRequest) -> tuple[Any, dict[str, tuple[str, bytes]]]:
        """The statements sent, and the attachments' content by hash."""
        content_type = request.headers.get("content-type", "application/json")
        media_type = content_type.split(";")[0].strip().lower()
        sent: dict[str, tuple[str, bytes]] = {}
        raw = request.body
        if media_type not in ("application/json", "multipart/mixed"):
            # Communication §3.2.s3.b6, §1.5: statements come as application/json or multipart/mixed.
            raise XapiError(
                400, f"statements are sent as application/json or multipart/mixed, not {media_type or 'nothing'}"
            )
        if media_type == "multipart/mixed":
            try:
                parts = parse_multipart(content_type, request.body)
                sent = attachment_parts(parts)
            except AttachmentError as error:
                raise XapiError(400, str(error)) from None
            if parts[0].headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
                raise XapiError(
                    400, "the first part of a multipart/mixed request must be the statements (application/json)"
                )
            raw = parts[0].content
        try:
            return json.loads(raw, parse_constant=_no_constant), sent
        except (UnicodeDecodeError, ValueError) as error:
            raise XapiError(400, f"the body is not JSON: {error}") from None

    # -- reading

    def _read(self, request: XapiRequest) -> XapiAnswer:
        if "statementId" in request.params or "voidedStatementId" in request.params:
            return self._one(request)
        if "more" in request.params:
            return self._more(request)
        request.only(QUERY_PARAMETERS)
        query = self._query(request)
        return self._page(request, query)

    def _one(self, request: XapiRequest) -> XapiAnswer:
        request.only(SINGLE_PARAMETERS)
        voided = "voidedStatementId" in request.params
        if voided and "statementId" in request.params:
            raise XapiError(400, "give statementId or voidedStatementId, not both")
        statement_id = request.required("voidedStatementId" if voided else "statementId")
        if not is_uuid(statement_id):
            raise XapiError(400, f"{statement_id!r} is not a statement id (UUID)")
        format_name, attachments = self._format(request)
        text = self.store.statement(statement_id, voided=voided)
        if text is None:
            raise XapiError(404, f"no {'voided ' if voided else ''}statement {statement_id}")
        statement = self._shown([text], format_name, request)[0]
        answer = self._answer(json.dumps(statement, ensure_ascii=False).encode(), [statement], attachments)
        stored = parse_timestamp(statement["stored"])
        answer.headers.append(("Last-Modified", format_datetime(stored.astimezone(UTC), usegmt=True)))
        return answer

    def _query(self, request: XapiRequest) -> StatementQuery:
        keys: list[tuple[str, bool]] = []
        related_agents = self._flag(request, "related_agents")
        related_activities = self._flag(request, "related_activities")
        agent = request.param("agent")
        if agent is not None:
            try:
                parsed = parse_agent_parameter(agent)
            except StatementError as error:
                raise XapiError(400, str(error)) from None
            keys.append((tables.key_of("agent", agent_key(parsed) or ""), related_agents))
        for name in ("verb", "activity"):
            value = request.param(name)
            if value is not None:
                if not is_iri(value):
                    raise XapiError(400, f"{name} {value!r} is not an IRI")
                keys.append((tables.key_of(name, value), name == "activity" and related_activities))
        registration = request.param("registration")
        if registration is not None:
            if not is_uuid(registration):
                raise XapiError(400, f"registration {registration!r} is not a UUID")
            keys.append((tables.key_of("registration", registration.lower()), False))
        since, until = request.timestamp("since"), request.timestamp("until")
        self._format(request)
        limit = request.param("limit")
        size = self.page_size
        if limit is not None:
            if not limit.isdigit():
                raise XapiError(400, f"limit {limit!r} is not a whole number ≥ 0")
            size = int(limit) or self.max_page_size
        return StatementQuery(
            keys=tuple(keys),
            since=since,
            until=until,
            ascending=self._flag(request, "ascending"),
            limit=min(size, self.max_page_size),
        )

    def _more(self, request: XapiRequest) -> XapiAnswer:
        request.only(("more",))
        try:
            state = json.loads(base64.urlsafe_b64decode(request.required("more").encode() + b"=="))
            params = {name: [value] for name, value in state["params"].items()}
            after, upto = int(state["after"]), int(state["upto"])
        except (ValueError, KeyError, TypeError):
            raise XapiError(400, "this `more` link is not one this LRS made") from None
        original = XapiRequest("GET", "statements", params, request.headers, b"", request.endpoint_path)
        query = self._query(original)
        return self._page(original, StatementQuery(**{**query.__dict__, "after_seq": after, "upto_seq": upto}))

    def _page(self, request: XapiRequest, query: StatementQuery) -> XapiAnswer:
        format_name, attachments = self._format(request)
        page = self.store.query(query)
        more = ""
        if page.last_seq is not None:
            params = {name: values[0] for name, values in request.params.items()}
            state = {"params": params, "after": page.last_seq, "upto": page.upto_seq}
            token = base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")
            more = f"{request.endpoint_path}statements?more={token}"
        if format_name == "exact" and not attachments:
            # The stored texts as they are: no parsing for the common read (award paging by stored).
            body = ('{"statements":[' + ",".join(page.statements) + '],"more":' + json.dumps(more) + "}").encode()
            return XapiAnswer(200, body, "application/json")
        shown = self._shown(page.statements, format_name, request)
        body = json.dumps({"statements": shown, "more": more}, ensure_ascii=False).encode()
        return self._answer(body, shown, attachments)

    def _shown(self, texts: list[str], format_name: str, request: XapiRequest) -> list[dict[str, Any]]:
        statements = [json.loads(text) for text in texts]
        canonical: dict[str, Any] = {}
        languages: list[str] = []
        if format_name == "canonical":
            ids = {activity["id"] for s in statements for activity in activities_in(s)}
            canonical = self.store.definitions(sorted(ids))
            languages = _accept_language(request.headers.get("accept-language", ""))
        return [in_format(statement, format_name, canonical, languages) for statement in statements]

    def _answer(self, body: bytes, statements: list[dict[str, Any]], attachments: bool) -> XapiAnswer:
        if not attachments:
            return XapiAnswer(200, body, "application/json")
        wanted = sorted({a["sha2"].lower() for s in statements for a in s.get("attachments") or () if "sha2" in a})
        found = self.store.attachments(wanted)
        content_type, multipart = build_multipart(body, [(sha2, *found[sha2]) for sha2 in wanted if sha2 in found])
        return XapiAnswer(200, multipart, content_type)

    def _format(self, request: XapiRequest) -> tuple[str, bool]:
        format_name = request.param("format") or "exact"
        if format_name not in FORMATS:
            raise XapiError(400, f"format {format_name!r} is not one of {', '.join(FORMATS)}")
        return format_name, self._flag(request, "attachments")

    @staticmethod
    def _flag(request: XapiRequest, name: str) -> bool:
        value = request.param(name)
        if value not in (None, "true", "false"):
            raise XapiError(400, f"{name} must be true or false, not {value!r}")
        return value == "true"


def _accept_language(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first."""
    ranked = []
    for number, item in enumerate(header.split(",")):
        tag, _, quality = item.strip().partition(";q=")
        if tag:
            try:
                weight = float(quality) if quality else 1.0
            except ValueError:
                weight = 0.0
            ranked.append((-weight, number, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def _no_constant(name: str) -> None:
    """JSON has no NaN or Infinity (RFC 8259); Python's parser would accept them."""
    raise ValueError(f"{name} is not JSON")
