"""The LTI tables live beside the LRS's: in the same file or server, through the LRS's own engine."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from lti.local import LocalLtiTool
from lti.store import LtiDatabase, LtiDatabaseError
from tests.lti.conftest import register
from xapi.lrs.store import LrsStore


def test_the_tool_shares_the_lrs_s_database_and_engine(tmp_path, lti_platform):
    lrs = LrsStore.open(f"sqlite:///{tmp_path / 'microquest.db'}")
    tool = LocalLtiTool(None, engine=lrs.engine, outbox_interval=3600.0).start()
    try:
        register(lti_platform, tool)
    finally:
        tool.stop()

    tables = set(inspect(lrs.engine).get_table_names())
    assert {"statements", "documents", "lti_platforms", "lti_launches", "lti_outbox"} <= tables
    assert len(LtiDatabase.sharing(lrs.engine).all_platforms()) == 1  # the engine outlived the tool
    lrs.close()


@pytest.mark.parametrize(
    ("url", "words"), [("mysql://host/db", "SQLite or PostgreSQL"), ("not a url", "is not a database URL")]
)
def test_an_unusable_database_url_says_so(url, words):
    with pytest.raises(LtiDatabaseError, match=words):
        LtiDatabase.open(url)
