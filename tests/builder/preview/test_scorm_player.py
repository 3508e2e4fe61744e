"""The preview LMS: tiny SCORM 1.2 and 2004 packages played in headless Debian Chromium
against scorm-again, with their commits stored, restored and refused by the server."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from builder.preview.cmi import Learner, ScoState, launch_cmi
from builder.preview.scorm_packages import PreviewError, launch_url, parse_manifest
from builder.preview.scorm_player import PreviewServer
from tests.project import AXE

VERSIONS = ["1.2", "2004"]
NAMES = {"1.2": "tiny-scorm12", "2004": "tiny-scorm2004"}
INITIALIZE = {"1.2": "LMSInitialize", "2004": "Initialize"}
COMMIT = {"1.2": "LMSCommit", "2004": "Commit"}
FINISH = {"1.2": "LMSFinish", "2004": "Terminate"}
GET = {"1.2": "LMSGetValue", "2004": "GetValue"}
ENTRY = {"1.2": "cmi.core.entry", "2004": "cmi.entry"}
LOCATION = {"1.2": "cmi.core.lesson_location", "2004": "cmi.location"}
TOTAL_TIME = {"1.2": "cmi.core.total_time", "2004": "cmi.total_time"}
SUSPEND_DATA = "obiski=1;odgovor=Čebelarji in šivilje"
# What Chromium and scorm-again print to the console when the LMS answers a commit with HTTP 500
REFUSED_COMMIT_ERRORS = [
    "Failed to load resource: the server responded with a status of 500 (Internal Server Error)",
    "throwSCORMError     : api                                             101: No specific error code exists to describe the error.",
    "SCORM Error 101: No specific error code exists to describe the error. [Element: api]",
]

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="tiny-{tag}" version="1.0" xmlns="{cp}" xmlns:adlcp="{adlcp}">
  <metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Preizkusni paket {version}</title>
      <item identifier="unit-1">
        <title>Enota 1: Mikrodokazila</title>
        <item identifier="sco-a" identifierref="res-a" parameters="?del=a">
          <title>Aktivnost 1.1</title>
          <adlcp:{datafromlms}>podatki iz LMS</adlcp:{datafromlms}>
        </item>
        <item identifier="sco-b" identifierref="res-b"><title>Aktivnost 1.2</title></item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res-a" type="webcontent" adlcp:{scormtype}="sco" href="sco/a.html"><file href="sco/a.html"/></resource>
    <resource identifier="res-b" type="webcontent" adlcp:{scormtype}="sco" href="sco/b.html"><file href="sco/b.html"/></resource>
  </resources>
</manifest>
"""
MANIFEST_VALUES = {
    "1.2": {
        "tag": "12",
        "cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
        "schemaversion": "1.2",
        "datafromlms": "datafromlms",
        "scormtype": "scormtype",
    },
    "2004": {
        "tag": "2004",
        "cp": "http://www.imsglobal.org/xsd/imscp_v1p1",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
        "schemaversion": "2004 4th Edition",
        "datafromlms": "dataFromLMS",
        "scormtype": "scormType",
    },
}

# A SCO: on load it finds the API in a parent window, initialises and reads what
# the LMS gave it; "Shrani" stores status, location and suspend_data and commits;
# "Končaj" finishes. It counts its visits in suspend_data.
SCO = """<!DOCTYPE html>
<html lang="sl">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>{title}</title></head>
<body>
<main>
<h1>{title}</h1>
<p>Vstop: <output id="entry"></output></p>
<button type="button" id="save">Shrani</button>
<button type="button" id="finish">Končaj</button>
</main>
<script>
var names = {names};
function findApi(win) {{
  for (var hops = 0; win && hops < 10; hops++) {{
    if (win[names.api]) {{ return win[names.api]; }}
    if (win.parent === win) {{ break; }}
    win = win.parent;
  }}
  return null;
}}
var api = findApi(window);
api[names.initialize]("");
var entry = api[names.get](names.entry);
var visits = Number((/obiski=(\\d+)/.exec(api[names.get]("cmi.suspend_data")) || [0, 0])[1]) + 1;
api[names.get](names.location);
api[names.get](names.totalTime);
api[names.get](names.learnerName);
document.getElementById("entry").textContent = entry;
document.getElementById("save").addEventListener("click", function () {{
  api[names.set](names.status[0], names.status[1]);
  api[names.set](names.location, "stran-" + visits);
  api[names.set]("cmi.suspend_data", "obiski=" + visits + ";odgovor=Čebelarji in šivilje");
  api[names.set](names.exit, "suspend");
  api[names.set](names.sessionTime, names.fiveSeconds);
  api[names.commit]("");
}});
document.getElementById("finish").addEventListener("click", function () {{ api[names.finish](""); }});
</script>
</body>
</html>
"""
SCO_NAMES = {
    "1.2": {
        "api": "API",
        "initialize": "LMSInitialize",
        "get": "LMSGetValue",
        "set": "LMSSetValue",
        "commit": "LMSCommit",
        "finish": "LMSFinish",
        "entry": "cmi.core.entry",
        "location": "cmi.core.lesson_location",
        "totalTime": "cmi.core.total_time",
        "learnerName": "cmi.core.student_name",
        "status": ["cmi.core.lesson_status", "incomplete"],
        "exit": "cmi.core.exit",
        "sessionTime": "cmi.core.session_time",
        "fiveSeconds": "0000:00:05",
    },
    "2004": {
        "api": "API_1484_11",
        "initialize": "Initialize",
        "get": "GetValue",
        "set": "SetValue",
        "commit": "Commit",
        "finish": "Terminate",
        "entry": "cmi.entry",
        "location": "cmi.location",
        "totalTime": "cmi.total_time",
        "learnerName": "cmi.learner_name",
        "status": ["cmi.completion_status", "incomplete"],
        "exit": "cmi.exit",
        "sessionTime": "cmi.session_time",
        "fiveSeconds": "PT5S",
    },
}


def make_package(folder: Path, version: str) -> Path:
    path = folder / f"{NAMES[version]}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST.format(version=version, **MANIFEST_VALUES[version]))
        for name, title in (("a", "Aktivnost 1.1"), ("b", "Aktivnost 1.2")):
            archive.writestr(f"sco/{name}.html", SCO.format(title=title, names=json.dumps(SCO_NAMES[version])))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("packages")
    with PreviewServer([make_package(folder, version) for version in VERSIONS]) as running:
        yield running


@pytest.fixture
def preview(server):
    """The module's server with nothing stored."""
    server.clear()
    return server


@pytest.fixture
def player(page, preview):
    """A page that records every request that does not go to the preview server."""
    page.outside_requests = []
    page.on("request", lambda r: None if r.url.startswith(preview.url) else page.outside_requests.append(r.url))
    return page


def open_player(page, server, version, query=""):
    page.goto(f"{server.url}play/{NAMES[version]}/{query}")
    page.wait_for_load_state("load")


def launch(page, sco):
    """Click the SCO in the table of contents and wait until it has initialised."""
    launches = page.evaluate("window.lmsLaunches.length")
    page.get_by_role("button", name={"sco-a": "Aktivnost 1.1", "sco-b": "Aktivnost 1.2"}[sco]).click()
    page.wait_for_function(
        "n => window.lmsLaunches.length > n && window.lmsLog.length > 5", arg=launches, timeout=10_000
    )
    return page.evaluate("window.lmsLog")


def sco_click(page, button):
    page.frame_locator("#sco-frame").locator(f"#{button}").click()


def call(log, method, *args):
    """The last logged call of `method` with these arguments."""
    found = [entry for entry in log if entry["method"] == method and tuple(entry["args"][: len(args)]) == args]
    assert found, f"no {method}{args} in {[e['method'] for e in log]}"
    return found[-1]


def stored(server, version, sco):
    with urllib.request.urlopen(f"{server.url}api/state/{NAMES[version]}/{sco}") as response:
        return json.load(response)


def wait_for_stored(server, version, sco, condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        state = stored(server, version, sco)
        if condition(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def session(state, version):
    return state["cmi"]["core"] if version == "1.2" else state["cmi"]


def fetch(server, path):
    connection = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1].strip("/")))
    connection.request("GET", path)
    response = connection.getresponse()
    result = response.status, response.getheader("Content-Type"), response.read()
    connection.close()
    return result


# ---------------------------------------------------------------- in Chromium


@pytest.mark.parametrize("version", VERSIONS)
def test_player_lists_the_units_and_the_launchable_scos(player, preview, version):
    open_player(player, preview, version)
    assert player.locator("html").get_attribute("lang") == "sl"
    assert player.locator("h1").inner_text() == f"Preizkusni paket {version}"
    assert player.locator("nav.toc h3").all_inner_texts() == ["Enota 1: Mikrodokazila"]
    assert player.locator("nav.toc button").all_inner_texts() == ["Aktivnost 1.1", "Aktivnost 1.2"]
    assert player.console_errors == []
    assert player.outside_requests == []


def test_index_links_every_package_to_its_player(player, preview):
    player.goto(preview.url)
    links = player.locator("main a")
    assert links.all_inner_texts() == ["Preizkusni paket 1.2", "Preizkusni paket 2004"]
    links.first.click()
    player.wait_for_load_state("load")
    assert player.url == f"{preview.url}play/tiny-scorm12/"
    assert player.console_errors == []


@pytest.mark.parametrize("version", VERSIONS)
def test_launch_creates_the_right_api_before_the_sco_initialises_without_error(player, preview, version):
    open_player(player, preview, version)
    log = launch(player, "sco-a")
    assert log[0] == {"sco": "sco-a", "method": INITIALIZE[version], "args": [""], "result": "true", "errorCode": "0"}
    apis = player.evaluate("[typeof window.API, typeof window.API_1484_11]")
    assert apis == (["object", "undefined"] if version == "1.2" else ["undefined", "object"])
    assert call(log, GET[version], ENTRY[version])["result"] == "ab-initio"
    learner_name = "cmi.core.student_name" if version == "1.2" else "cmi.learner_name"
    assert call(log, GET[version], learner_name)["result"] == "Novak, Ana"
    assert player.frame_locator("#sco-frame").locator("#entry").inner_text() == "ab-initio"
    src = player.locator("#sco-frame").get_attribute("src")
    assert src == f"/pkg/{NAMES[version]}/sco/a.html?del=a"
    assert player.get_by_role("button", name="Aktivnost 1.1").get_attribute("aria-current") == "true"
    assert player.console_errors == []
    assert player.outside_requests == []


@pytest.mark.parametrize("version", VERSIONS)
def test_committed_data_is_stored_by_the_server_and_shown_in_the_player(player, preview, version):
    open_player(player, preview, version)
    launch(player, "sco-a")
    sco_click(player, "save")
    player.wait_for_function("m => window.lmsLog.some(e => e.method === m)", arg=COMMIT[version])
    log = player.evaluate("window.lmsLog")
    assert call(log, COMMIT[version]) == {
        "sco": "sco-a",
        "method": COMMIT[version],
        "args": [""],
        "result": "true",
        "errorCode": "0",
    }
    assert [e for e in log if e["errorCode"] != "0" and e["method"] != GET[version]] == []
    state = stored(preview, version, "sco-a")
    assert state["commits"] == 1 and state["terminated"] is False
    assert state["cmi"]["suspend_data"] == SUSPEND_DATA
    assert session(state, version)[LOCATION[version].rsplit(".", 1)[1]] == "stran-1"
    assert session(state, version)["exit"] == "suspend"
    assert stored(preview, version, "sco-b")["cmi"] is None
    panel = player.locator("#cmi-table").inner_text()
    assert "cmi.suspend_data" in panel and SUSPEND_DATA in panel
    assert player.console_errors == []
    assert player.outside_requests == []


@pytest.mark.parametrize("version", VERSIONS)
def test_relaunch_after_suspend_resumes_with_the_same_suspend_data_and_location(player, preview, version):
    open_player(player, preview, version)
    launch(player, "sco-a")
    sco_click(player, "save")
    sco_click(player, "finish")
    player.wait_for_function("m => window.lmsLog.some(e => e.method === m)", arg=FINISH[version])
    assert call(player.evaluate("window.lmsLog"), FINISH[version])["result"] == "true"
    # scorm-again sends the Finish/Terminate commit with navigator.sendBeacon
    state = wait_for_stored(preview, version, "sco-a", lambda s: s["terminated"])
    assert state["terminated"] is True and state["commits"] == 2

    launch(player, "sco-b")
    log = launch(player, "sco-a")
    assert call(log, GET[version], ENTRY[version])["result"] == "resume"
    assert call(log, GET[version], "cmi.suspend_data")["result"] == SUSPEND_DATA
    assert call(log, GET[version], LOCATION[version])["result"] == "stran-1"
    assert call(log, GET[version], TOTAL_TIME[version])["result"] == ("00:00:05" if version == "1.2" else "PT5S")
    assert [launched["sco"] for launched in player.evaluate("window.lmsLaunches")] == ["sco-a", "sco-b", "sco-a"]
    assert call(launch(player, "sco-b"), GET[version], ENTRY[version])["result"] == "ab-initio"
    assert player.console_errors == []
    assert player.outside_requests == []


@pytest.mark.parametrize("version", VERSIONS)
def test_refused_commit_returns_false_and_leaves_the_stored_data_unchanged(player, preview, version):
    open_player(player, preview, version)
    launch(player, "sco-a")
    sco_click(player, "save")
    player.wait_for_function("m => window.lmsLog.some(e => e.method === m)", arg=COMMIT[version])
    before = stored(preview, version, "sco-a")
    assert before["cmi"]["suspend_data"] == SUSPEND_DATA

    open_player(player, preview, version, "?fail_commits=1")
    assert "zavrne" in player.locator(".player-meta").inner_text()
    log = launch(player, "sco-a")
    assert call(log, GET[version], ENTRY[version])["result"] == "resume"
    sco_click(player, "save")
    player.wait_for_function("m => window.lmsLog.some(e => e.method === m)", arg=COMMIT[version])
    commit = call(player.evaluate("window.lmsLog"), COMMIT[version])
    assert (commit["result"], commit["errorCode"]) == ("false", "101")
    assert stored(preview, version, "sco-a") == before
    assert "ni uspelo" in player.locator("#commit-status").inner_text()
    assert player.console_errors == REFUSED_COMMIT_ERRORS
    assert player.outside_requests == []


def test_server_flag_refuses_every_commit(player, preview):
    preview.fail_commits = True
    try:
        open_player(player, preview, "1.2", "?sco=sco-b")
        player.wait_for_function("window.lmsLog.length > 5")
        sco_click(player, "save")
        player.wait_for_function("window.lmsLog.some(e => e.method === 'LMSCommit')")
        assert call(player.evaluate("window.lmsLog"), "LMSCommit")["result"] == "false"
        assert stored(preview, "1.2", "sco-b")["commits"] == 0
    finally:
        preview.fail_commits = False


def test_learners_keep_separate_data(player, preview):
    open_player(player, preview, "2004", "?learner_id=learner-2&learner_name=Kranjc,%20Miha&sco=sco-a")
    player.wait_for_function("window.lmsLog.length > 5")
    assert call(player.evaluate("window.lmsLog"), "GetValue", "cmi.learner_name")["result"] == "Kranjc, Miha"
    sco_click(player, "save")
    player.wait_for_function("window.lmsLog.some(e => e.method === 'Commit')")
    with urllib.request.urlopen(f"{preview.url}api/state/tiny-scorm2004/sco-a?learner_id=learner-2") as response:
        assert json.load(response)["cmi"]["learner_id"] == "learner-2"
    assert stored(preview, "2004", "sco-a")["cmi"] is None


@pytest.mark.parametrize("version", VERSIONS)
def test_player_has_no_serious_axe_violation_and_fits_a_phone(browser, preview, version):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(f"{preview.url}play/{NAMES[version]}/?sco=sco-a")
        page.wait_for_function("window.lmsLog.length > 5")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        )
        serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


# ---------------------------------------------------------------- over HTTP


def test_responses_have_the_right_content_type(preview):
    expected = {
        "/": "text/html; charset=utf-8",
        "/play/tiny-scorm12/": "text/html; charset=utf-8",
        "/pkg/tiny-scorm12/sco/a.html": "text/html; charset=utf-8",
        "/pkg/tiny-scorm2004/imsmanifest.xml": "application/xml",
        "/scorm-again/scorm12.min.js": "application/javascript; charset=utf-8",
        "/scorm-again/scorm2004.min.js": "application/javascript; charset=utf-8",
        "/player/player.js": "application/javascript; charset=utf-8",
        "/player/player.css": "text/css; charset=utf-8",
        "/api/state/tiny-scorm12/sco-a": "application/json",
        "/api/launch/tiny-scorm2004/sco-b": "application/json",
    }
    assert {path: fetch(preview, path)[:2] for path in expected} == {path: (200, t) for path, t in expected.items()}


@pytest.mark.parametrize(
    "path",
    [
        "/nothing",
        "/play/unknown/",
        "/play/tiny-scorm12",
        "/pkg/tiny-scorm12/sco/missing.html",
        "/pkg/tiny-scorm12/../../../../etc/passwd",
        "/pkg/tiny-scorm12/%2e%2e/%2e%2e/etc/passwd",
        "/pkg/tiny-scorm12/sco/",
        "/scorm-again/scorm-again.js",
        "/scorm-again/../package.json",
        "/player/index.html.j2",
        "/api/state/tiny-scorm12/unit-1",
        "/api/state/tiny-scorm12/nobody",
    ],
)
def test_unknown_paths_and_traversal_get_404(preview, path):
    assert fetch(preview, path)[0] == 404


def test_commit_endpoint_stores_json_and_refuses_on_request(preview):
    url = f"{preview.url}api/commit/tiny-scorm12/sco-a?learner_id=learner-1"
    body = json.dumps({"cmi": {"core": {"lesson_location": "x"}}}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "text/plain;charset=UTF-8"})
    with urllib.request.urlopen(request) as response:
        assert json.load(response) == {"result": "true", "errorCode": 0}
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url + "&fail_commits=1", body))
    assert refused.value.code == 500
    assert stored(preview, "1.2", "sco-a")["commits"] == 1


def port_of(server):
    return int(server.url.rsplit(":", 1)[1].strip("/"))


def request_with_host(server, method, path, host, body=b"", headers=None):
    """A request whose Host header is `host` (None: no Host header at all), as a rebound DNS name sends it."""
    connection = http.client.HTTPConnection("127.0.0.1", port_of(server))
    connection.putrequest(method, path, skip_host=True)
    if host is not None:
        connection.putheader("Host", host)
    for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    result = response.status, response.read()
    connection.close()
    return result


@pytest.mark.parametrize(
    "host", ["evil.example:{port}", "127.0.0.1.nip.io:{port}", "127.0.0.1:1", "127.0.0.1", "localhost", "", None]
)
def test_a_host_other_than_127_0_0_1_or_localhost_with_the_port_is_refused_with_421(preview, host):
    host = host.format(port=port_of(preview)) if host is not None else None
    for path in ("/", "/play/tiny-scorm12/", "/api/state/tiny-scorm12/sco-a"):
        assert request_with_host(preview, "GET", path, host) == (
            421,
            b"421 this server answers to 127.0.0.1 and localhost only\n",
        )
    commit = json.dumps({"cmi": {"core": {"lesson_location": "x"}}}).encode()
    status, _ = request_with_host(preview, "POST", "/api/commit/tiny-scorm12/sco-a", host, commit)
    assert status == 421 and preview.state("tiny-scorm12", "sco-a").commits == 0


def test_127_0_0_1_and_localhost_with_the_port_are_answered(preview):
    port = port_of(preview)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost:{port}"):
        assert request_with_host(preview, "GET", "/play/tiny-scorm12/", host)[0] == 200, host


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(preview):
    host = f"127.0.0.1:{port_of(preview)}"
    status, body = request_with_host(
        preview, "POST", "/api/commit/tiny-scorm12/sco-a", host, headers={"Content-Length": str(64 * 1024 * 1024)}
    )
    assert (status, body) == (413, b"413 request body too large\n")
    assert preview.state("tiny-scorm12", "sco-a").commits == 0


def test_other_methods_are_refused_with_405(preview):
    assert (
        request_with_host(preview, "PUT", "/api/commit/tiny-scorm12/sco-a", f"127.0.0.1:{port_of(preview)}")[0] == 405
    )


def test_requests_are_not_logged_unless_verbose(preview, capfd):
    for path in ("/", "/nothing", "/play/tiny-scorm12/"):
        fetch(preview, path)
    assert capfd.readouterr().err == ""


# ---------------------------------------------------------------- the library


def test_manifest_gives_version_title_units_and_launch_urls(tmp_path):
    for version in VERSIONS:
        manifest = parse_manifest(MANIFEST.format(version=version, **MANIFEST_VALUES[version]).encode())
        assert (manifest.version, manifest.title) == (version, f"Preizkusni paket {version}")
        (unit,) = manifest.items
        assert (unit.title, unit.launch) == ("Enota 1: Mikrodokazila", None)
        assert [(i.identifier, i.launch) for i in unit.children] == [
            ("sco-a", "sco/a.html?del=a"),
            ("sco-b", "sco/b.html"),
        ]
        assert unit.children[0].lms_data == (("cmi.launch_data", "podatki iz LMS"),)


@pytest.mark.parametrize(
    ("href", "parameters", "url"),
    [
        ("a.html", None, "a.html"),
        ("a.html", "?x=1", "a.html?x=1"),
        ("a.html?y=2", "?x=1", "a.html?y=2&x=1"),
        ("a.html", "x=1", "a.html?x=1"),
        ("a.html", "#p2", "a.html#p2"),
        ("a.html#p1", "#p2", "a.html#p1"),
    ],
)
def test_item_parameters_join_the_href_as_scorm_cam_says(href, parameters, url):
    assert launch_url(href, parameters) == url


@pytest.mark.parametrize(
    ("schemaversion", "accepted"),
    [("2004 3rd Edition", True), ("CAM 1.3", True), ("1.1", False), ("", False)],
)
def test_schemaversion_decides_the_scorm_version(schemaversion, accepted):
    xml = MANIFEST.format(version="x", **{**MANIFEST_VALUES["2004"], "schemaversion": schemaversion}).encode()
    if accepted:
        assert parse_manifest(xml).version == "2004"
    else:
        with pytest.raises(PreviewError, match="schemaversion"):
            parse_manifest(xml)


def test_next_launch_adds_an_unfinished_sessions_time_to_the_total():
    item = parse_manifest(MANIFEST.format(version="1.2", **MANIFEST_VALUES["1.2"]).encode()).items[0].children[1]
    state = ScoState(
        {"core": {"total_time": "0001:00:00", "session_time": "00:30:00.5", "exit": "", "lesson_status": "completed"}},
        commits=1,
        terminated=False,
    )
    core = launch_cmi("1.2", state, Learner("l-9", "Zupan, Eva"), item)["core"]
    assert core == {
        "total_time": "0001:30:00.50",
        "lesson_status": "completed",
        "entry": "",
        "student_id": "l-9",
        "student_name": "Zupan, Eva",
        "credit": "credit",
        "lesson_mode": "normal",
    }
    timed_out = {"total_time": "PT1H", "session_time": "PT1M30.25S", "exit": "time-out", "suspend_data": "s"}
    cmi = launch_cmi("2004", ScoState(timed_out, commits=3), Learner(), item)
    assert (cmi["entry"], cmi["total_time"]) == ("resume", "PT1H1M30.25S")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.zip", b"not a zip", "not a zip file"),
        ("empty.zip", None, "no imsmanifest.xml"),
    ],
)
def test_unusable_package_is_a_preview_error(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("index.html", "<p>no manifest</p>")
    else:
        path.write_bytes(content)
    with pytest.raises(PreviewError, match=re.escape(message)):
        PreviewServer([path])


def test_package_whose_item_launches_a_missing_file_is_a_preview_error(tmp_path):
    path = tmp_path / "gap.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST.format(version="1.2", **MANIFEST_VALUES["1.2"]))
        archive.writestr("sco/a.html", "<p>a</p>")
    with pytest.raises(PreviewError, match="'sco-b' launches 'sco/b.html', which is not in the zip"):
        PreviewServer([path])
