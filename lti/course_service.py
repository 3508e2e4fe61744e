"""The course behind the LTI tool: its rendered pages, each learner's progress, grades and the award.

    course = CourseService(content_dir, store, ledger=…, keys=…)
    course.files["index.html"]            # the xAPI site (the tincan package's pages), built once
    course.done(actor)                     # activity ids the learner completed, from the LRS
    course.attach(tool)                    # then each launch's statements grade (on_statements)

Progress is read from the LRS's own store (the same database): an activity is done when the
learner's `completed` statement on the activity's IRI is stored (not voided). When a launch's
statements complete an activity or hand in a worksheet (`on_statements`, called by the LRS after
it stored them), a single worker thread, off the request:

1. queues that activity's score (1 of 1) on its own line item (resource id = the activity id,
   found or made by the outbox) when the launch offered AGS with line item management;
2. once every activity of the course is done, runs the award (builder.awarding's
   `award_from_content` over this learner's statements) into the ledger;
3. queues the link's own score: the share of activities done (InProgress, Pending), 100 %
   (Completed, FullyGraded) once the credential is awarded.

All through the outbox (lti/outbox.py): nothing is lost when the platform is down.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.build import check
from builder.formats import html as html_format
from builder.model import Activity, Course
from builder.render import activity_path
from xapi.agents import AgentError, agent_keys
from xapi.award.ledger import Award, Ledger, LedgerError
from xapi.iris import VERBS, Iris
from xapi.lrs.statements import agent_key
from xapi.lrs.store import LrsStore, StatementQuery
from xapi.lrs.tables import key_of

from .launch import Launch
from .launch_tokens import LaunchToken, learner_actor
from .logs import log_event
from .outbox import NoGradebook

if TYPE_CHECKING:
    from .app import LtiTool

COMPLETED = VERBS["completed"]
SUBMITTED = VERBS["submitted"]


@dataclass(frozen=True)
class Scope:
    """What a resource link covers: the whole course, one unit or one activity (deep linking's `custom`)."""

    kind: str  # "course" | "unit" | "activity"
    id: str
    title: str
    activities: tuple[Activity, ...]


class CourseService:
    """See the module docstring."""

    def __init__(self, content_dir: Path, store: LrsStore, *, ledger: Path, keys: Path | None) -> None:
        self.content_dir = Path(content_dir)
        self.course: Course = check(self.content_dir).course
        self.store = store
        self.ledger = Path(ledger)
        self.keys = keys
        self.files: dict[str, bytes] = html_format.files(self.course, "xapi")
        self.iris = Iris(self.course.base_iri)
        self.course_iri = self.iris.course(self.course.id)
        self.activity_of_iri = {self.iris.activity(a.id): a for a in self.course.activities}
        self.canvas_iris = {self.iris.canvas(c.id) for c in self.course.canvases}
        self.tool: LtiTool | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="microquest-grading")
        self._award_lock = threading.Lock()

    def attach(self, tool: LtiTool) -> None:
        self.tool = tool

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=False)

    # -- what a link covers, and the pages

    def scope(self, launch: Launch) -> Scope:
        custom = launch.custom or {}
        units = {u.id: u for u in self.course.units}
        activities = {a.id: a for a in self.course.activities}
        if str(custom.get("activity", "")) in activities:
            activity = activities[str(custom["activity"])]
            return Scope("activity", activity.id, f"{activity.number} {activity.title}", (activity,))
        if str(custom.get("unit", "")) in units:
            unit = units[str(custom["unit"])]
            return Scope("unit", unit.id, f"{unit.number}. {unit.title}", tuple(unit.activities))
        return Scope("course", self.course.id, self.course.title, tuple(self.course.activities))

    def entry_path(self, scope: Scope) -> str:
        """The page a link opens: the course's index, or the activity's own page."""
        return activity_path(scope.activities[0]) if scope.kind == "activity" else "index.html"

    @staticmethod
    def activity_path(activity: Activity) -> str:
        return activity_path(activity)

    # -- progress, from the LRS

    def statements_of(self, actor: dict[str, Any]) -> list[dict[str, Any]]:
        key = agent_key(actor) or ""
        statements: list[dict[str, Any]] = []
        after = upto = None
        while True:
            page = self.store.query(
                StatementQuery(
                    keys=((key_of("agent", key), False),), ascending=True, limit=1000, after_seq=after, upto_seq=upto
                )
            )
            statements += [json.loads(body) for body in page.statements]
            if page.last_seq is None:
                return statements
            after, upto = page.last_seq, page.upto_seq

    def done(self, actor: dict[str, Any]) -> set[str]:
        """The ids of the activities this learner completed."""
        return {
            self.activity_of_iri[s["object"]["id"]].id
            for s in self.statements_of(actor)
            if s.get("verb", {}).get("id") == COMPLETED and s.get("object", {}).get("id") in self.activity_of_iri
        }

    def award_of(self, actor: dict[str, Any]) -> Award | None:
        """The learner's credential of this course's version, if awarded and not revoked."""
        credential = self.course.credential
        if credential is None or not self.ledger.is_file():
            return None
        try:
            mine = agent_keys(actor)[0]
            with Ledger(self.ledger) as ledger:
                awards = ledger.awards(credential.id, credential.version)
        except (AgentError, LedgerError):
            return None
        for award in awards:
            try:
                if agent_keys(award.agent)[0] == mine and not award.revoked:
                    return award
            except AgentError:
                continue
        return None

    def credential_files(self, award: Award) -> dict[str, bytes]:
        from builder.awarding import credential_views

        assert self.course.credential is not None
        return credential_views(self.course, self.course.credential, self.keys).files(award)

    def award(self, actor: dict[str, Any]) -> Award | None:
        """Run the award over this learner's statements (builder.awarding); their credential, if eligible."""
        from builder.awarding import award_from_content

        with self._award_lock, tempfile.TemporaryDirectory(prefix="microquest-award-") as folder:
            path = Path(folder) / "statements.json"
            path.write_text(json.dumps(self.statements_of(actor), ensure_ascii=False), encoding="utf-8")
            run = award_from_content(self.content_dir, statements=[path], ledger=self.ledger, keys=self.keys)
        if run.outcome.new:
            log_event("lti.credential.awarded", credential=run.outcome.new[0].id, learner=actor["account"]["name"])
        return self.award_of(actor)

    # -- grading, when a launch's statements arrive

    def on_statements(self, token: LaunchToken, statements: list[dict[str, Any]]) -> Future | None:
        completed = [
            self.activity_of_iri[s["object"]["id"]].id
            for s in statements
            if s.get("verb", {}).get("id") == COMPLETED and (s.get("object") or {}).get("id") in self.activity_of_iri
        ]
        # A worksheet handed in after the last activity's completion may be what completes the criteria.
        submitted = any(
            s.get("verb", {}).get("id") == SUBMITTED and (s.get("object") or {}).get("id") in self.canvas_iris
            for s in statements
        )
        if not completed and not submitted:
            return None
        return self._worker.submit(self._grade, token.launch_id, completed)

    def _grade(self, launch_id: str, completed: list[str]) -> None:
        try:
            self.grade(launch_id, completed)
        except Exception as error:  # noqa: BLE001 - a worker thread: log it, the outbox and the next completion retry
            log_event(
                "lti.grading.failed", level=logging.ERROR, launch_id=launch_id, error=f"{type(error).__name__}: {error}"
            )

    def grade(self, launch_id: str, completed: list[str]) -> None:
        tool = self.tool
        launch = tool.launch(launch_id) if tool is not None else None
        if tool is None or launch is None:
            return
        actor = learner_actor(launch)
        done = self.done(actor)
        activities = {a.id: a for a in self.course.activities}
        queued = 0
        for activity_id in dict.fromkeys(completed):
            activity = activities[activity_id]
            try:
                tool.outbox.enqueue(
                    launch,
                    score_given=1,
                    score_maximum=1,
                    resource_id=activity.id,
                    label=f"{activity.number} {activity.title}",
                )
                queued += 1
            except NoGradebook:
                break
        award = None
        if all(a.id in done for a in self.course.activities):
            award = self.award_of(actor) or self.award(actor)
        scope = self.scope(launch)
        in_scope = sum(1 for a in scope.activities if a.id in done)
        finished = (award is not None) if scope.kind == "course" else in_scope == len(scope.activities)
        try:
            tool.outbox.enqueue(
                launch,
                score_given=len(scope.activities) if finished else in_scope,
                score_maximum=len(scope.activities),
                activity_progress="Completed" if finished else "InProgress",
                grading_progress="FullyGraded" if finished else "Pending",
                comment="Mikrodokazilo je podeljeno." if award is not None else "",
            )
            queued += 1
        except NoGradebook:
            pass
        if queued:
            tool.wake()
        log_event(
            "lti.progress",
            launch_id=launch.id,
            user=launch.user_sub,
            done=len(done),
            of=len(self.course.activities),
            awarded=award is not None,
        )


def requirements_met(service: CourseService, statements: list[dict[str, Any]]) -> tuple[tuple[str, ...], int]:
    """(the credential's requirement labels, the bit mask of those these statements meet)."""
    from builder.awarding import course_criteria

    credential = service.course.credential
    if credential is None:
        return (), 0
    criteria = course_criteria(service.course, credential)
    mask = 0
    for statement in statements:
        verb = (statement.get("verb") or {}).get("id")
        target = (statement.get("object") or {}).get("id")
        mask |= criteria.tables.get(verb, {}).get(target, 0)
    return tuple(r.label for r in criteria.requirements), mask
