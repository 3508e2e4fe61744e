"""Signing fast: pyoxigraph's RDFC-1.0 canonical N-Quads are byte for byte pyld's on our credentials and on
the W3C RDF Dataset Canonicalization vectors (and rdf-canonize's, the independent verifier's canonicalizer);
what pyoxigraph would write otherwise is left to pyld; many credentials sign in worker processes, in order,
and the independent verifier accepts every one."""

from __future__ import annotations

import copy
import itertools
import json
import random
import subprocess
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from credentials import rdfc_fast, signing, signing_pool
from credentials.issue import issue, issue_many, issuer_function
from credentials.issuer import IssuerIdentity
from credentials.signing import ProofError, canonical_nquads, sign, sign_many, verify_proof
from tests.credentials.conftest import (
    AGENT,
    AWARDED_AT,
    CREDENTIAL_ID,
    IDENTITY,
    REVOCATION_URL,
    STATUS_LIST_URL,
    WEB_IDENTITY,
    agents_credential,
    run_js_verifier,
    status_list,
)
from tests.project import PROJECT

VECTORS = Path(__file__).resolve().parent / "rdfc10"
CREATED = "2025-06-02T09:30:00Z"

LEARNERS: dict[str, dict[str, Any]] = {
    "email and name": AGENT,
    "email, no name": {"objectType": "Agent", "mbox": "mailto:ziga.kos@example.si"},
    "account, no name": {"objectType": "Agent", "account": {"homePage": "https://moodle.primer.si", "name": "ucenec7"}},
    "account and name": {
        "objectType": "Agent",
        "account": {"homePage": "https://moodle.primer.si", "name": "ucenec8"},
        "name": "Špela Čuk",
    },
    "mbox_sha1sum": {"objectType": "Agent", "mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
    "openid": {"objectType": "Agent", "openid": "https://id.primer.si/ana", "name": "Ana"},
    "name with quotes, backslash, tab, CR LF and emoji": {
        "objectType": "Agent",
        "mbox": "mailto:x@example.si",
        "name": 'Ana "Anči" \\ Novak\t(\u2028) 🙂\r\nŽiga',
    },
}


def unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


@pytest.fixture(scope="module")
def variants(course, course_with_level_and_ects, issuer_key) -> dict[str, dict[str, Any]]:
    """Unsigned credentials of every kind microquest issues, and a status list credential."""
    made = {}
    for name, agent in LEARNERS.items():
        made[f"learner: {name}"] = issue(
            course, course.credential, agent, AWARDED_AT, CREDENTIAL_ID, issuer_key, identity=IDENTITY
        )
    made["1EdTech revocation list"] = agents_credential(
        course,
        issuer_key,
        identity=IDENTITY,
        revocation_list=REVOCATION_URL,
    )
    made["Bitstring status list"] = issue(
        course,
        course.credential,
        LEARNERS["account, no name"],
        AWARDED_AT,
        CREDENTIAL_ID,
        issuer_key,
        identity=IDENTITY,
        status_list=STATUS_LIST_URL,
        status_index=42,
    )
    made["did:web issuer, status list"] = agents_credential(
        course,
        issuer_key,
        identity=WEB_IDENTITY,
        status_list=STATUS_LIST_URL,
        status_index=7,
    )
    leveled = course_with_level_and_ects
    made["EQF level and ECTS"] = issue(
        leveled,
        leveled.credential,
        AGENT,
        AWARDED_AT,
        CREDENTIAL_ID,
        issuer_key,
        identity=IssuerIdentity(name="Šolski center Primer", url="https://www.primer.si/", country="SI", eqf_level=5),
    )
    made["valid until"] = agents_credential(
        course,
        issuer_key,
        identity=IDENTITY,
        valid_until=AWARDED_AT + timedelta(days=365),
    )
    made["Bitstring status list credential"] = status_list(issuer_key, IDENTITY, [3, 42])
    return {name: unsecured(document) for name, document in made.items()}


VARIANTS = [f"learner: {name}" for name in LEARNERS] + [
    "1EdTech revocation list",
    "Bitstring status list",
    "did:web issuer, status list",
    "EQF level and ECTS",
    "valid until",
    "Bitstring status list credential",
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_pyoxigraph_gives_pylds_canonical_nquads_for_every_kind_of_credential(variant, variants):
    document = variants[variant]
    converted = rdfc_fast.convert(document)
    assert converted is not None, "pyoxigraph should canonicalise this credential, not leave it to pyld"
    assert converted[0] == canonical_nquads(document)


def test_the_shared_achievement_is_not_mixed_up_between_courses(variants):
    """Two courses' credentials, converted in turn: each its own achievement (the part made once per course)."""
    ours, other = variants["learner: email and name"], variants["EQF level and ECTS"]
    assert ours["credentialSubject"]["achievement"] != other["credentialSubject"]["achievement"]
    for document in (ours, other, ours, other):
        assert rdfc_fast.convert(document)[0] == canonical_nquads(document)


def test_signing_uses_pyoxigraph_and_canonicalises_the_proof_options_once(course, issuer_key, monkeypatch):
    issue(course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer_key, identity=IDENTITY)  # the shape
    calls = []
    normalize = jsonld.normalize
    monkeypatch.setattr(jsonld, "normalize", lambda *args, **kwargs: calls.append(1) or normalize(*args, **kwargs))
    for number in range(5):
        agent = {"objectType": "Agent", "mbox": f"mailto:ucenec{number}@example.si", "name": f"Učenec {number}"}
        document = issue(course, course.credential, agent, AWARDED_AT, CREDENTIAL_ID, issuer_key, identity=IDENTITY)
        verify_proof(document)  # pyld, independently
    assert len(calls) == 5, "pyld ran only to verify: signing went by pyoxigraph and the remembered proof options"


def _changed(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


# Documents pyoxigraph would write otherwise than pyld, or whose undefined terms pyld must name: pyld decides.
LEFT_TO_PYLD: dict[str, tuple[tuple[Any, ...], Any]] = {
    "a control character (pyld writes it raw, RDFC-1.0 escapes it)": (("name",), "Mikro\x01dokazilo"),
    "an undefined term": (("credentialSubject", "favouriteColour"), "modra"),
    "an undefined type": (("credentialSubject", "type"), ["AchievementSubject", "Učenec"]),
    "a relative IRI": (("credentialSubject", "id"), "ucenec-7"),
    "a null": (("description",), None),
    "an empty array": (("credentialSubject", "achievement", "alignment"), []),
    "a fraction pyld writes with 16 digits": (("credentialSubject", "achievement", "creditsAvailable"), 0.1 + 0.2),
    "an integer beyond 2^53": (("credentialSubject", "achievement", "creditsAvailable"), 2**60),
    "an explicit blank node": (("credentialSubject", "id"), "_:b0"),
    "a compact IRI as a key": (("credentialSubject", "schema:name"), "Ana"),
    "a keyword as a key": (("credentialSubject", "@type"), "AchievementSubject"),
    "a context inside the document": (("credentialSubject", "@context"), {"x": "https://example.org/x"}),
    "white space in an IRI (pyld drops the statement)": (("credentialSubject", "id"), "https://primer.si/a\u00a0b"),
    "a space after a > in an IRI": (("credentialSubject", "id"), "https://primer.si/a> b"),
    "a next line character in an IRI": (("credentialSubject", "id"), "https://primer.si/a\x85b"),
}


@pytest.mark.parametrize("case", LEFT_TO_PYLD)
def test_what_pyoxigraph_would_write_otherwise_is_left_to_pyld(case, variants, issuer_key):
    path, value = LEFT_TO_PYLD[case]
    document = _changed(variants["learner: email and name"], path, value)
    assert rdfc_fast.convert(document) is None
    try:
        expected: Any = canonical_nquads(document)
    except ProofError as error:
        expected = error
    try:
        got: Any = signing._canonical_fast(document)
    except ProofError as error:
        got = error
    assert type(got) is type(expected) and str(got) == str(expected)
    if isinstance(expected, str):
        verify_proof(sign(document, issuer_key, CREATED))
    else:
        with pytest.raises(ProofError, match="not defined by any @context"):
            sign(document, issuer_key, CREATED)


@pytest.mark.parametrize(
    "iri", ["https://primer.si/{x}", "https://primer.si/a|b^c`d", "https://primer.si/%zz", "urn:x:\u00e9"]
)
def test_iris_no_iri_parser_accepts_are_kept_as_pyld_keeps_them(iri, variants):
    """Converted leniently, pyoxigraph keeps an IRI that is not valid (RFC 3987) as pyld does, not dropping it."""
    document = _changed(variants["learner: email and name"], ("credentialSubject", "id"), iri)
    converted = rdfc_fast.convert(document)
    assert converted is not None and converted[0] == canonical_nquads(document)
    assert f"<{iri}>" in converted[0]


def test_pyld_writes_control_characters_raw_where_rdfc_1_0_escapes_them(variants):
    """Why a control character goes to pyld: its URDNA2015 escapes only \\t \\n \\r \\" \\\\ (and so this project's
    signatures were made so); RDFC-1.0 (pyoxigraph, and rdf-canonize, the independent verifier's) writes
    \\u0001, \\b, \\f."""
    document = _changed(variants["learner: email and name"], ("name",), "a\x01b\x08c\x0cd\te")
    assert '"a\x01b\x08c\x0cd\\te"' in canonical_nquads(document)
    text = '<urn:ex:s> <urn:ex:p> "a\x01b\x08c\x0cd\\te" .\n'
    rdfc = '<urn:ex:s> <urn:ex:p> "a\\u0001b\\bc\\fd\\te" .\n'
    assert _oxigraph({"x": text})["x"] == _rdf_canonize({"x": text})["x"] == rdfc


def test_a_difference_from_pyld_makes_signing_use_pyld(variants, monkeypatch):
    """pyld checks the first document of each shape; should pyoxigraph ever differ, pyld's bytes are used, and
    pyoxigraph no more in the process."""
    monkeypatch.setattr(rdfc_fast, "_state", {"disabled": None})
    monkeypatch.setattr(rdfc_fast, "_checked_shapes", set())
    document = variants["learner: email and name"]
    with pytest.warns(RuntimeWarning, match="differ from pyld"):
        assert rdfc_fast.canonical_nquads(document, lambda _: "pyld's\n") == "pyld's\n"
    assert not rdfc_fast.available()
    assert rdfc_fast.canonical_nquads(document, canonical_nquads) is None
    assert signing._canonical_fast(document) == canonical_nquads(document)


def test_pyld_checks_only_the_first_document_of_a_shape(variants, monkeypatch):
    monkeypatch.setattr(rdfc_fast, "_checked_shapes", set())
    checked = []

    def reference(document):
        checked.append(document["credentialSubject"]["identifier"][0]["identityHash"])
        return canonical_nquads(document)

    first = variants["learner: email and name"]
    second = _changed(first, ("credentialSubject", "identifier", 0, "identityHash"), "sha256$" + "1" * 64)
    other_shape = variants["learner: email, no name"]
    for document in (first, second, other_shape, first):
        assert rdfc_fast.canonical_nquads(document, reference) == canonical_nquads(document)
    assert len(checked) == 2


# -- The W3C RDF Dataset Canonicalization vectors ------------------------------------------------------------


def _generated_vectors() -> dict[str, str]:
    """Datasets in the manner of the W3C suite's (rdf-canon tests/manifest-rdfc10): blank node circles and double
    circles in every order, a diamond, cliques, disjoint identical subgraphs, lists, named graphs with blank
    node names, literals with languages, datatypes and escapes; and seeded random blank node graphs (no blank
    node linked to itself: see test_pyld_alone_labels_a_blank_node_that_links_to_itself_otherwise)."""
    p, q = "<http://example.org/vocab#p>", "<http://example.org/vocab#q>"
    vectors = {}
    for size in (2, 3, 4, 5):
        vectors[f"circle of {size}"] = "".join(f"_:e{i} {p} _:e{(i + 1) % size} .\n" for i in range(size))
    for order in itertools.permutations(range(3)):
        lines = [f"_:e{a} {p} _:e{b} .\n" for a, b in ((0, 1), (1, 2), (2, 0))]
        lines += [f"_:e{b} {q} _:e{a} .\n" for a, b in ((0, 1), (1, 2), (2, 0))]
        vectors[f"double circle of 3 ({'-'.join(map(str, order))})"] = "".join(lines[i] for i in order) + "".join(
            lines[3 + i] for i in order
        )
    vectors["diamond"] = f"_:a {p} _:b .\n_:a {p} _:c .\n_:b {p} _:d .\n_:c {p} _:d .\n"
    for size in (3, 4):
        vectors[f"clique of {size}"] = "".join(
            f"_:n{a} {p} _:n{b} .\n" for a in range(size) for b in range(size) if a != b
        )
    vectors["disjoint identical subgraphs"] = "".join(
        f"_:{g}{i} {p} _:{g}{(i + 1) % 3} .\n" for g in "xy" for i in range(3)
    )
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    vectors["@list"] = (
        f'<urn:ex:s> {p} _:l0 .\n_:l0 <{rdf}first> "a" .\n_:l0 <{rdf}rest> _:l1 .\n'
        f'_:l1 <{rdf}first> _:x .\n_:l1 <{rdf}rest> <{rdf}nil> .\n_:x {q} "b" .\n'
    )
    vectors["blank node graph names"] = (
        f'_:s {p} _:o _:g .\n_:o {p} _:s _:g .\n_:s {q} _:g .\n<urn:ex:s> {p} _:o _:h .\n_:h {q} "h"@sl-si _:g .\n'
    )
    vectors["literals"] = (
        '<urn:ex:s> <urn:ex:p> "" .\n<urn:ex:s> <urn:ex:p> "chat"@fr .\n<urn:ex:s> <urn:ex:p> "chat"@en .\n'
        '<urn:ex:s> <urn:ex:p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        '<urn:ex:s> <urn:ex:p> "1"^^<urn:ex:dt> .\n<urn:ex:s> <urn:ex:p> "\\"\\\\\\n\\r\\t" .\n'
        '<urn:ex:s> <urn:ex:p> "ščž ∞ 🌃" .\n_:b <urn:ex:p> "Ana" .\n_:c <urn:ex:p> "Ana" .\n'
    )
    generator = random.Random(20251014)
    for number in range(30):
        nodes = generator.randint(3, 7)
        edges = {
            (a, generator.choice((p, q)), b)
            for a, b in (generator.sample(range(nodes), 2) for _ in range(generator.randint(nodes, 2 * nodes)))
        }
        names = generator.sample(range(100), nodes)  # labels that say nothing of the structure
        lines = [f"_:r{names[a]} {predicate} _:r{names[b]} .\n" for a, predicate, b in sorted(edges)]
        generator.shuffle(lines)
        vectors[f"random blank node graph {number}"] = "".join(lines)
    return vectors


def _vectors() -> dict[str, str]:
    official = {f"W3C {path.name}": path.read_text(encoding="utf-8") for path in sorted(VECTORS.glob("*-in.nq"))}
    return {**official, **_generated_vectors()}


def _oxigraph(vectors: dict[str, str]) -> dict[str, str]:
    import pyoxigraph

    results = {}
    for name, text in vectors.items():
        dataset = pyoxigraph.Dataset(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_QUADS))
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        lines = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS).decode().split("\n")
        results[name] = "".join(sorted(line + "\n" for line in lines if line))
    return results


def _rdf_canonize(vectors: dict[str, str]) -> dict[str, Any]:
    completed = subprocess.run(
        ["node", str(Path(__file__).resolve().parent / "canonize_nquads.mjs")],
        input=json.dumps(vectors),
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_vendored_w3c_vectors_are_there():
    assert sorted(path.name for path in VECTORS.glob("*-in.nq")) == [
        "test057-in.nq",
        "test071-in.nq",
        "test072-in.nq",
        "test073-in.nq",
    ]


def _self_referencing(nquads: str) -> bool:
    """A blank node twice in one quad (a self link, or a graph's name inside it)."""
    for line in nquads.splitlines():
        blank = [term for term in line.split() if term.startswith("_:")]
        if len(blank) != len(set(blank)):
            return True
    return False


def _canonicalised_three_ways(vectors: dict[str, str]) -> list[tuple[str, str, str, Any]]:
    by_oxigraph, by_rdf_canonize = _oxigraph(vectors), _rdf_canonize(vectors)
    options = {"algorithm": "URDNA2015", "inputFormat": "application/n-quads", "format": "application/n-quads"}
    return [
        (name, jsonld.normalize(text, options), by_oxigraph[name], by_rdf_canonize[name])
        for name, text in vectors.items()
    ]


def test_pyld_pyoxigraph_and_rdf_canonize_canonicalise_the_vectors_byte_for_byte_alike():
    vectors = {name: text for name, text in _vectors().items() if not _self_referencing(text)}
    assert len(vectors) > 35
    for name, by_pyld, by_oxigraph, by_rdf_canonize in _canonicalised_three_ways(vectors):
        assert by_pyld == by_oxigraph == by_rdf_canonize, name
    assert _oxigraph({"x": vectors["W3C test072-in.nq"]})["x"].count("_:c14n0") == 6  # one blank node, two graphs


def test_pyld_alone_labels_a_blank_node_that_links_to_itself_otherwise():
    """pyld 3.3's URDNA2015 lists a quad once per mention of a blank node, so a self link is hashed twice (RDFC-1.0
    §4.6: each quad once): pyoxigraph and rdf-canonize agree, pyld does not. JSON-LD makes no such quad (a blank
    node cannot name itself without an identifier, which the fast path leaves to pyld), so signing is unaffected."""
    p, q = "<http://example.org/vocab#p>", "<http://example.org/vocab#q>"
    smallest = f"_:r0 {p} _:r0 .\n_:r0 {q} _:r1 .\n"
    generator = random.Random(7)
    vectors = {"smallest": smallest}
    for number in range(20):
        edges = {(generator.randrange(4), generator.choice((p, q)), generator.randrange(4)) for _ in range(6)}
        edges.add((number % 4, p, number % 4))
        vectors[f"random {number}"] = "".join(f"_:r{a} {predicate} _:r{b} .\n" for a, predicate, b in sorted(edges))
    results = _canonicalised_three_ways(vectors)
    assert all(by_oxigraph == by_rdf_canonize for _, _, by_oxigraph, by_rdf_canonize in results)
    assert results[0][1:3] == (
        f"_:c14n1 {p} _:c14n1 .\n_:c14n1 {q} _:c14n0 .\n",
        f"_:c14n0 {p} _:c14n0 .\n_:c14n0 {q} _:c14n1 .\n",
    )
    assert sum(by_pyld != by_oxigraph for _, by_pyld, by_oxigraph, _ in results) > len(results) // 2


def test_the_generated_vectors_need_the_n_degree_hashing():
    """The suite's point: blank nodes whose first-degree hashes tie, so RDFC-1.0's n-degree path is exercised."""
    canonical = _oxigraph({"x": _generated_vectors()["double circle of 3 (2-1-0)"]})["x"]
    assert canonical.count("\n") == 6 and "_:c14n2" in canonical


# -- Many at once, in worker processes ------------------------------------------------------------------------

MANY = 50


@pytest.fixture(scope="module")
def many(course, issuer_key) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """MANY learners' credentials, made in two worker processes and one by one."""
    issuer = issuer_function(course, course.credential, issuer_key, identity=IDENTITY)
    requests = [(learner(number), CREATED) for number in range(MANY)]
    pooled = issue_many(issuer, requests, processes=2)
    return pooled, [issuer(*request) for request in requests]


def learner(number: int) -> dict[str, Any]:
    if number % 3 == 0:
        return {"objectType": "Agent", "account": {"homePage": "https://moodle.primer.si", "name": f"u{number}"}}
    return {"objectType": "Agent", "mbox": f"mailto:ucenec{number}@example.si", "name": f"Učenec {number}"}


def test_credentials_signed_in_worker_processes_are_the_sequential_ones_in_order(many):
    assert signing_pool.workers_for(MANY, 2) == 2
    pooled, sequential = many
    assert [document["id"] for document in pooled] == [document["id"] for document in sequential]
    assert pooled == sequential  # Ed25519 is deterministic: the very same bytes


def test_the_independent_verifier_accepts_every_credential_signed_in_worker_processes(many):
    pooled, _ = many
    results = run_js_verifier({f"{number}": {"credential": document} for number, document in enumerate(pooled)})
    assert {name: result["verified"] for name, result in results.items()} == {f"{n}": True for n in range(MANY)}


def test_sign_many_is_sign_for_each_document_in_order(variants, issuer_key):
    documents = [variants[name] for name in VARIANTS if name != "did:web issuer, status list"] * 3
    assert sign_many(documents, issuer_key, CREATED, processes=2) == [
        sign(document, issuer_key, CREATED) for document in documents
    ]


def test_an_error_in_a_worker_is_raised_here(variants, issuer_key):
    documents = [variants["learner: email and name"]] * 30
    documents[17] = _changed(documents[17], ("credentialSubject", "favouriteColour"), "modra")
    with pytest.raises(ProofError, match="favouriteColour"):
        sign_many(documents, issuer_key, CREATED, processes=2)


def test_a_few_credentials_are_signed_here_not_in_workers():
    assert signing_pool.workers_for(signing_pool.MIN_ITEMS - 1, 2) == 1
    assert signing_pool.workers_for(1000, 1) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert signing_pool.parallel_map(str, range(3), processes=2) == ["0", "1", "2"]
