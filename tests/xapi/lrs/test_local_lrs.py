"""The local LRS (xapi/lrs/local.py): microquest's own LRS on a thread of this process, in memory by default."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from tests.samples import statement
from xapi.lrs.client import LrsClient
from xapi.lrs.local import LocalLrs, LocalLrsError

pytestmark = pytest.mark.lrs


def test_a_local_lrs_starts_in_well_under_a_second_and_serves_statements_and_state():
    with LocalLrs() as lrs:
        assert lrs.startup_seconds < 1.0
        client = LrsClient(lrs.endpoint, lrs.auth)
        made = statement()
        assert client.put_statement(made) == "stored"
        answer = requests.put(
            lrs.endpoint + "activities/state",
            params={"activityId": made["object"]["id"], "agent": '{"mbox":"mailto:ana@example.si"}', "stateId": "s"},
            json={"answers": 1},
            headers={"Authorization": lrs.auth, "X-Experience-API-Version": "1.0.3"},
        )
        assert answer.status_code == 204


def test_the_repr_never_shows_the_credentials():
    with LocalLrs() as lrs:
        assert lrs.auth.partition(" ")[2] not in repr(lrs)
        assert lrs.endpoint in repr(lrs)


def test_each_start_makes_new_credentials_and_the_old_ones_are_refused():
    with LocalLrs() as first:
        old = first.auth
    with LocalLrs() as second:
        assert second.auth != old
        answer = requests.get(
            second.endpoint + "statements", headers={"Authorization": old, "X-Experience-API-Version": "1.0.3"}
        )
        assert answer.status_code == 401


def test_a_database_file_keeps_the_statements_from_one_start_to_the_next(tmp_path):
    database = f"sqlite:///{tmp_path / 'lrs.db'}"
    made = statement()
    with LocalLrs(database) as lrs:
        LrsClient(lrs.endpoint, lrs.auth).put_statement(made)
    with LocalLrs(database) as lrs:
        assert [s["id"] for s in LrsClient(lrs.endpoint, lrs.auth).statements()] == [made["id"]]


def test_a_busy_port_is_reported_before_anything_starts():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(LocalLrsError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: "):
            LocalLrs(port=port).start()


def test_after_stop_the_port_is_closed_and_no_thread_is_left():
    before = {thread.name for thread in threading.enumerate()}
    lrs = LocalLrs().start()
    port = int(lrs.origin.rsplit(":", 1)[1])
    lrs.stop()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert {thread.name for thread in threading.enumerate()} - before == set()


def test_a_request_for_another_host_name_is_refused(lrs):
    answer = requests.get(lrs.endpoint + "about", headers={"Host": "attacker.example"})
    assert answer.status_code == 400
    assert requests.get(lrs.endpoint + "about").status_code == 200
