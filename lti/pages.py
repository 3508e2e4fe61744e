"""The tool's own pages: a refused launch, the registration result, the default launch page, auto-post forms.

Every page is in Slovenian with the English beneath (the platform's admins may be either), names
no token or key, and a refusal carries the reference its log line has, so a learner's screenshot
leads an admin to the line. The tool's real pages (learner, instructor, deep-link picker) are
given to create_lti_app as `on_launch`; `launch_page` is what shows until then.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .launch import Launch
from .registration import Registered

# reason → (HTTP status, Slovenian, English). launch.LaunchRejected names the reason.
REJECTIONS: dict[str, tuple[int, str, str]] = {
    "bad_login": (400, "Zahteva za prijavo ni popolna.", "The login request is incomplete."),
    "unknown_platform": (
        403,
        "Ta učilnica (platforma LTI) pri orodju ni registrirana.",
        "This LMS (LTI platform) is not registered with the tool.",
    ),
    "unknown_deployment": (
        403,
        "Ta namestitev orodja v učilnici ni registrirana. Skrbnik naj orodje registrira znova.",
        "This deployment of the tool is not registered. Ask the LMS administrator to register the tool again.",
    ),
    "unknown_state": (
        400,
        "Prijava se ni začela pri tem orodju ali je potekla. Odprite dejavnost znova iz učilnice.",
        "The login did not start at this tool or has expired. Open the activity again from the LMS.",
    ),
    "replayed": (
        401,
        "Ta prijava je že bila uporabljena. Odprite dejavnost znova iz učilnice.",
        "This launch was already used. Open the activity again from the LMS.",
    ),
    "nonce_mismatch": (
        401,
        "Prijava ne pripada tej seji. Odprite dejavnost znova iz učilnice.",
        "The launch does not belong to this login. Open the activity again from the LMS.",
    ),
    "bad_signature": (401, "Podpis prijave ni veljaven.", "The launch's signature is not valid."),
    "unknown_key": (
        401,
        "Prijava je podpisana s ključem, ki ga učilnica ne objavlja.",
        "The launch is signed with a key the LMS does not publish.",
    ),
    "platform_keys_unavailable": (
        503,
        "Ključev učilnice ni bilo mogoče prebrati. Poskusite znova čez nekaj minut.",
        "The LMS's keys could not be read. Try again in a few minutes.",
    ),
    "expired": (
        401,
        "Prijava je potekla. Odprite dejavnost znova iz učilnice.",
        "The launch has expired. Open the activity again from the LMS.",
    ),
    "wrong_audience": (401, "Prijava ni namenjena temu orodju.", "The launch is not addressed to this tool."),
    "wrong_issuer": (401, "Prijavo je izdala druga učilnica.", "The launch was issued by another LMS."),
    "bad_token": (400, "Podatki prijave so nepopolni ali pokvarjeni.", "The launch data is incomplete or damaged."),
    "bad_claim": (
        400,
        "Učilnica je poslala prijavo, ki je orodje ne podpira.",
        "The LMS sent a launch this tool does not support.",
    ),
    "platform_error": (
        400,
        "Učilnica prijave ni potrdila (morda niste prijavljeni v učilnico).",
        "The LMS did not confirm the login (you may not be logged in to the LMS).",
    ),
}
INTERNAL_ERROR = (
    500,
    "Pri orodju je prišlo do napake. Poskusite znova; če se ponovi, sporočite oznako skrbniku.",
    "The tool ran into an error. Try again; if it happens again, give the reference to the administrator.",
)

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}"
    "h1{font-size:1.4rem}.en{color:#555}.ref{font-family:monospace;color:#555}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0;word-break:break-all}"
    "button{font-size:1rem;padding:.5rem 1rem}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="sl"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )


def rejection(reason: str) -> tuple[int, str, str]:
    return REJECTIONS.get(reason, REJECTIONS["bad_token"])


def error_page(reason: str, reference: str) -> tuple[int, str]:
    """(status, HTML) for a refused login or launch."""
    status, slovenian, english = rejection(reason) if reason != "internal" else INTERNAL_ERROR
    body = (
        "<h1>Zagon ni uspel <span class=en>/ The launch failed</span></h1>"
        f"<p>{escape(slovenian)}</p><p class=en lang=en>{escape(english)}</p>"
        f"<p class=ref>Oznaka / Reference: {escape(reference)} ({escape(reason)})</p>"
    )
    return status, _page("Zagon ni uspel / The launch failed", body)


def registration_page(registered: Registered) -> str:
    platform = registered.platform
    rows = [
        ("Platforma / Platform", platform.product or platform.name),
        ("Izdajatelj / Issuer", platform.issuer),
        ("ID odjemalca / Client ID", platform.client_id),
        ("Namestitve / Deployments", ", ".join(registered.deployment_ids) or "—"),
        ("Sporočila / Messages", ", ".join(registered.messages)),
        ("Dovoljenja / Scopes", "\n".join(platform.scopes.split()) or "—"),
        ("Prijava / Login", platform.authorization_endpoint),
        ("Žetoni / Tokens", platform.token_endpoint),
        ("Ključi / Keys (JWKS)", platform.jwks_uri),
    ]
    details = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in rows)
    warnings = "".join(f"<p><strong>{escape(warning)}</strong></p>" for warning in registered.warnings)
    body = (
        "<h1>Orodje je registrirano <span class=en>/ The tool is registered</span></h1>"
        f"<dl>{details}</dl>{warnings}"
        "<p><button type=button id=close>Zapri / Close</button></p>"
        "<script>document.getElementById('close').addEventListener('click',function(){"
        "(window.opener||window.parent).postMessage({subject:'org.imsglobal.lti.close'},'*');});</script>"
    )
    return _page("Orodje je registrirano / The tool is registered", body)


def registration_failed_page(message: str, reference: str) -> str:
    body = (
        "<h1>Registracija ni uspela <span class=en>/ Registration failed</span></h1>"
        f"<p>{escape(message)}</p><p class=ref>Oznaka / Reference: {escape(reference)}</p>"
    )
    return _page("Registracija ni uspela / Registration failed", body)


def launch_page(launch: Launch, roster: list[dict[str, Any]] | None = None) -> str:
    """What an accepted launch shows until the tool's own pages are given (create_lti_app's on_launch).

    `roster`: the context's members (NRPS) for an instructor; None when not read.
    """
    who = launch.name or launch.user_sub
    role = "učitelj / instructor" if launch.is_instructor else "udeleženec / learner" if launch.is_learner else "—"
    rows = [
        ("Uporabnik / User", who),
        ("Vloga / Role", role),
        ("Predmet / Course", launch.context_title or launch.context_id or "—"),
        ("Povezava / Link", launch.resource_link_title or launch.resource_link_id or "—"),
    ]
    details = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in rows)
    body = (
        f"<h1>MICRO QUEST</h1><p>Prijava je uspela. <span class=en>The launch succeeded.</span></p><dl>{details}</dl>"
    )
    if roster is not None:
        members = "".join(
            f"<tr><td>{escape(str(member.get('name') or member.get('user_id', '')))}</td>"
            f"<td>{escape(str(member.get('email', '')))}</td>"
            f"<td>{escape(', '.join(role.rsplit('#', 1)[-1] for role in member.get('roles', [])))}</td></tr>"
            for member in roster
        )
        body += (
            "<h2>Udeleženci predmeta <span class=en>/ Course members</span></h2>"
            "<table><thead><tr><th>Ime / Name</th><th>E-pošta / Email</th><th>Vloge / Roles</th></tr></thead>"
            f"<tbody>{members}</tbody></table>"
        )
    return _page("MICRO QUEST", body)


def auto_post_form(action: str, fields: dict[str, str]) -> str:
    """A page whose form the browser posts at once (a button, if scripts are off)."""
    inputs = "".join(
        f'<input type=hidden name="{escape(name)}" value="{escape(value)}">' for name, value in fields.items()
    )
    body = (
        f'<form id=post method=post action="{escape(action)}">{inputs}'
        "<noscript><button type=submit>Nadaljuj / Continue</button></noscript></form>"
        f"<script>document.getElementById('post').submit();</script>"
    )
    return _page("MICRO QUEST", body)
