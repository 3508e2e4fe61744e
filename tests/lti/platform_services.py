"""The test platform's course and people, and its AGS gradebook and NRPS roster over TestPlatform's state.

lti1p3platform checks the bearer token and its scopes and shapes the answers; these classes say
where the line items, scores, results and members are (tests/lti/platform.py serves them).
"""

from __future__ import annotations

from typing import Any

from lti1p3platform.exceptions import LineItemNotFoundException
from lti1p3platform.membership import Context
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
CONTEXT = Context(id="course-7", label="MQ", title="Mikrodokazila v PIU")
RESOURCE_LINK = "link-42"
USERS = {
    "ana": {"name": "Ana Novak", "email": "ana@example.org", "roles": [LEARNER]},
    "bor": {"name": "Bor Kralj", "email": "bor@example.org", "roles": [LEARNER]},
    "teacher": {"name": "Tina Učiteljica", "email": "tina@example.org", "roles": [INSTRUCTOR]},
}


class Gradebook(AssignmentsGradesService):
    def __init__(self, *args: Any, platform: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.platform = platform

    def find_lineitems(self, page=1, limit=None, line_item_id=None, resource_link_id=None, resource_id=None, tag=None):
        items = [
            item
            for item in self.platform.line_items.values()
            if (not resource_link_id or item["resourceLinkId"] == resource_link_id)
            and (not resource_id or item["resourceId"] == resource_id)
        ]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id):
        return self.platform.line_items[line_item_id]

    def create_lineitem(self, creation_data):
        item_id = self.platform.add_line_item(
            creation_data["label"],
            creation_data.get("resourceLinkId", ""),
            creation_data.get("resourceId", ""),
            creation_data["scoreMaximum"],
        )
        return self.platform.line_items[item_id]

    def update_lineitem(self, update_data):
        raise NotImplementedError

    def delete_lineitem(self, line_item_id):
        raise NotImplementedError

    def update_score(self, line_item_id, score):
        if line_item_id not in self.platform.line_items:
            raise LineItemNotFoundException
        self.platform.scores.setdefault(line_item_id, []).append(score)
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None):
        latest = {score["userId"]: score for score in self.platform.scores.get(line_item_id, [])}
        results = [
            {
                "userId": user,
                "resultScore": s["scoreGiven"],
                "resultMaximum": s["scoreMaximum"],
                "scoreOf": line_item_id,
            }
            for user, s in latest.items()
            if not user_id or user == user_id
        ]
        return {"content": results, "has_next": False, "next": None}


class Roster(NamesRoleProvisioningService):
    def get_member_data_page(self, page=1, limit=None, role=None, since=None):
        members = [
            {"user_id": user_id, "name": user["name"], "email": user["email"], "roles": user["roles"]}
            for user_id, user in USERS.items()
            if not role or role in user["roles"]
        ]
        if limit is None:
            return {"content": members, "has_next": False, "next": None}
        start, size = (int(page) - 1) * int(limit), int(limit)
        return {"content": members[start : start + size], "has_next": start + size < len(members), "next": None}

    def get_context_by_id(self):
        return CONTEXT
