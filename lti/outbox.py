"""Grades waiting for the platform: queued in the database, posted until the platform accepts them.

    outbox = GradeOutbox(database, services)
    outbox.enqueue(launch, score_given=1, score_maximum=1, resource_id="u3", label="Enota 3")
    outbox.deliver_due()        # the app calls this on a timer (and right after an enqueue)

`enqueue` only writes a row (in the caller's request, so a learner's completion is recorded even
when the platform is down) with the AGS score as it is now, timestamped now: a later retry posts
the same score with the same timestamp, so the platform keeps the newest of several.

`deliver_due` takes the rows whose time has come, each by a compare-and-set on its `next_try_at`
(a lease of `lease` seconds), so several processes sharing the database never post one row
twice at once; finds or creates the line item when the launch named none; POSTs the score; and
marks the row delivered, or counts the attempt, keeps the platform's words in `last_error` and
waits `base_delay` × 2^(attempts-1) (at most `max_delay`, less up to 20 % so rows queued together
spread out) before the next try. A row is never dropped: it waits until the platform accepts it.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from . import tables as t
from .launch import Launch
from .logs import log_event
from .registration import SCOPE_LINEITEM, SCOPE_SCORE
from .services import PlatformServices, ServiceError
from .store import LtiDatabase

BASE_DELAY = 30.0
MAX_DELAY = 3600.0
LEASE = 120.0
BATCH = 50


class NoGradebook(ValueError):
    """The launch offered no way to post a grade (no AGS claim, or no score scope)."""


@dataclass
class Delivery:
    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


class GradeOutbox:
    """See the module docstring."""

    def __init__(
        self,
        database: LtiDatabase,
        services: PlatformServices,
        *,
        base_delay: float = BASE_DELAY,
        max_delay: float = MAX_DELAY,
        lease: float = LEASE,
    ) -> None:
        self.database = database
        self.services = services
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease = lease

    def enqueue(
        self,
        launch: Launch,
        *,
        score_given: float,
        score_maximum: float,
        activity_progress: str = "Completed",
        grading_progress: str = "FullyGraded",
        comment: str = "",
        resource_id: str = "",
        label: str = "",
        now: float | None = None,
    ) -> int:
        """Queue the learner's score from this launch; the outbox row's id."""
        if not (launch.ags_lineitem or launch.ags_lineitems) or SCOPE_SCORE not in launch.ags_scopes:
            raise NoGradebook("the platform offered no gradebook (AGS score service) in this launch")
        if resource_id and not (launch.ags_lineitems and SCOPE_LINEITEM in launch.ags_scopes):
            raise NoGradebook(
                "the platform does not let the tool make line items, so only the link's own can be graded"
            )
        now = time.time() if now is None else now
        score: dict[str, Any] = {
            "userId": launch.user_sub,
            "scoreGiven": score_given,
            "scoreMaximum": score_maximum,
            "activityProgress": activity_progress,
            "gradingProgress": grading_progress,
            "timestamp": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        if comment:
            score["comment"] = comment
        row = {
            "platform_id": launch.platform.id,
            "launch_id": launch.id,
            "lineitems_url": launch.ags_lineitems,
            # A resource id asks for the tool's own line item (one per unit); else the link's own, if any.
            "lineitem_url": "" if resource_id else launch.ags_lineitem,
            "resource_link_id": launch.resource_link_id,
            "resource_id": resource_id or launch.resource_link_id,
            "label": label or launch.resource_link_title or "MICRO QUEST",
            "score": json.dumps(score),
            "created_at": now,
            "attempts": 0,
            "next_try_at": now,
            "last_error": "",
        }
        with self.database.writing() as connection:
            outbox_id = connection.execute(insert(t.outbox).values(**row).returning(t.outbox.c.id)).scalar_one()
        log_event("lti.grade.queued", outbox_id=outbox_id, launch_id=launch.id, user=launch.user_sub)
        return outbox_id

    def deliver_due(self, now: float | None = None, limit: int = BATCH) -> Delivery:
        """Post every grade whose time has come (module docstring); which were delivered and which failed."""
        now = time.time() if now is None else now
        delivery = Delivery()
        for row in self._claim_due(now, limit):
            try:
                self._post(row)
            except ServiceError as error:
                self._failed(row, error, now)
                delivery.failed.append(row["id"])
            else:
                with self.database.writing() as connection:
                    connection.execute(
                        update(t.outbox)
                        .where(t.outbox.c.id == row["id"])
                        .values(delivered_at=time.time(), last_error="")
                    )
                log_event("lti.grade.delivered", outbox_id=row["id"], attempts=row["attempts"] + 1)
                delivery.delivered.append(row["id"])
        return delivery

    def _claim_due(self, now: float, limit: int) -> list[dict[str, Any]]:
        c = t.outbox.c
        with self.database.reading() as connection:
            due = connection.execute(
                select(t.outbox)
                .where(c.delivered_at.is_(None), c.next_try_at <= now)
                .order_by(c.next_try_at, c.id)
                .limit(limit)
            ).mappings()
            rows = [dict(row) for row in due]
        claimed = []
        for row in rows:
            with self.database.writing() as connection:
                won = connection.execute(
                    update(t.outbox)
                    .where(c.id == row["id"], c.delivered_at.is_(None), c.next_try_at == row["next_try_at"])
                    .values(next_try_at=now + self.lease)
                ).rowcount
            if won == 1:
                claimed.append(row)
        return claimed

    def _post(self, row: dict[str, Any]) -> None:
        platform = self.database.platform(row["platform_id"])
        lineitem = row["lineitem_url"]
        if not lineitem:
            lineitem = self.services.find_or_create_line_item(
                platform,
                row["lineitems_url"],
                resource_link_id=row["resource_link_id"],
                resource_id=row["resource_id"],
                label=row["label"],
                score_maximum=json.loads(row["score"])["scoreMaximum"],
            )
            with self.database.writing() as connection:
                connection.execute(update(t.outbox).where(t.outbox.c.id == row["id"]).values(lineitem_url=lineitem))
        self.services.post_score(platform, lineitem, json.loads(row["score"]))

    def _failed(self, row: dict[str, Any], error: ServiceError, now: float) -> None:
        attempts = row["attempts"] + 1
        delay = min(self.max_delay, self.base_delay * 2 ** (attempts - 1)) if error.retryable else self.max_delay
        delay *= random.uniform(0.8, 1.0)
        with self.database.writing() as connection:
            connection.execute(
                update(t.outbox)
                .where(t.outbox.c.id == row["id"])
                .values(attempts=attempts, next_try_at=now + delay, last_error=str(error)[:1000])
            )
        log_event(
            "lti.grade.retry",
            level=logging.WARNING,
            outbox_id=row["id"],
            attempts=attempts,
            next_try_in_seconds=round(delay),
            error=str(error),
        )

    def pending(self) -> list[dict[str, Any]]:
        """The rows not delivered yet, oldest first (for an operator's view and the tests)."""
        c = t.outbox.c
        with self.database.reading() as connection:
            rows = connection.execute(select(t.outbox).where(c.delivered_at.is_(None)).order_by(c.id)).mappings()
            return [dict(row) for row in rows]
