"""The permission model (core/permissions.py): the decision itself, README's table, the facts
gathered from the config, and the CLI's destructive commands."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from bot.access import config_roles
from bot.cli import app as cli
from bot.config import load_config, parse_config
from bot.keys import open_database
from core.permissions import Action, Actor, Resource, SchoolRole, may, permission_table
from storage.models import Group
from storage.repositories import Repositories

ROOT = Path(__file__).resolve().parent.parent
TABLE = re.compile(r"<!-- permission-table:start -->\n(.*?)<!-- permission-table:end -->", re.S)

CLASS_3A, CLASS_3B, OWN = "telegram:-1003", "telegram:-1004", "telegram:-1009"
STUDENT = Actor("telegram:42")  # created his own group and is its admin: no role at all
MENTOR_3B = Actor("telegram:800", moderates=frozenset({CLASS_3B}))
ADVISER = Actor("telegram:700", frozenset({SchoolRole.CONFIDENTIAL_ADVISER}))
ADMIN = Actor("telegram:1", frozenset({SchoolRole.STAFF}))


def test_readme_table_is_the_one_the_code_generates() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    found = TABLE.search(readme)
    assert found, "README lacks the permission table markers"
    assert found.group(1) == permission_table(), "regenerate with: schoolwacht permissions"
    printed = CliRunner().invoke(cli, ["permissions"])
    assert printed.exit_code == 0 and printed.output == permission_table()


def test_another_groups_incident_is_out_of_reach() -> None:
    incident = Resource(CLASS_3A)
    report = Resource(CLASS_3A, confidential=True)
    for action in (Action.INCIDENT_VIEW, Action.INCIDENT_HANDLE, Action.INCIDENT_EXPORT):
        assert not may(STUDENT, action, incident)
        assert not may(STUDENT, action, report)
        assert not may(MENTOR_3B, action, incident)  # a teacher of another class
        assert not may(MENTOR_3B, action, report)
        assert not may(ADMIN, action, report)  # staff do not read quiet reports
        assert may(ADVISER, action, report)
        assert may(ADMIN, action, incident)
    # A quiet report reaches the group's moderators only when the school shares it with them.
    mentor_3a = Actor("telegram:801", moderates=frozenset({CLASS_3A}))
    assert not may(mentor_3a, Action.INCIDENT_VIEW, report)
    assert may(mentor_3a, Action.INCIDENT_VIEW, Resource(CLASS_3A, confidential=True,
                                                         shared_with_moderators=True))


def test_only_configured_staff_decide_on_groups() -> None:
    pending = Resource(OWN)
    for actor in (STUDENT, MENTOR_3B, ADVISER, Actor("telegram:5", frozenset({
            SchoolRole.TEAM_LEADER}))):
        assert may(actor, Action.GROUP_APPROVE, pending).reason == "school_only"
        assert not may(actor, Action.GROUP_REJECT, pending)
    assert may(ADMIN, Action.GROUP_APPROVE, pending)
    assert may(ADMIN, Action.GROUP_REJECT, pending)
    # The config approves it: nobody rejects it until the config changes.
    decision = may(ADMIN, Action.GROUP_REJECT, Resource(CLASS_3A, approved_by_config=True))
    assert not decision and decision.reason == "config_approved"


def test_group_settings_belong_to_the_groups_moderators() -> None:
    for action in (Action.GROUP_POLICY, Action.DIGEST_MANAGE, Action.FEEDBACK,
                   Action.GROUP_STATUS, Action.MEMBER_REMOVE):
        assert not may(STUDENT, action, Resource(OWN))
        assert not may(MENTOR_3B, action, Resource(CLASS_3A))
        assert may(MENTOR_3B, action, Resource(CLASS_3B))
        assert may(ADMIN, action, Resource(CLASS_3A))
        assert not may(MENTOR_3B, action, Resource(None))  # no group named: not theirs


def test_roles_come_from_the_config_not_from_the_platform() -> None:
    config = parse_config({
        "school": {
            "admins": [{"name": "ICT", "channels": ["telegram:-100900", "mail:ict@school.nl"],
                        "accounts": ["matrix:@ict:school.nl"]}],
            "confidential_adviser": {"name": "VP", "channels": ["telegram:700",
                                                                "console:vertrouwenspersoon"]},
            "leadership": [{"name": "Directie", "channels": ["matrix:!directie:school.nl"]}],
        },
        "adapters": {"telegram": {"staff_user_ids": [11]}, "matrix": {"staff": ["@t:s"]}},
        "groups": [{"id": CLASS_3A, "kind": "class",
                    "moderators": [{"name": "Mentor", "channels": ["telegram:801"]}]}],
    })
    roles, moderates = config_roles(config)
    assert roles["matrix:@ict:school.nl"] == {SchoolRole.STAFF}
    assert "telegram:-100900" not in roles  # a group chat is not a person
    assert roles["telegram:700"] == roles["console:vertrouwenspersoon"] == {
        SchoolRole.CONFIDENTIAL_ADVISER}
    assert roles["telegram:11"] == roles["matrix:@t:s"] == {SchoolRole.STAFF}
    assert not any(SchoolRole.LEADERSHIP in r for r in roles.values())  # a room is nobody
    assert moderates == {"telegram:801": {CLASS_3A}}
    assert config.permissions.chat_admins == "nothing"


def _cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"""
[storage]
url = "sqlite:///{tmp_path / 'sw.db'}"
[adapters.console]
enabled = false
[[groups]]
id = "telegram:-1003"
kind = "class"
title = "Klas 3A"
""", "utf-8")
    return path


def test_cli_refuses_to_reject_a_group_the_config_approves(tmp_path: Path) -> None:
    config = _cli_config(tmp_path)
    repos = Repositories(open_database(load_config(config)))
    result = CliRunner().invoke(cli, ["groups", "reject", CLASS_3A, "--yes", "-c", str(config)])
    assert result.exit_code == 1
    assert "approved in the config file" in result.output and "Nothing was changed" in \
        result.output
    assert repos.groups.get(CLASS_3A) is None or repos.groups.get(CLASS_3A).approval != \
        "rejected"
    assert [e.action for e in repos.audit.list(CLASS_3A)] == ["permission.refused"]
    assert not repos.outbox.list("pending")  # the bot is not told to leave


def test_cli_reject_asks_first_and_says_what_happens(tmp_path: Path) -> None:
    config = _cli_config(tmp_path)
    repos = Repositories(open_database(load_config(config)))
    repos.groups.upsert(Group(key=OWN, platform="telegram", chat_id="-1009", kind="class",
                              title="Eigen groep", approval="pending"))
    runner = CliRunner()
    declined = runner.invoke(cli, ["groups", "reject", OWN, "-c", str(config)], input="n\n")
    assert declined.exit_code != 0 and "leaves it" in declined.output
    assert repos.groups.get(OWN).approval == "pending"
    done = runner.invoke(cli, ["groups", "reject", OWN, "-c", str(config)], input="y\n")
    assert done.exit_code == 0, done.output
    assert repos.groups.get(OWN).approval == "rejected"
