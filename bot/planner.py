"""From a verdict to an action plan, by each policy's per-severity action table.

Rules that keep the bot kind and trustworthy:
- staff messages are never deleted or answered in the group (B.4: they speak for the school); a
  serious finding about them is only recorded and, from ``high``, shown to moderators;
- a reminder goes to a member at most once per flag per day; a repeat is reported to the group's
  moderators instead of nagging in the group;
- a warning replaces a reminder (one bot message per offending message) and is never dropped as a
  repeat: a member whose message was removed is always told why;
- an informational finding (a policy declaring ``Route.INFORMATIONAL``, or severity ``none``: an
  off-topic score) acts only when it is the message's only kind of finding;
- a care finding (a policy declaring ``Route.CARE``: a member who may be at risk) silences every
  in-group action about the message; the confidential adviser reaches out instead;
- in observe mode nothing happens in the group; records, alerts and escalation still do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from core.events import Role
from core.findings import ActionKind, Finding, Route, Severity
from core.verdict import ActionPlan, PlannedAction, Verdict
from policies.base import PolicySettings

IN_GROUP = frozenset({ActionKind.DELETE, ActionKind.WARN, ActionKind.REMIND, ActionKind.RESTRICT})
ORDER = (ActionKind.DELETE, ActionKind.RESTRICT, ActionKind.WARN, ActionKind.REMIND,
         ActionKind.NOTIFY, ActionKind.ESCALATE)


class ReminderLimiter:
    """Counts, per member, flag and day, how often a reminder was due. In memory: after a restart a
    member may get one more reminder that day, which is harmless."""

    def __init__(self) -> None:
        self._day: date | None = None
        self._counts: dict[tuple[str, str, str], int] = {}

    def count(self, group_key: str, member_id: str, flag: str, today: date) -> int:
        """This occurrence's number today (1 for the first)."""
        if today != self._day:
            self._day, self._counts = today, {}
        key = (group_key, member_id, flag)
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]


def plan_actions(
    verdict: Verdict,
    settings: Mapping[str, PolicySettings],
    *,
    sender_role: Role,
    observe: bool,
    group_key: str,
    member_id: str,
    today: date,
    reminders: ReminderLimiter,
) -> ActionPlan:
    chosen: dict[ActionKind, Finding] = {}
    occurrence: dict[str, int] = {}
    harmful = any(not f.informational for f in verdict.findings)
    for finding in sorted(verdict.findings, key=lambda f: (f.severity, f.score), reverse=True):
        if finding.informational and harmful:
            # Information (an off-topic score) beside a real finding: the real one speaks for the
            # message; otherwise an insult would also get a topic reminder or a topic alert.
            continue
        policy_settings = settings.get(finding.policy)
        table = policy_settings.actions if policy_settings else {}
        for kind in map(ActionKind, table.get(finding.severity.label, [])):
            if kind in (ActionKind.REMIND, ActionKind.WARN) and not sender_role.is_staff:
                if finding.flag not in occurrence:
                    occurrence[finding.flag] = reminders.count(group_key, member_id, finding.flag,
                                                               today)
                # One reminder a day in the group; the teacher hears once when it goes on (after
                # ``report_repeats_after`` occurrences, default 2); after that it is only recorded.
                # A warning always goes: it says why the member's message disappeared.
                n = occurrence[finding.flag]
                if kind is ActionKind.REMIND and n > 1:
                    report_at = policy_settings.report_repeats_after if policy_settings else 2
                    if n != max(2, report_at):
                        continue
                    kind = ActionKind.NOTIFY
            chosen.setdefault(kind, finding)
    if any(f.route is Route.CARE for f in verdict.findings):
        chosen = {k: f for k, f in chosen.items() if k not in IN_GROUP}
    elif sender_role.is_staff:
        chosen = {k: f for k, f in chosen.items() if k not in IN_GROUP}
        if verdict.severity < Severity.HIGH:
            chosen.pop(ActionKind.NOTIFY, None)
    if ActionKind.WARN in chosen:
        chosen.pop(ActionKind.REMIND, None)
    actions = tuple(PlannedAction(kind, chosen[kind]) for kind in ORDER if kind in chosen)
    return ActionPlan(actions=actions, observe=observe)
