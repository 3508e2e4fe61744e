"""Conformance of a Europass (ELM 3.1) export to the official EDC shapes, checked offline with pySHACL.

The shapes (edc-generic-no-cv and edc-generic-full) and the two JSON-LD contexts are the copies in
credentials/elm/: no context is fetched, no owl:imports followed, no inference, as the shapes'
own README says to validate.
"""

from __future__ import annotations

import functools
import json
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xapi.agents import agent_keys

from .document import CourseModel, CredentialModel
from .europass import (
    CONTEXT,
    ELM_DIR,
    LOCAL_CONTEXTS,
    SHAPE_FILES,
    ElmExportError,
    european_credential,
    language_concept,
    legal_identifier,
)
from .issuer import IssuerIdentity


@dataclass(frozen=True)
class ShapeViolation:
    """One SHACL validation result: where (focus node, path), which shape, and its message."""

    focus: str
    path: str
    shape: str
    message: str

    def __str__(self) -> str:
        return f"{self.shape}: {self.message} (node {self.focus}, path {self.path})"


@functools.lru_cache(maxsize=1)
def _shapes() -> Any:
    from rdflib import Graph

    graph = Graph()
    for name in SHAPE_FILES:  # "full" owl:imports "no-cv"; the import is loaded here, never fetched
        graph.parse(ELM_DIR / name, format="turtle")
    return graph


@functools.lru_cache(maxsize=len(LOCAL_CONTEXTS))
def _local_context(url: str) -> Any:
    return json.loads((ELM_DIR / LOCAL_CONTEXTS[url]).read_text(encoding="utf-8"))["@context"]


def with_local_contexts(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each context URL replaced by the local copy's `@context` (nothing is fetched)."""
    contexts = document.get("@context")
    if not isinstance(contexts, list):
        contexts = [contexts]
    local = []
    for context in contexts:
        if isinstance(context, str):
            if context not in LOCAL_CONTEXTS:
                raise ElmExportError(f"unknown @context {context!r}: only {', '.join(CONTEXT)} are available offline")
            local.append(_local_context(context))
        else:
            local.append(context)
    return {**document, "@context": local}


def conformance_problems(document: dict[str, Any]) -> list[ShapeViolation]:
    """Every SHACL result of the document against edc-generic-no-cv + edc-generic-full (empty: it conforms).

    As the ELM validation notes say: both shape files in one graph, the document's
    contexts replaced by the local copies, parsed by rdflib as JSON-LD, then
    `pyshacl.validate` with no inference and no owl:imports (so no network).
    """
    import pyshacl
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF, SH

    with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        data = Graph().parse(data=json.dumps(with_local_contexts(document)), format="json-ld")
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=_shapes(), inference="none", do_owl_imports=False, abort_on_first=False
    )
    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        shape = results.value(result, SH.sourceShape)
        problems.append(
            ShapeViolation(
                focus=str(results.value(result, SH.focusNode)),
                path=str(results.value(result, SH.resultPath)),
                shape=str(shape) if isinstance(shape, URIRef) else "an unnamed EDC shape",
                message=str(results.value(result, SH.resultMessage)),
            )
        )
    if not conforms and not problems:  # pragma: no cover - pySHACL always reports why
        raise ElmExportError("the EDC shapes reject the document without saying why")
    return sorted(problems, key=str)


def check_conforms(document: dict[str, Any]) -> None:
    """Raise ElmExportError naming the violations when the document does not conform to the EDC shapes."""
    problems = conformance_problems(document)
    if problems:
        listed = "; ".join(str(problem) for problem in problems[:5])
        more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ElmExportError(
            f"the Europass (ELM) export does not conform to the EDC shapes ({len(problems)} violations): {listed}{more}"
        )


class ElmExporter:
    """The Europass exports of one award run, each variant of the document checked against the EDC shapes once.

        exporter = ElmExporter(course, credential, identity)   # IssuerError at once without a legal identifier
        document = exporter.export(agent, awarded_at, credential_id)

    Every learner's document is the same function of the course and the provider's
    identity; only values differ, and the structure depends only on the kind of the
    learner's xAPI identifier, whether the agent has a name, and whether the
    credential expires. The first document of each such variant is validated with
    pySHACL (about 0.1 s, plus 0.2 s to load the shapes once) and ElmExportError
    raised if it does not conform; later ones of the same variant are not, so a run
    of 1,000 awards costs well under a second instead of some 80 s.
    """

    def __init__(
        self, course: CourseModel, credential: CredentialModel, identity: IssuerIdentity, *, validate: bool = True
    ) -> None:
        legal_identifier(identity)  # fail before any award rather than at the first one
        language_concept(course.language)
        self.course, self.credential, self.identity, self.validate = course, credential, identity, validate
        self._checked: set[tuple[str, bool, bool]] = set()

    def export(
        self,
        learner_agent: dict[str, Any],
        awarded_at: datetime,
        credential_id: str,
        *,
        valid_until: datetime | None = None,
    ) -> dict[str, Any]:
        document = european_credential(
            self.course,
            self.credential,
            learner_agent,
            awarded_at,
            credential_id,
            self.identity,
            valid_until=valid_until,
        )
        if self.validate:
            subject = document["credentialSubject"]
            variant = (agent_keys(learner_agent)[0].partition(":")[0], "fullName" in subject, valid_until is None)
            if variant not in self._checked:
                check_conforms(document)
                self._checked.add(variant)
        return document
