"""The learner's page of a credential: every element of a real signed credential shown, everything
escaped, nothing fetched; in Chromium no axe-core violation at 1280 and 360 px, nothing wider than a
phone, and one or two A4 pages when printed."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from jinja2 import Environment

from builder.render import environment
from credentials.baking import badge_svg, bake_svg, credential_json
from credentials.learner_page import (
    UNNAMED_HOLDER,
    VERIFIERS,
    LearnerPageError,
    learner_page,
    slovenian_date,
    workload_label,
)
from tests.project import AXE

STEM = "0b8f2a52-7a3c-4d55-9c1e-2f6d7e8a9b10"
JSON, SVG, EUROPASS = f"{STEM}.json", f"{STEM}.svg", f"{STEM}.europass.jsonld"
HOSTILE = "O'Brien & <b>"
HOSTILE_ESCAPED = "O&#39;Brien &amp; &lt;b&gt;"
EU_LABELS = (
    "Identifikacija učeče se osebe",
    "Naziv mikrodokazila",
    "Država/regija izdajatelja",
    "Organ, ki podeljuje mikrodokazilo",
    "Datum izdaje",
    "Učni izidi",
    "Predvidena delovna obremenitev za doseganje učnih izidov",
    "Raven (EOK)",
    "Vrsta ocenjevanja",
    "Oblika sodelovanja pri učni dejavnosti",
    "Vrsta zagotavljanja kakovosti",
)


def render(document: dict[str, Any], **files: Any) -> str:
    names = {"json_file": JSON, "badge_file": SVG, **files}
    return learner_page(document, environment=environment(), **names)


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def text(node: lxml.html.HtmlElement) -> str:
    return " ".join(node.text_content().split())


def pairs(dl: lxml.html.HtmlElement) -> dict[str, str]:
    """A definition list's terms and their values (each pair in its own div)."""
    return {text(div.find("dt")): text(div.find("dd")) for div in dl.xpath("./div")}


def outcomes_of(document: dict[str, Any]) -> list[str]:
    alignment = document["credentialSubject"]["achievement"]["alignment"]
    return [a["targetName"] for a in alignment if a.get("targetType") == "ext:LearningOutcome"]


def without_name(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    subject = changed["credentialSubject"]
    subject["identifier"] = [i for i in subject["identifier"] if i["identityType"] != "ext:name"]
    return changed


def test_the_page_of_a_signed_credential_shows_every_element(signed):
    html = render(signed, europass_file=EUROPASS)
    root = parse(html)
    achievement = signed["credentialSubject"]["achievement"]
    assert root.get("lang") == "sl"
    assert text(root.find(".//h1")) == signed["name"]
    assert text(root.find_class("holder")[0]) == "Ana Novak"
    assert achievement["description"] in text(root)
    assert pairs(root.find_class("facts")[0]) == {
        "Izdajatelj": signed["issuer"]["name"],
        "Datum izdaje": "2. junija 2025",
        "Obseg": "12 ur",
    }
    assert root.xpath("//time")[0].get("datetime") == signed["validFrom"]
    assert text(root.xpath("//time")[0]) == "2. junija 2025"

    # The 11 EU elements, numbered and labelled in Slovenian, in the Recommendation's order.
    elements = root.find_class("elements")[0]
    terms = [text(dt) for dt in elements.xpath("./div/dt")]
    assert terms == [f"{n} {label}" for n, label in enumerate(EU_LABELS, start=1)]
    values = dict(zip(EU_LABELS, (text(dd) for dd in elements.xpath("./div/dd")), strict=True))
    assert values["Identifikacija učeče se osebe"].startswith("Ana Novak Identifikator: e-poštni naslov")
    assert values["Naziv mikrodokazila"] == signed["name"]
    assert values["Država/regija izdajatelja"] == "Slovenija (SI)"
    assert values["Organ, ki podeljuje mikrodokazilo"] == f"{signed['issuer']['name']} {signed['issuer']['url']}"
    assert values["Datum izdaje"] == "2. junija 2025"
    assert values["Učni izidi"] == "36 učnih izidov, navedenih spodaj"
    assert values["Predvidena delovna obremenitev za doseganje učnih izidov"] == "12 ur"
    assert values["Raven (EOK)"] == "ni navedena"
    assessment = [text(li) for li in elements.xpath("./div[9]/dd//li")]
    assert assessment == achievement["typeOfAssessment"]
    assert values["Oblika sodelovanja pri učni dejavnosti"] == "kombinirano (v živo in prek spleta)"
    assert values["Vrsta zagotavljanja kakovosti"] == (
        f"notranje zagotavljanje kakovosti model: {achievement['qualityAssuranceModel']}"
    )

    # The learning outcomes as a list, in the credential's order, under the activity that names them.
    assert [text(li) for li in root.xpath("//ul[@class='outcomes']/li")] == outcomes_of(signed)
    assert len(outcomes_of(signed)) == 36
    headings = [text(h3) for h3 in root.xpath("//div[@class='outcome-group']/h3")]
    assert headings == list(dict.fromkeys(a["targetDescription"] for a in achievement["alignment"]))
    assert root.xpath("//a[@href='#ucni-izidi']") and root.get_element_by_id("ucni-izidi") is not None

    # How to verify it: microquest verify, any OB 3.0 verifier, the credential's id and issuer key.
    verify = text(root.find_class("verify")[0])
    assert "Preverite ga z ukazom" in verify
    assert f"microquest verify {JSON}" in verify
    assert "s katerim koli preverjevalnikom Open Badges 3.0" in verify
    assert signed["id"] in verify and signed["issuer"]["id"] in verify
    assert "eddsa-rdfc-2022, ustvarjen 2. junija 2025" in verify
    assert "sama ni podpisana" in verify
    for verifier in VERIFIERS:
        assert root.xpath(f"//a[@href='{verifier.href}']")

    # Downloads: the siblings, relatively.
    downloads = root.find_class("downloads")[0]
    assert [a.get("href") for a in downloads.xpath(".//a")] == [JSON, SVG, EUROPASS]
    assert all(a.get("download") is not None for a in downloads.xpath(".//a"))
    assert render(signed, europass_file=EUROPASS) == html


def test_the_europass_link_is_there_only_when_there_is_a_europass_file(signed):
    hrefs = [a.get("href") for a in parse(render(signed)).find_class("downloads")[0].xpath(".//a")]
    assert hrefs == [JSON, SVG]
    assert "Europass" not in text(parse(render(signed)).find_class("downloads")[0])


def test_a_stated_eqf_level_and_ects_are_shown(with_level_and_ects):
    root = parse(render(with_level_and_ects))
    values = [text(dd) for dd in root.find_class("elements")[0].xpath("./div/dd")]
    assert values[7] == "EOK 5"
    assert values[6] == "12 ur (0,5 ECTS)"
    # The EQF alignment is a level, not a learning outcome.
    assert len(root.xpath("//ul[@class='outcomes']/li")) == 36


LIST_URL = "https://www.micro-quest.eu/credentials/status/1"


@pytest.mark.parametrize(
    "status",
    [
        {"id": LIST_URL, "type": "1EdTechRevocationList"},
        {
            "id": f"{LIST_URL}#4242",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "4242",
            "statusListCredential": LIST_URL,
        },
    ],
    ids=["1EdTech revocation list", "bitstring status list"],
)
def test_a_revocable_credential_names_its_revocation_list_as_text(signed, status):
    revocable = {**signed, "credentialStatus": status}
    root = parse(render(revocable))
    assert pairs(root.find_class("ids")[0])["Seznam preklicanih mikrodokazil"] == LIST_URL
    assert not root.xpath(f"//a[starts-with(@href, '{LIST_URL}')]")


def test_the_awarding_body_shows_its_legal_name_and_identifier_and_a_did_web(signed):
    document = copy.deepcopy(signed)
    document["issuer"]["id"] = "did:web:credentials.example.si"
    document["issuer"]["address"] = {"type": ["Address"], "addressCountry": "AT"}
    document["issuer"]["otherIdentifier"] = [
        {"type": "IdentifierEntry", "identifier": "Zavod Primer, d.o.o.", "identifierType": "ext:legalName"},
        {"type": "IdentifierEntry", "identifier": "SI12345678", "identifierType": "ext:legalIdentifier"},
        {"type": "IdentifierEntry", "identifier": "ignored", "identifierType": "ext:somethingElse"},
    ]
    root = parse(render(document))
    values = [text(dd) for dd in root.find_class("elements")[0].xpath("./div/dd")]
    assert values[2] == "Avstrija (AT)"
    assert values[3] == (
        f"{signed['issuer']['name']} uradno ime: Zavod Primer, d.o.o. "
        f"identifikator pravne osebe: SI12345678 {signed['issuer']['url']}"
    )
    assert pairs(root.find_class("ids")[0])["Identifikator izdajatelja (DID)"] == "did:web:credentials.example.si"


def test_a_credential_that_expires_says_until_when(expired):
    facts = parse(render(expired)).find_class("facts")[0]
    assert pairs(facts)["Velja do"] == "2. julija 2025"
    assert facts.xpath(".//time")[1].get("datetime") == expired["validUntil"]


def test_a_holder_known_only_by_a_hashed_identifier_is_imetnik_ca(signed):
    html = render(without_name(signed))
    root = parse(html)
    assert text(root.find_class("holder")[0]) == UNNAMED_HOLDER == "Imetnik/-ca"
    assert "zapisan kot zgoščena vrednost" in text(root.find_class("holder-note")[0])
    assert "Ana Novak" not in html
    assert "Ana.Novak@Example.si".lower() not in html.lower()


def test_everything_from_the_credential_is_escaped(signed):
    hostile = copy.deepcopy(signed)
    hostile["name"] = HOSTILE
    hostile["issuer"]["name"] = HOSTILE
    hostile["issuer"]["url"] = "javascript:alert(1)"
    achievement = hostile["credentialSubject"]["achievement"]
    achievement["description"] = HOSTILE
    achievement["alignment"][0]["targetName"] = HOSTILE
    achievement["alignment"][0]["targetDescription"] = HOSTILE
    achievement["typeOfAssessment"][0] = HOSTILE
    for identity in hostile["credentialSubject"]["identifier"]:
        if identity["identityType"] == "ext:name":
            identity["identityHash"] = HOSTILE
    html = render(hostile, json_file='a"<b>.json')
    assert "<b>" not in html
    assert html.count(HOSTILE_ESCAPED) >= 8
    root = parse(html)
    assert text(root.find_class("holder")[0]) == HOSTILE
    assert text(root.find(".//h1")) == HOSTILE
    assert "javascript:" not in html
    assert root.find_class("downloads")[0].xpath(".//a")[0].get("href") == "a%22%3Cb%3E.json"
    assert "microquest verify 'a\"<b>.json'" in text(root.find_class("command")[0])


@pytest.mark.parametrize("name", ["../x.json", "sub/x.json", "https://example.org/x.json", ".x.json", "", "a\\b.json"])
def test_sibling_files_must_be_plain_names_beside_the_page(signed, name):
    with pytest.raises(LearnerPageError, match="not a plain file name"):
        render(signed, json_file=name)


def test_the_page_requests_nothing_and_links_only_to_its_files_the_issuer_and_verifiers(signed):
    html = render(signed, europass_file=EUROPASS)
    root = parse(html)
    assert not root.xpath("//script | //link | //img | //iframe | //object | //embed | //video | //audio")
    assert not [(e.tag, a) for e in root.iter() for a in e.attrib if a.startswith("on")]
    assert not root.xpath("//@src")
    style = " ".join(s.text for s in root.xpath("//style"))
    assert "url(" not in style and "@import" not in style
    external = {signed["issuer"]["url"], *(v.href for v in VERIFIERS)}
    for href in root.xpath("//@href"):
        if href.startswith("#"):
            assert root.get_element_by_id(href[1:]) is not None, href
        elif re.match(r"[a-z]+:", href):
            assert href in external, href
        else:
            assert href in (JSON, SVG, EUROPASS), href


def test_an_environment_that_would_not_escape_is_refused(signed):
    loose = Environment(loader=environment().loader)
    with pytest.raises(LearnerPageError, match="autoescape"):
        learner_page(signed, json_file=JSON, badge_file=SVG, environment=loose)


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        ("PT12H", "12 ur"),
        ("PT1H", "1 ura"),
        ("PT2H", "2 uri"),
        ("PT3H", "3 ure"),
        ("PT4H", "4 ure"),
        ("PT5H", "5 ur"),
        ("PT101H", "101 ura"),
        ("PT1H30M", "1 ura in 30 minut"),
        ("PT45M", "45 minut"),
        ("PT2M", "2 minuti"),
        ("P1DT2H", "26 ur"),
        ("PT0H", "0 ur"),
        ("12 hours", "12 hours"),
    ],
)
def test_workload_in_slovenian_words(duration, words):
    assert workload_label(duration) == words


def test_dates_in_slovenian():
    assert slovenian_date("2025-06-02T09:30:00Z") == "2. junija 2025"
    assert slovenian_date("2026-01-31T23:59:59Z") == "31. januarja 2026"
    assert slovenian_date("2025-12-01T00:00:00+00:00") == "1. decembra 2025"


# In Chromium ----------------------------------------------------------------------------------------


@pytest.fixture
def page_folder(tmp_path: Path, signed) -> Path:
    """The page beside its files, as the award run writes them: <id>.html, .json, .svg (and Europass)."""
    (tmp_path / JSON).write_text(credential_json(signed), encoding="utf-8")
    (tmp_path / SVG).write_bytes(bake_svg(badge_svg(signed), signed))
    (tmp_path / EUROPASS).write_text("{}\n", encoding="utf-8")  # only the link is under test here
    (tmp_path / f"{STEM}.html").write_text(render(signed, europass_file=EUROPASS), encoding="utf-8")
    return tmp_path


def open_page(browser, folder: Path, width: int):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    url = (folder / f"{STEM}.html").as_uri()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    page.wait_for_load_state("load")
    assert requests == [url], "the page requests nothing but itself"
    assert errors == []
    return context, page


def axe_violations(page) -> list[tuple[str, str, list]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


WIDER_THAN_THE_VIEWPORT = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.body.querySelectorAll('*')]
    .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -0.5 || r.right > width + 0.5); })
    .map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
}"""


@pytest.mark.parametrize("width", [1280, 360])
def test_no_axe_core_violation_at_desktop_and_phone_widths(browser, page_folder, width):
    context, page = open_page(browser, page_folder, width)
    try:
        assert page.locator("html").get_attribute("lang") == "sl"
        assert axe_violations(page) == []
    finally:
        context.close()


def test_nothing_is_wider_than_a_360_px_phone(browser, page_folder):
    context, page = open_page(browser, page_folder, 360)
    try:
        assert page.evaluate(WIDER_THAN_THE_VIEWPORT) == []
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    finally:
        context.close()


def test_the_download_links_open_the_files_beside_the_page(browser, page_folder):
    context, page = open_page(browser, page_folder, 1280)
    try:
        hrefs = page.eval_on_selector_all(".downloads a", "links => links.map((a) => a.href)")
        assert hrefs == [(page_folder / name).as_uri() for name in (JSON, SVG, EUROPASS)]
        assert all((page_folder / name).is_file() for name in (JSON, SVG, EUROPASS))
    finally:
        context.close()


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF without a PDF library: Chromium writes each page object's dictionary uncompressed."""
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)] or [
        int(n) for n in re.findall(rb"/Count\s+(\d+)", pdf)
    ]
    assert pages in counts, (pages, counts)
    return pages


@pytest.mark.parametrize("which", ["signed", "with_level_and_ects"])
def test_it_prints_on_one_or_two_a4_pages_with_the_holder_and_the_verification(browser, tmp_path, request, which):
    document = request.getfixturevalue(which)
    (tmp_path / f"{STEM}.html").write_text(render(document, europass_file=EUROPASS), encoding="utf-8")
    context, page = open_page(browser, tmp_path, 1280)
    try:
        page.emulate_media(media="print")
        assert page.locator(".holder").is_visible()
        assert page.locator(".verify").is_visible()
        assert page.locator(".command").inner_text() == f"microquest verify {JSON}"
        assert page.locator(".downloads").is_hidden()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF-")
        assert 1 <= pdf_pages(pdf) <= 2
    finally:
        context.close()
