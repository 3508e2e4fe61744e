"""The tool's course pages inside the LMS: the learner's progress and credential, the instructor's report, the picker.

Slovenian first, English beneath, as pages.py; no script is needed (the picker is a form), no
cookie is set or read: every page is addressed by its launch's random id, so each works in an
iframe with third-party cookies blocked. Links carry no LRS credential except the one made for
that launch (launch_tokens.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from xml.sax.saxutils import quoteattr

from builder.model import Course

from .launch import Launch
from .pages import _page

EXTRA_STYLE = (
    "<style>.done{color:#0a6b2b;font-weight:600}.todo{color:#555}ul.outline{padding-left:1.2rem}"
    ".button{display:inline-block;background:#0b4f8a;color:#fff;padding:.5rem 1rem;border-radius:.3rem;"
    "text-decoration:none}.scroll{overflow-x:auto;max-width:100%;border:1px solid #ccc}"
    ".scroll table{border-collapse:collapse;font-size:.85rem}.scroll th,.scroll td{border:1px solid #ddd;"
    "padding:.2rem .4rem;text-align:center}.scroll th.name,.scroll td.name{text-align:left;position:sticky;"
    "left:0;background:#fff}.scroll th{vertical-align:bottom;min-width:6rem;font-weight:600}"
    ".cue{font-size:.85rem;color:#555}body.wide{max-width:76rem}</style>"
)


def page(title: str, body: str, *, wide: bool = False) -> str:
    html = _page(title, EXTRA_STYLE + body)
    return html.replace("<body>", "<body class=wide>", 1) if wide else html


@dataclass(frozen=True)
class CredentialLink:
    name: str
    label: str
    url: str


def learner_page(
    launch: Launch,
    course: Course,
    scope_title: str,
    scope_ids: Sequence[str],
    done: set[str],
    start_url: str,
    activity_urls: dict[str, str],
    credential: Sequence[CredentialLink] = (),
) -> str:
    """The learner's launch page: what the link covers, each activity done or not, and the credential."""
    count = sum(1 for a in scope_ids if a in done)
    wanted = set(scope_ids)
    units = []
    for unit in course.units:
        items = []
        for activity in unit.activities:
            if activity.id not in wanted:
                continue
            mark = (
                "<span class=done>✓ opravljeno <span class=en>/ done</span></span>"
                if activity.id in done
                else "<span class=todo>še ni opravljeno <span class=en>/ not done yet</span></span>"
            )
            items.append(
                f'<li data-activity="{escape(activity.id)}"><a data-course href="{escape(activity_urls[activity.id])}">'
                f"{escape(activity.number)} {escape(activity.title)}</a> — {mark}</li>"
            )
        if items:
            units.append(f"<li>{unit.number}. {escape(unit.title)}<ul>{''.join(items)}</ul></li>")
    verb = "Nadaljuj" if count else "Začni"
    body = (
        f"<h1>{escape(scope_title)}</h1>"
        f"<p>{escape(launch.name or launch.user_sub)}: <strong id=progress>{count} / {len(scope_ids)}</strong> "
        f"aktivnosti opravljenih <span class=en>/ activities done</span></p>"
        f'<p><a class=button id=start data-course href="{escape(start_url)}">{verb} '
        f"<span lang=en>/ {'Continue' if count else 'Start'}</span></a></p>"
        "<p id=new-tab hidden>Tečaj se odpre v novem zavihku, ker brskalnik v okvirju učilnice ne dovoli shranjevanja."
        " <span class=en>The course opens in a new tab: the browser allows no storage inside the LMS's frame.</span></p>"
        f"<ul class=outline>{''.join(units)}</ul>"
    )
    if credential:
        # The credential's page opens here (it links to the other files); the files download.
        links = "".join(
            f'<li><a href="{escape(c.url)}"{"" if c.name.endswith(".html") else f" download={quoteattr(c.name)}"}>'
            f"{escape(c.label)}</a></li>"
            for c in credential
        )
        body += (
            "<h2 id=credential>Vaše mikrodokazilo <span class=en>/ Your micro-credential</span></h2>"
            "<p>Merila so izpolnjena, mikrodokazilo je podeljeno. <span class=en>The criteria are met: "
            f"the micro-credential is awarded.</span></p><ul>{links}</ul>"
        )
    return page(scope_title, body + NEW_TAB_SCRIPT)


# The course's pages keep their statement queue in localStorage (scorm_templates/static/queue.js): where
# the browser allows no storage (an LMS's iframe with third-party storage blocked), they open top-level.
NEW_TAB_SCRIPT = (
    "<script>(function(){try{localStorage.setItem('mq-probe','1');localStorage.removeItem('mq-probe');}"
    "catch(e){document.querySelectorAll('a[data-course]').forEach(function(a){a.target='_blank';a.rel='noopener';});"
    "document.getElementById('new-tab').hidden=false;}})();</script>"
)


CREDENTIAL_LABELS = (
    (".europass.jsonld", "Europass (ELM 3.1, JSON-LD)"),
    (".json", "Open Badges 3.0 (JSON, podpisano / signed)"),
    (".svg", "Značka / Badge (SVG)"),
    (".html", "Stran dokazila / Credential page (HTML)"),
)


def credential_label(name: str) -> str:
    return next((label for suffix, label in CREDENTIAL_LABELS if name.endswith(suffix)), name)


@dataclass(frozen=True)
class ReportColumn:
    label: str  # the requirement: "activity:u1-a1", "canvas:levels"
    heading: str  # what the column shows: the activity's number, the worksheet's title
    title: str  # the whole name, on hover


@dataclass(frozen=True)
class ReportRow:
    name: str
    identifier: str
    met: tuple[bool, ...]
    state: str


def instructor_page(
    launch: Launch,
    title: str,
    columns: Sequence[ReportColumn],
    rows: Sequence[ReportRow],
    not_started: Sequence[tuple[str, str]] | None,
    csv_url: str,
    roster_error: str = "",
) -> str:
    """The provider report for the launch's context, the learners who have not started (NRPS), the CSV."""
    head = "".join(f'<th scope=col title="{escape(c.title)}">{escape(c.heading)}</th>' for c in columns)
    body_rows = "".join(
        f"<tr><td class=name>{escape(r.name or r.identifier)}</td>"
        + "".join(f"<td>{'✓' if m else '·'}</td>" for m in r.met)
        + f"<td>{sum(r.met)}/{len(r.met)}</td><td>{escape(r.state)}</td></tr>"
        for r in rows
    )
    body = (
        f"<h1>{escape(title)}</h1><p>{escape(launch.context_title or launch.context_id)}</p>"
        f"<h2>Napredek udeležencev <span class=en>/ Learners' progress</span></h2>"
        f'<p><a class=button id=csv href="{escape(csv_url)}" download>CSV</a></p>'
        "<p class=cue id=scroll-cue>Tabela je širša od strani: podrsajte vodoravno →"
        " <span class=en>/ The table is wider than the page: scroll sideways →</span></p>"
        "<div class=scroll tabindex=0 role=region aria-labelledby=scroll-cue id=report>"
        f"<table><thead><tr><th class=name scope=col>Udeleženec / Learner</th>{head}"
        f"<th scope=col>Opravljeno / Done</th><th scope=col>Stanje / State</th></tr></thead>"
        f"<tbody>{body_rows}</tbody></table></div>"
        # The cue only while the table is wider than its box (no script: it stays, which is harmless).
        "<script>(function(){var r=document.getElementById('report');function f(){"
        "document.getElementById('scroll-cue').hidden=r.scrollWidth<=r.clientWidth;}f();"
        "window.addEventListener('resize',f);})();</script>"
    )
    body += "<h2>Še niso začeli <span class=en>/ Not started yet</span></h2>"
    if not_started is None:
        body += f"<p>Seznama udeležencev ni bilo mogoče prebrati. <span class=en>The roster could not be read.</span> {escape(roster_error)}</p>"
    elif not not_started:
        body += "<p>Vsi udeleženci so začeli. <span class=en>Every learner has started.</span></p>"
    else:
        items = "".join(
            f"<li>{escape(name)} {('&lt;' + escape(email) + '&gt;') if email else ''}</li>"
            for name, email in not_started
        )
        body += f"<ul id=not-started>{items}</ul>"
    return page(title, body, wide=True)


@dataclass(frozen=True)
class PickerItem:
    value: str  # "course", "unit:u3", "activity:u3-a1"
    title: str
    depth: int


def picker_page(course: Course, action: str, multiple: bool) -> str:
    """Deep linking: the course outline to choose from (the whole course, a unit, an activity)."""
    kind = "checkbox" if multiple else "radio"
    items = [PickerItem("course", course.title, 0)]
    for unit in course.units:
        items.append(PickerItem(f"unit:{unit.id}", f"{unit.number}. {unit.title}", 1))
        items += [PickerItem(f"activity:{a.id}", f"{a.number} {a.title}", 2) for a in unit.activities]
    options = "".join(
        f'<li style="margin-left:{item.depth * 1.5}rem"><label><input type={kind} name=item value="{escape(item.value)}"> '
        f"{escape(item.title)}</label></li>"
        for item in items
    )
    body = (
        "<h1>Izberite vsebino <span class=en>/ Choose the content</span></h1>"
        f'<form method=post action="{escape(action)}"><ul style="list-style:none;padding:0">{options}</ul>'
        "<button type=submit id=add>Dodaj v učilnico <span class=en>/ Add to the course</span></button></form>"
    )
    return page("MICRO QUEST", body)
