"""A browser without a browser: follows redirects and posts the auto-submitting forms, as a page would.

An LTI launch is redirects (platform → tool login → platform authorization) and one form the
platform's page posts by script (the id_token to the tool's launch URL). `Browser.open` does
those steps over real HTTP with `requests`, and can stop before posting, so a test can post a
launch form twice (a replay) or look at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import requests


@dataclass
class Form:
    action: str
    fields: dict[str, str]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.form is None and values.get("method", "get").lower() == "post":
            self.form = Form(values.get("action", ""), {})
        elif tag == "input" and self.form is not None and values.get("name"):
            self.form.fields[values["name"]] = values.get("value", "")


def form_of(html: str) -> Form | None:
    parser = _FormParser()
    parser.feed(html)
    return parser.form


class Browser:
    def __init__(self) -> None:
        self.session = requests.Session()

    def get(self, url: str, **options) -> requests.Response:
        return self.session.get(url, timeout=30, **options)

    def post(self, form: Form, **options) -> requests.Response:
        return self.session.post(form.action, data=form.fields, timeout=30, **options)

    def launch_form(self, start_url: str) -> Form:
        """Follow the login redirects from the platform's start URL to the launch form (not posted)."""
        response = self.get(start_url)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        form = form_of(response.text)
        assert form is not None and "id_token" in form.fields, response.text[:500]
        return form

    def open(self, start_url: str) -> requests.Response:
        """The whole launch: redirects, then the launch form posted; the tool's answer."""
        return self.post(self.launch_form(start_url))
