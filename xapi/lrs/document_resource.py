"""The document resources (State, Activity Profile, Agent Profile) and the Activities and Agents resources over HTTP.

xAPI 1.0.3 Communication §2.3 (State), §2.4 (Agents), §2.5 (Activities), §2.6 (Agent
Profile), §2.7 (Activity Profile). The rules of storing and merging are in documents.py;
here: which parameters each resource takes, which are required, and the answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from . import documents, tables
from .clients import Principal
from .service import XapiAnswer, XapiError, XapiRequest, json_answer
from .statements import agent_key
from .store import STORED_FORMAT, LrsStore
from .validation import StatementError, is_iri, is_uuid, parse_agent_parameter


class DocumentResources:
    def __init__(self, store: LrsStore) -> None:
        self.store = store

    def handle(self, request: XapiRequest, principal: Principal) -> XapiAnswer:
        resource = documents.RESOURCES[request.resource]
        area = "state" if resource is documents.STATE else "profile"
        write = request.method in ("PUT", "POST", "DELETE")
        if not principal.may(area, write):
            raise XapiError(403, f"client {principal.name} may not {'change' if write else 'read'} {request.resource}")
        request.only((*resource.scope_parameters, *resource.optional_scope, resource.id_parameter, "since"))
        scope = self._scope(request, resource)
        document_id = request.param(resource.id_parameter)
        if request.method in ("PUT", "POST") or (request.method == "DELETE" and resource is not documents.STATE):
            if document_id is None:
                raise XapiError(400, f"parameter {resource.id_parameter} is required")
        if "since" in request.params and request.method not in ("GET", "HEAD"):
            raise XapiError(400, f"since goes only with GET, not with {request.method}")
        # With a document id, GET ignores `since` (ADL suite, Communication §2.3.s4: accepted, not applied).
        if request.method in ("GET", "HEAD"):
            if document_id is None:
                return json_answer(self.store.document_ids(resource.kind, scope, request.timestamp("since")))
            return self._get(resource, scope, document_id)
        if request.method == "DELETE" and document_id is None:
            self.store.delete_documents(resource.kind, scope)
            return XapiAnswer(204)
        assert document_id is not None
        with self.store.changing_document(resource.kind, scope, document_id) as change:
            documents.check_preconditions(resource, request.method, change.current, request.headers)
            if request.method == "DELETE":
                change.delete()
            else:
                documents.save(change, request.method, request.body, request.headers.get("content-type", ""))
        return XapiAnswer(204)

    def _get(self, resource: documents.Resource, scope: str, document_id: str) -> XapiAnswer:
        document = self.store.document(resource.kind, scope, document_id)
        if document is None:
            raise XapiError(404, f"no document {document_id!r} here")
        updated = datetime.strptime(document.updated, STORED_FORMAT).replace(tzinfo=UTC)
        headers = [("ETag", documents.quoted(document.etag)), ("Last-Modified", format_datetime(updated, usegmt=True))]
        return XapiAnswer(200, document.content, document.content_type, headers)

    def _scope(self, request: XapiRequest, resource: documents.Resource) -> str:
        parts = [resource.kind]
        for name in resource.scope_parameters:
            value = request.required(name)
            parts.append(_agent(value) if name == "agent" else _activity_id(value))
        registration = request.param("registration") if "registration" in resource.optional_scope else None
        if registration is not None and not is_uuid(registration):
            raise XapiError(400, f"registration {registration!r} is not a UUID")
        parts.append((registration or "").lower())
        return tables.key_of(*parts)

    # -- Activities and Agents (Communication §2.4, §2.5)

    def activity(self, request: XapiRequest, principal: Principal) -> XapiAnswer:
        self._read_only(request, principal)
        request.only(("activityId",))
        activity_id = _activity_id(request.required("activityId"))
        activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
        definition = self.store.definitions([activity_id]).get(activity_id)
        if definition:
            activity["definition"] = definition
        return json_answer(activity)

    def person(self, request: XapiRequest, principal: Principal) -> XapiAnswer:
        """The Person object of an agent: every identifier and name the LRS knows for it (here: those given)."""
        self._read_only(request, principal)
        request.only(("agent",))
        agent = _parsed_agent(request.required("agent"), allow_group=False)
        person: dict[str, Any] = {"objectType": "Person"}
        if "name" in agent:
            person["name"] = [agent["name"]]
        for name in ("mbox", "mbox_sha1sum", "openid", "account"):
            if name in agent:
                person[name] = [agent[name]]
        return json_answer(person)

    @staticmethod
    def _read_only(request: XapiRequest, principal: Principal) -> None:
        if request.method not in ("GET", "HEAD"):
            raise XapiError(405, f"{request.resource} answers GET")
        if not principal.may("statements", False):
            raise XapiError(403, f"client {principal.name} may not read {request.resource}")


def _activity_id(value: str) -> str:
    if not is_iri(value):
        raise XapiError(400, f"activityId {value!r} is not an IRI")
    return value


def _parsed_agent(value: str, *, allow_group: bool = True) -> dict[str, Any]:
    try:
        return parse_agent_parameter(value, allow_group=allow_group)
    except StatementError as error:
        raise XapiError(400, str(error)) from None


def _agent(value: str) -> str:
    # State and Agent Profile documents belong to an Agent (Communication §2.3, §2.6), not a Group.
    return agent_key(_parsed_agent(value, allow_group=False)) or ""
