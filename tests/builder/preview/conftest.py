"""The synthetic packages of tests/xapi/samples.py as zips, written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.samples import CMI5_XML, INDEX_HTML, TINCAN_XML, write_zip


@pytest.fixture(scope="session")
def xapi_zip(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("xapi-zip")
    return write_zip(folder / "test-xapi.zip", {"tincan.xml": TINCAN_XML, "index.html": INDEX_HTML})


@pytest.fixture(scope="session")
def cmi5_zip(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cmi5-zip")
    pages = {"activities/u1-a1.html": INDEX_HTML, "activities/u1-a2.html": INDEX_HTML}
    return write_zip(folder / "test-cmi5.zip", {"cmi5.xml": CMI5_XML, **pages})
