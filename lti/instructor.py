"""The instructor's launch: the provider report of the launch's context, from this LRS, and who has not started.

The learners are the context's members with the Learner role (NRPS), and anyone who launched as
a learner there; each is the xAPI Agent of their launches (account: the platform's issuer, the
LTI sub). A row's requirements are those of the content's credential (builder/provider_report.py's
columns), met by the learner's statements in this LRS; its state is the ledger's award. Worksheet
columns are headed by the worksheet's title as the learner sees it, never by its id.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from builder.provider_report import Column, ProviderReport, Row, as_csv

from . import tables as t
from .course_pages import ReportColumn, ReportRow, instructor_page
from .course_service import CourseService, requirements_met
from .launch import Launch
from .logs import log_event
from .services import ServiceError

if TYPE_CHECKING:
    from .app import LtiTool

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def is_learner_role(role: str) -> bool:
    return role in (LEARNER, "Learner") or role.endswith("membership#Learner")


def context_learners(tool: LtiTool, launch: Launch) -> list[dict[str, str]]:
    """The users who launched as learners in this launch's context."""
    launches, u = t.launches.c, t.users.c
    query = (
        select(launches.user_sub, launches.roles, u.name, u.email)
        .join(t.users, (u.platform_id == launches.platform_id) & (u.sub == launches.user_sub))
        .where(launches.platform_id == launch.platform.id, launches.context_id == launch.context_id)
    )
    with tool.database.reading() as connection:
        rows = connection.execute(query).all()
    return list(
        {
            row.user_sub: {"user_id": row.user_sub, "name": row.name, "email": row.email}
            for row in rows
            if any(is_learner_role(role) for role in json.loads(row.roles))
        }.values()
    )


def columns(course: CourseService, labels: tuple[str, ...]) -> list[Column]:
    activities = {a.id: a for a in course.course.activities}
    canvases = {c.id: c for c in course.course.canvases}
    found = []
    for label in labels:
        kind, _, id_ = label.partition(":")
        if kind == "activity" and id_ in activities:
            activity = activities[id_]
            found.append(Column(label, activity.number, f"{activity.number} {activity.title}"))
        elif kind == "canvas" and id_ in canvases:
            canvas = canvases[id_]
            found.append(Column(label, canvas.title, f"Delovni list / Worksheet: {canvas.title}"))
        else:
            found.append(Column(label, id_, label))
    return found


def report(
    course: CourseService, tool: LtiTool, launch: Launch
) -> tuple[ProviderReport, list[dict[str, Any]] | None, str]:
    """(the report, the roster's learners or None when NRPS failed, the roster's error)."""
    roster: list[dict[str, Any]] | None = None
    error = ""
    if launch.nrps_memberships:
        try:
            roster = [
                m
                for m in tool.roster(launch)
                if any(is_learner_role(r) for r in m.get("roles", [])) and m.get("status", "Active") == "Active"
            ]
        except ServiceError as failure:
            error = str(failure)
            log_event("lti.roster.failed", level=logging.WARNING, launch_id=launch.id, error=error)
    learners = {m["user_id"]: m for m in context_learners(tool, launch)}
    for member in roster or []:
        learners[str(member.get("user_id", ""))] = {**learners.get(str(member.get("user_id", "")), {}), **member}
    rows = []
    labels: tuple[str, ...] = ()
    for user_id, member in sorted(learners.items(), key=lambda item: str(item[1].get("name") or item[0])):
        actor = {"objectType": "Agent", "account": {"homePage": launch.platform.issuer, "name": user_id}}
        labels, mask = requirements_met(course, course.statements_of(actor))
        rows.append(
            Row(
                f"account:{launch.platform.issuer} {user_id}",
                str(member.get("name") or ""),
                user_id,
                tuple(bool(mask >> i & 1) for i in range(len(labels))),
                course.award_of(actor),
            )
        )
    if not labels:
        labels, _ = requirements_met(course, [])
    credential = course.course.credential
    result = ProviderReport(
        course.course.title,
        credential.id if credential else "",
        credential.version if credential else 0,
        tuple(columns(course, labels)),
        tuple(rows),
    )
    return result, roster, error


def instructor_view(course: CourseService, tool: LtiTool, launch: Launch, csv_url: str) -> str:
    result, roster, error = report(course, tool, launch)
    started = {row.identifier for row in result.rows if any(row.met)}
    not_started = None
    if roster is not None:
        not_started = [
            (str(m.get("name") or m.get("user_id")), str(m.get("email") or ""))
            for m in roster
            if str(m.get("user_id")) not in started and not _has_statements(course, launch, str(m.get("user_id")))
        ]
    return instructor_page(
        launch,
        result.title,
        [ReportColumn(c.label, c.heading, c.title) for c in result.columns],
        [ReportRow(r.name, r.identifier, r.met, r.state) for r in result.rows],
        not_started,
        csv_url,
        error,
    )


def _has_statements(course: CourseService, launch: Launch, user_id: str) -> bool:
    actor = {"objectType": "Agent", "account": {"homePage": launch.platform.issuer, "name": user_id}}
    return bool(course.statements_of(actor))


def instructor_csv(course: CourseService, tool: LtiTool, launch: Launch) -> str:
    return as_csv(report(course, tool, launch)[0])
