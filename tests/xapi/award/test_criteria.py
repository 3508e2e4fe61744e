"""Criteria against statements: who meets what, with voids, duplicates, cmi5 and several identifiers."""

from __future__ import annotations

import copy

import pytest

from tests.xapi.award.helpers import (
    ACTIVITIES,
    CANVASES,
    COURSE,
    CREDENTIAL,
    IRIS,
    SITE,
    account,
    cmi5,
    completed,
    everything,
    mbox,
    submitted,
    voiding,
    waived,
)
from xapi.agents import Identities, agent_keys, mbox_sha1sum
from xapi.award.criteria import (
    CriteriaError,
    Evaluator,
    StatementError,
    compile_criteria,
    evaluate,
)
from xapi.iris import VERBS

CRITERIA = compile_criteria(CREDENTIAL.criteria, COURSE.base_iri, COURSE.id)


def standing(statements, identities=None) -> dict[str, tuple[bool, tuple[str, ...]]]:
    return {e.person: (e.eligible, e.missing) for e in evaluate(CRITERIA, statements, identities)}


def test_criteria_compile_to_one_requirement_per_activity_and_canvas_of_credential_yaml():
    labels = [r.label for r in CRITERIA.requirements]
    assert labels == [f"activity:{a}" for a in ACTIVITIES] + [f"canvas:{c}" for c in CANVASES]
    assert CRITERIA.requirements[0].iri == IRIS.activity(ACTIVITIES[0])


def test_unknown_rule_is_refused_with_its_position():
    with pytest.raises(CriteriaError, match=r"criteria\[1\].rule: expected one of .* found 'quiz-passed'"):
        compile_criteria(
            [{"rule": "activities-completed", "activities": ["u1-a1"]}, {"rule": "quiz-passed"}], "x:/", "c"
        )


def test_learner_with_everything_is_eligible_and_learner_missing_one_canvas_is_not():
    result = standing(everything(mbox("ana")) + everything(mbox("bojan"), skip_canvases=["needs"]))
    assert result["mbox:mailto:ana@example.si"] == (True, ())
    assert result["mbox:mailto:bojan@example.si"] == (False, ("canvas:needs",))


def test_statements_of_other_verbs_and_activities_meet_nothing_but_the_learner_is_seen():
    launched = dict(completed(mbox("ana"), "u1-a1"), verb={"id": VERBS["launched"]})
    other = dict(completed(mbox("ana"), "u1-a2", id_="x"), object={"id": "https://example.org/other"})
    result = evaluate(CRITERIA, [launched, other])
    assert [(e.person, e.met) for e in result] == [("mbox:mailto:ana@example.si", ())]


def test_a_voided_statement_does_not_count_whether_the_void_comes_before_or_after_it():
    statements = everything(mbox("ana"))
    target = statements[0]
    after = standing([*statements, voiding(target["id"])])
    before = standing([voiding(target["id"]), *statements])
    assert after["mbox:mailto:ana@example.si"] == (False, ("activity:u1-a1",))
    assert before == after


def test_a_void_in_a_later_batch_still_removes_the_statement():
    evaluator = Evaluator(CRITERIA)
    evaluator.add(everything(mbox("ana")))
    evaluator.add([voiding(completed(mbox("ana"), "u7-a2")["id"])])
    assert evaluator.results()[0].missing == ("activity:u7-a2",)


def test_a_voided_statement_repeated_under_the_same_id_stays_voided_and_a_new_id_reinstates_it():
    statements = everything(mbox("ana"))
    target = statements[0]
    again = dict(target)
    reissued = completed(mbox("ana"), "u1-a1", id_="reissued-after-void")
    assert standing([*statements, voiding(target["id"]), again])["mbox:mailto:ana@example.si"][0] is False
    assert standing([*statements, voiding(target["id"]), reissued])["mbox:mailto:ana@example.si"][0] is True


def test_voiding_a_voiding_statement_restores_nothing():
    statements = everything(mbox("ana"))
    void = voiding(statements[0]["id"])
    void_of_void = voiding(void["id"])
    assert standing([*statements, void, void_of_void])["mbox:mailto:ana@example.si"][0] is False


def test_duplicates_count_once_and_change_nothing():
    statements = everything(mbox("ana"), skip_activities=["u2-a1"])
    evaluator = Evaluator(CRITERIA)
    evaluator.add(statements + statements)
    assert len(evaluator.new_evidence()) == len(statements)
    assert evaluator.results()[0].missing == ("activity:u2-a1",)


def test_mbox_and_mbox_sha1sum_of_one_address_are_one_learner():
    ana = mbox("ana")
    hashed = {"objectType": "Agent", "mbox_sha1sum": mbox_sha1sum("mailto:ana@example.si").upper()}
    statements = everything(ana, skip_canvases=["issuing"]) + [submitted(hashed, "issuing")]
    result = evaluate(CRITERIA, statements)
    assert len(result) == 1
    assert result[0].eligible
    assert result[0].person == "mbox:mailto:ana@example.si"
    assert result[0].agent == {"objectType": "Agent", "mbox": "mailto:ana@example.si", "name": "Ana"}


def test_the_domain_of_an_mbox_is_matched_in_any_case():
    statements = everything(mbox("ana"), skip_activities=["u1-a1"])
    shouting = {"objectType": "Agent", "mbox": "MAILTO:ana@EXAMPLE.SI"}
    assert standing([*statements, completed(shouting, "u1-a1")]) == {"mbox:mailto:ana@example.si": (True, ())}


def test_a_people_file_joins_an_account_and_an_mbox_into_one_learner():
    statements = everything(mbox("ana"), skip_activities=["u7-a1"]) + [cmi5(account("anovak"), "u7-a1")]
    assert len(standing(statements)) == 2
    people = Identities([agent_keys(mbox("ana")) + agent_keys(account("anovak"))])
    assert standing(statements, people) == {"mbox:mailto:ana@example.si": (True, ())}


def test_account_home_page_with_or_without_trailing_slash_is_one_learner():
    slash = account("anovak", SITE + "/")
    statements = [cmi5(account("anovak"), a) for a in ACTIVITIES[:8]] + [cmi5(slash, a) for a in ACTIVITIES[8:]]
    result = evaluate(CRITERIA, statements)
    assert [e.missing for e in result] == [tuple(f"canvas:{c}" for c in CANVASES)]


def test_cmi5_completed_counts_through_the_au_id_in_grouping():
    statements = [cmi5(account("anovak"), a) for a in ACTIVITIES] + [submitted(account("anovak"), c) for c in CANVASES]
    assert standing(statements) == {f"account:{SITE} anovak": (True, ())}


def test_cmi5_allowed_completed_without_the_cmi5_category_does_not_satisfy_the_au():
    learner = account("anovak")
    statements = [cmi5(learner, a) for a in ACTIVITIES[1:]] + [cmi5(learner, ACTIVITIES[0], defined=False)]
    statements += [submitted(learner, c) for c in CANVASES]
    assert standing(statements)[f"account:{SITE} anovak"] == (False, (f"activity:{ACTIVITIES[0]}",))


def test_cmi5_waived_counts_as_completion():
    learner = account("anovak")
    statements = [cmi5(learner, a) for a in ACTIVITIES[1:]] + [waived(learner, ACTIVITIES[0])]
    statements += [submitted(learner, c) for c in CANVASES]
    assert standing(statements)[f"account:{SITE} anovak"] == (True, ())


def test_units_completed_is_met_by_satisfied_on_the_block_or_by_all_its_activities():
    criteria = compile_criteria(
        [{"rule": "units-completed", "units": ["u1", "u2"]}],
        COURSE.base_iri,
        COURSE.id,
        {"u1": ["u1-a1", "u1-a2"], "u2": ["u2-a1", "u2-a2"]},
    )
    satisfied = {
        "id": "s1",
        "actor": mbox("ana"),
        "verb": {"id": VERBS["satisfied"]},
        "object": {"id": IRIS.unit("u1")},
    }
    statements = [satisfied, completed(mbox("ana"), "u2-a1"), completed(mbox("ana"), "u2-a2")]
    (result,) = evaluate(criteria, statements)
    assert "unit:u1" in result.met and "unit:u2" in result.met
    assert result.missing == ("activity:u1-a1", "activity:u1-a2")


def test_group_actors_are_skipped():
    group = {"objectType": "Group", "mbox": "mailto:team@example.si", "member": [mbox("ana")]}
    assert evaluate(CRITERIA, [completed(group, "u1-a1")]) == []


@pytest.mark.parametrize(
    ("broken", "field", "message"),
    [
        (lambda s: s.pop("verb"), "verb", "expected an object, found nothing"),
        (lambda s: s["object"].update(id=["x"]), "object.id", "expected an IRI string, found an array"),
        (lambda s: s["actor"].pop("account"), "actor", "expected exactly one of mbox, mbox_sha1sum, account, openid"),
        (lambda s: s["actor"].update(account={"name": "x"}), "actor", "account: expected a homePage IRL and a name"),
        (lambda s: s.update(actor={"mbox": "ana@example.si"}), "actor", "expected a 'mailto:' IRI"),
        (lambda s: s["context"].update(contextActivities=[1]), "context.contextActivities", "expected an object"),
    ],
)
def test_a_malformed_statement_is_reported_with_its_position_field_and_expectation(broken, field, message):
    statements = [copy.deepcopy(s) for s in everything(mbox("ana"))]
    statements[3] = cmi5(account("anovak"), "u2-a2")
    broken(statements[3])
    with pytest.raises(StatementError) as raised:
        Evaluator(CRITERIA).add(statements)
    assert raised.value.index == 3
    assert raised.value.field == field
    assert message in raised.value.message


def test_a_statement_that_is_no_object_is_reported():
    with pytest.raises(StatementError, match=r"statement 1: statement: expected a JSON object, found an array"):
        Evaluator(CRITERIA).add([completed(mbox("ana"), "u1-a1"), [1, 2]])
