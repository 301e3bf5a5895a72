"""Who may do what: the one permission decision of schoolwacht.

Permissions are decided here, by the school's roles, never by who is admin of a chat. The decision
is pure: ``may(actor, action, resource)`` looks only at the facts handed in. The application layer
(``bot.access``) gathers those facts once per request: the school roles an account holds (from the
config and linked accounts), the groups it moderates (from the config, and from chat-admin rights
only when the config maps them to the moderator role), and the group and confidentiality of the
thing acted upon. Every chat command, alert button and CLI command asks this function.

``permission_table()`` renders the role × action table that README shows; a test keeps the two
equal, so the documentation cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class SchoolRole(StrEnum):
    """A role the school gives an account. ``MODERATOR`` is held per group (see ``Actor``)."""

    MEMBER = "member"  # everyone: students, parents, unknown accounts, chat admins by default
    MODERATOR = "moderator"  # the group's own teacher or mentor ([[groups.moderators]])
    STAFF = "staff"  # school staff who run the bot: [[school.admins]], staff ids, linked accounts
    TEAM_LEADER = "team_leader"  # [[school.team_leaders]]: second tier for incidents
    LEADERSHIP = "leadership"  # [[school.leadership]]: school leadership (B.5)
    CONFIDENTIAL_ADVISER = "confidential_adviser"  # [school.confidential_adviser] (A.11)


class Action(StrEnum):
    READ_RULES = "read_rules"
    FILE_REPORT = "file_report"
    LINK_ACCOUNT = "link_account"
    GROUP_APPROVE = "group_approve"
    GROUP_REJECT = "group_reject"
    GROUP_STATUS = "group_status"
    GROUP_POLICY = "group_policy"
    DIGEST_MANAGE = "digest_manage"
    FEEDBACK = "feedback"
    MEMBER_REMOVE = "member_remove"
    INCIDENT_VIEW = "incident_view"
    INCIDENT_HANDLE = "incident_handle"  # acknowledge, resolve, note, decide a sanction step
    INCIDENT_EXPORT = "incident_export"


DESCRIPTIONS: dict[Action, str] = {
    Action.READ_RULES: "`/help`, `/regels`",
    Action.FILE_REPORT: "`/meld` (quiet report)",
    Action.LINK_ACCOUNT: "`/koppel CODE` (link a staff account)",
    Action.GROUP_APPROVE: "approve a group (`/approve`, button, `groups approve`)",
    Action.GROUP_REJECT: "reject a group (`/reject`, button, `groups reject`)",
    Action.GROUP_STATUS: "`/status` of a group",
    Action.GROUP_POLICY: "`/beleid`: a group's policy, allow-words, mode",
    Action.DIGEST_MANAGE: "`/digest`: subscribers, `#belangrijk`",
    Action.FEEDBACK: "feedback on a finding (👍/👎, `/fb`)",
    Action.MEMBER_REMOVE: "`!sw kick`, `!sw ban` (Matrix)",
    Action.INCIDENT_VIEW: "see an incident (`/incident`, lists)",
    Action.INCIDENT_HANDLE: "`/ack`, `/resolve`, `/notitie`, `/besluit`",
    Action.INCIDENT_EXPORT: "dossier export (`incidents export`)",
}

EVERYONE = frozenset({Action.READ_RULES, Action.FILE_REPORT, Action.LINK_ACCOUNT})
# Configuration of one group: its own moderators and school staff.
GROUP_CARE = frozenset({Action.GROUP_STATUS, Action.GROUP_POLICY, Action.DIGEST_MANAGE,
                        Action.FEEDBACK, Action.MEMBER_REMOVE})
INCIDENT_ACTIONS = frozenset({Action.INCIDENT_VIEW, Action.INCIDENT_HANDLE,
                              Action.INCIDENT_EXPORT})
# School-level decisions about groups (B.1).
APPROVERS = frozenset({SchoolRole.STAFF, SchoolRole.LEADERSHIP})
# School staff whose duty covers every group's (not confidential) incidents.
INCIDENT_DUTY = frozenset({SchoolRole.STAFF, SchoolRole.TEAM_LEADER, SchoolRole.LEADERSHIP})


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: one platform identity (``telegram:123``) and the school roles it holds."""

    identity: str
    roles: frozenset[SchoolRole] = frozenset()
    moderates: frozenset[str] = frozenset()  # group keys

    def has(self, role: SchoolRole) -> bool:
        return role in self.roles


@dataclass(frozen=True, slots=True)
class Resource:
    """What is acted upon. ``group`` is the group key it belongs to (None: school-wide or none).

    ``confidential``: a quiet report or a wellbeing signal (A.11). ``shared_with_moderators``: the
    school (``reports_to``) or the adviser shares it with the group's moderators.
    ``approved_by_config``: the group is listed as approved in the config file.
    """

    group: str | None = None
    confidential: bool = False
    shared_with_moderators: bool = False
    approved_by_config: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str  # "allowed", "school_only", "not_moderator", "confidential", "config_approved"

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True, "allowed")


def _moderates(actor: Actor, resource: Resource) -> bool:
    return resource.group is not None and resource.group in actor.moderates


def may(actor: Actor, action: Action, resource: Resource) -> Decision:
    """The one decision: may ``actor`` do ``action`` to ``resource``?"""
    if action in EVERYONE:
        return ALLOWED
    if action in (Action.GROUP_APPROVE, Action.GROUP_REJECT):
        if not actor.roles & APPROVERS:
            return Decision(False, "school_only")
        if action is Action.GROUP_REJECT and resource.approved_by_config:
            return Decision(False, "config_approved")  # the config decides until it changes
        return ALLOWED
    if action in GROUP_CARE:
        if actor.has(SchoolRole.STAFF) or _moderates(actor, resource):
            return ALLOWED
        return Decision(False, "not_moderator")
    if action in INCIDENT_ACTIONS:
        if resource.confidential:
            if actor.has(SchoolRole.CONFIDENTIAL_ADVISER):
                return ALLOWED
            if resource.shared_with_moderators and _moderates(actor, resource):
                return ALLOWED
            return Decision(False, "confidential")
        if actor.roles & INCIDENT_DUTY or _moderates(actor, resource):
            return ALLOWED
        return Decision(False, "not_moderator")
    return Decision(False, "school_only")  # an action nobody was given: refused


# --- the table in README ---------------------------------------------------------------------

GROUP = "school:group"
COLUMNS: tuple[tuple[str, Actor], ...] = (
    ("member", Actor("member")),
    ("moderator (own group)", Actor("moderator", frozenset(), frozenset({GROUP}))),
    ("moderator (other group)", Actor("other", frozenset(), frozenset({"school:other"}))),
    ("staff", Actor("staff", frozenset({SchoolRole.STAFF}))),
    ("team leader", Actor("team_leader", frozenset({SchoolRole.TEAM_LEADER}))),
    ("leadership", Actor("leadership", frozenset({SchoolRole.LEADERSHIP}))),
    ("confidential adviser", Actor("adviser", frozenset({SchoolRole.CONFIDENTIAL_ADVISER}))),
)


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    action: Action
    resource: Resource = field(default_factory=lambda: Resource(GROUP))


def table_rows() -> list[Row]:
    rows: list[Row] = []
    for action in Action:
        label = DESCRIPTIONS[action]
        if action is Action.GROUP_REJECT:
            rows.append(Row(label, action))
            rows.append(Row(label + ", group approved in the config", action,
                            Resource(GROUP, approved_by_config=True)))
        elif action in INCIDENT_ACTIONS:
            rows.append(Row(label, action))
            rows.append(Row(label.replace("an incident", "a quiet report / wellbeing signal")
                            if "an incident" in label else label + ": quiet report / wellbeing",
                            action, Resource(GROUP, confidential=True)))
        else:
            rows.append(Row(label, action))
    return rows


def permission_table(columns: Iterable[tuple[str, Actor]] = COLUMNS) -> str:
    """The role × action table as Markdown, computed by asking ``may`` for every cell."""
    columns = list(columns)
    lines = ["| action | " + " | ".join(name for name, _ in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for row in table_rows():
        cells = ["✅" if may(actor, row.action, row.resource) else "—" for _, actor in columns]
        lines.append(f"| {row.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m core.permissions
    print(permission_table(), end="")
