"""Agent identifiers as keys, and the people file that joins them."""

from __future__ import annotations

import hashlib

import pytest

from xapi.agents import AgentError, Identities, PeopleFileError, agent_keys, load_people

SHA = hashlib.sha1(b"mailto:Ana.Novak@example.si").hexdigest()
SHA_LOWER = hashlib.sha1(b"mailto:ana.novak@example.si").hexdigest()


def test_an_mbox_yields_its_key_and_the_sha1_sums_a_statement_may_carry_instead():
    assert agent_keys({"mbox": "mailto:Ana.Novak@EXAMPLE.si"}) == (
        "mbox:mailto:Ana.Novak@example.si",
        f"mbox_sha1sum:{SHA}",
        f"mbox_sha1sum:{SHA_LOWER}",
    )


def test_account_and_openid_keys():
    assert agent_keys({"account": {"homePage": "https://m.example.si/", "name": "ana"}}) == (
        "account:https://m.example.si ana",
    )
    assert agent_keys({"openid": "https://id.example.si/ana"}) == ("openid:https://id.example.si/ana",)


@pytest.mark.parametrize(
    ("agent", "message"),
    [
        ({}, "expected exactly one of mbox, mbox_sha1sum, account, openid (found none)"),
        ({"mbox": "mailto:a@b.si", "openid": "x"}, "(found mbox, openid)"),
        ({"mbox_sha1sum": "123"}, "mbox_sha1sum: expected 40 hexadecimal digits, found '123'"),
        ({"account": {"name": "ana"}}, "account: expected a homePage IRL and a name"),
    ],
)
def test_an_agent_without_one_valid_identifier_is_refused(agent, message):
    with pytest.raises(AgentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        agent_keys(agent)


def test_identities_join_in_any_order_to_the_same_person():
    one, two = Identities(), Identities()
    one.same("b", "c")
    one.same("a", "c")
    two.same("a", "b")
    two.same("c", "b")
    assert one.find("c") == two.find("c") == "a"
    assert one.groups(["a", "b", "c", "d"]) == {"a": ["a", "b", "c"], "d": ["d"]}


def test_a_yaml_people_file_joins_each_set(tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text(
        "- - mbox: mailto:ana@example.si\n"
        "  - account: {homePage: https://m.example.si, name: anovak}\n"
        "- - openid: https://id.example.si/bojan\n"
        "  - mbox_sha1sum: " + "a" * 40 + "\n",
        encoding="utf-8",
    )
    loaded = load_people(path)
    assert loaded.warnings == ()
    people = loaded.identities
    assert people.find("account:https://m.example.si anovak") == people.find("mbox:mailto:ana@example.si")
    assert people.find("openid:https://id.example.si/bojan") == people.find("mbox_sha1sum:" + "a" * 40)
    assert people.find("mbox:mailto:ana@example.si") != people.find("mbox_sha1sum:" + "a" * 40)


def test_a_json_people_file_works_the_same(tmp_path):
    path = tmp_path / "people.json"
    path.write_text('[[{"mbox": "mailto:ana@example.si"}, {"openid": "https://id.example.si/ana"}]]', encoding="utf-8")
    people = load_people(path).identities
    assert people.find("openid:https://id.example.si/ana") == people.find("mbox:mailto:ana@example.si")


def test_a_bad_agent_in_the_people_file_is_reported_with_line_and_item(tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text("- - mbox: mailto:ana@example.si\n  - name: Ana only\n", encoding="utf-8")
    with pytest.raises(PeopleFileError) as raised:
        load_people(path)
    assert str(raised.value) == (
        f"{path}:2: [0][1]: expected exactly one of mbox, mbox_sha1sum, account, openid (found none)"
    )


def test_a_people_file_that_is_no_list_or_no_json_is_reported(tmp_path):
    (tmp_path / "p.yaml").write_text("ana: bojan\n", encoding="utf-8")
    with pytest.raises(PeopleFileError, match=r"p\.yaml:1: expected a list of identifier sets"):
        load_people(tmp_path / "p.yaml")
    (tmp_path / "p.json").write_text('[[{"mbox": }]]', encoding="utf-8")
    with pytest.raises(PeopleFileError, match=r"p\.json:1: expected JSON: Expecting value"):
        load_people(tmp_path / "p.json")


def test_people_sets_that_share_an_identifier_are_merged_with_a_warning_naming_both(tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text(
        "- - mbox: mailto:ana@example.si\n"
        "  - account: {homePage: https://m.example.si, name: anovak}\n"
        "- - mbox: mailto:bojan@example.si\n"
        "- - account: {homePage: https://m.example.si, name: anovak}\n"
        "  - mbox: mailto:bojan@example.si\n"
        "  - mbox: mailto:bojan@example.si\n",
        encoding="utf-8",
    )
    loaded = load_people(path)
    assert [str(w) for w in loaded.warnings] == [
        f"{path}:4: [2][0]: account:https://m.example.si anovak is also in identifier set [0] (line 2), "
        "so the two sets are merged into one person",
        f"{path}:5: [2][1]: mbox:mailto:bojan@example.si is also in identifier set [1] (line 3), "
        "so the two sets are merged into one person",
    ]
    people = loaded.identities
    assert people.find("mbox:mailto:ana@example.si") == people.find("mbox:mailto:bojan@example.si")


def test_an_address_and_its_hash_in_two_sets_is_an_overlap_too(tmp_path):
    from xapi.agents import mbox_sha1sum

    path = tmp_path / "people.json"
    path.write_text(
        '[[{"mbox": "mailto:ana@example.si"}],\n'
        f' [{{"mbox_sha1sum": "{mbox_sha1sum("mailto:ana@example.si")}"}}, {{"openid": "https://id.example.si/x"}}]]',
        encoding="utf-8",
    )
    (warning,) = load_people(path).warnings
    assert str(warning).startswith(f"{path}:2: [1][0]: mbox_sha1sum:")
    assert str(warning).endswith("is also in identifier set [0] (line 1), so the two sets are merged into one person")
