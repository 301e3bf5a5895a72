"""README's permission table, walked cell by cell through the real adapters.

Every row of ``core.permissions.table_rows()`` (the rows README shows) is tried by one account of
every column: through the console chat, through python-telegram-bot's real HTTP stack against the
Bot API stand-in, and through a real Synapse. The expected outcome of each cell is the table's own
(``may`` on the abstract column); the real system must agree after it resolved the account's
roles from the config and the resource from the command. A forbidden cell must be refused with a
private, kind answer, change nothing, and be audited; an allowed cell must go through.

Then the attacks of issue 15 as named regression tests.
"""

from __future__ import annotations

import asyncio
import io
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from adapters.console import ConsoleChat, ConsolePort
from adapters.mail import MemoryBackend
from bot.bootstrap import build_app
from bot.commands import CommandResult
from bot.config import AppConfig, parse_config
from core.events import CommandEvent, GroupKind
from core.permissions import COLUMNS, Action, Row, may, table_rows
from storage.models import FindingRecord, Incident
from tests.synapse_fixture import synapse  # noqa: F401  (session fixture)

# Column name → account name (the platform id is derived from it per platform).
ACCOUNTS = {"member": "leerling", "moderator (own group)": "mentor", "moderator (other group)":
            "collega", "staff": "beheer", "team leader": "teamleider", "leadership": "directie",
            "confidential adviser": "vertrouwenspersoon"}
# Rows that are not chat commands on a platform (CLI only, or a platform's own command).
NOT_IN_CHAT = {Action.INCIDENT_EXPORT}
ONLY_ON = {Action.MEMBER_REMOVE: "matrix", Action.LINK_ACCOUNT: "telegram"}
SKIP_STATE = {"audit", "outbox", "adapter_state", "processed_updates", "alembic_version",
              "apscheduler_jobs"}


def school_config(tmp_path: Path, ids: dict[str, str], own: str, other: str,
                  **adapters: Any) -> AppConfig:
    """The school of the walk: ``ids`` maps account name → platform identity."""

    def contact(name: str) -> dict[str, Any]:
        return {"name": name, "accounts": [ids[name]]}

    return parse_config({
        "school": {"name": "Testschool", "admins": [contact("beheer")],
                   "team_leaders": [contact("teamleider")], "leadership": [contact("directie")],
                   # Reachable, so quiet reports are the adviser's alone (reports_to default).
                   "confidential_adviser": {**contact("vertrouwenspersoon"),
                                            "channels": ["mail:vp@school.test"]}},
        "storage": {"url": f"sqlite:///{tmp_path / 'sw.db'}"},
        "mail": {"backend": "memory"},
        "adapters": {"console": {"enabled": False}, **adapters},
        "groups": [
            {"id": own, "kind": "class", "title": "Klas 3A", "moderators": [contact("mentor")],
             "digest": {"enabled": True}},
            {"id": other, "kind": "class", "title": "Klas 3B",
             "moderators": [contact("collega")]},
        ],
    })


@dataclass
class Seen:
    """Every command the app answered, as the adapters handed it over."""

    results: list[tuple[CommandEvent, CommandResult]] = field(default_factory=list)

    def install(self, app: Any) -> None:
        original = app.on_command

        async def on_command(event: CommandEvent) -> CommandResult:
            result = await original(event)
            self.results.append((event, result))
            return result

        app.on_command = on_command


def state(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the bot keeps, except the logs of what it did (audit, outbox, adapter state),
    as the raw stored values (encrypted columns compared sealed)."""
    names = [n for n in inspect(app.db.engine).get_table_names() if n not in SKIP_STATE]
    with app.db.engine.connect() as conn:
        return {name: sorted(map(tuple, conn.exec_driver_sql(f'SELECT * FROM "{name}"').all()),
                             key=repr)
                for name in names}


async def refusals(app: Any, identity: str) -> int:
    entries = await app.repos.db.run(lambda: app.repos.audit.list(limit=100000))
    return sum(1 for e in entries if e.action == "permission.refused" and e.actor == identity)


@dataclass
class World:
    """What the walk acts on, created directly in the database (setup, not the thing tested)."""

    own: str
    incident: int
    report: int
    finding: int
    pending: Callable[[], Awaitable[str]]


async def seed(app: Any, own: str, new_key: Callable[[int], str]) -> World:
    incident = await app.repos.db.run(app.escalation.incidents.add, Incident(
        group_key=own, reason="critical", severity=4, members=["x"], articles=["A.10"]))
    report = await app.repos.db.run(app.escalation.incidents.add, Incident(
        group_key=own, reason="report", severity=2, members=["x"], articles=["A.11"],
        confidential=True, context=[{"kind": "report", "reporter_id": "r", "reporter_name":
                                     "Melder", "text": "geheim"}]))

    def finding() -> int:
        with app.db.session() as s:
            row = FindingRecord(group_key=own, message_id="1", member_id="x", policy="harassment",
                                flag="harassment", article="A.10", severity=2, score=0.9,
                                evidence="woord")
            s.add(row)
            s.commit()
            s.refresh(row)
            assert row.id is not None
            return row.id

    counter = itertools.count(1)

    async def pending() -> str:
        key = new_key(next(counter))
        await app.directory.register(key, title="Eigen groep", kind=GroupKind.CLASS,
                                     deadline=None)
        return key

    assert incident.id is not None and report.id is not None
    return World(own, incident.id, report.id, await app.repos.db.run(finding), pending)


async def command_for(row: Row, world: World, platform: str) -> str | None:
    """The command that performs ``row``'s action on ``row``'s resource, typed in the own group."""
    action, resource = row.action, row.resource
    if action in NOT_IN_CHAT or ONLY_ON.get(action, platform) != platform:
        return None
    incident = world.report if resource.confidential else world.incident
    match action:
        case Action.READ_RULES:
            return "regels"
        case Action.FILE_REPORT:
            return "meld er wordt iemand gepest"
        case Action.LINK_ACCOUNT:
            return "koppel ABCD-EFGH-JKMN"
        case Action.GROUP_APPROVE:
            return f"approve {await world.pending()}"
        case Action.GROUP_REJECT:
            target = world.own if resource.approved_by_config else await world.pending()
            return f"reject {target} bevestig"
        case Action.GROUP_STATUS:
            return "status"
        case Action.GROUP_POLICY:
            return "beleid modus observe"
        case Action.DIGEST_MANAGE:
            return "digest lijst"
        case Action.FEEDBACK:
            return f"fb correct {world.finding}"
        case Action.MEMBER_REMOVE:
            return "kick @niemand:localhost pesten"
        case Action.INCIDENT_VIEW:
            return f"incident {incident}"
        case Action.INCIDENT_HANDLE:
            return f"notitie {incident} gesproken met de ouders"
    raise AssertionError(f"no command for {action}")


Send = Callable[[str, str], Awaitable[None]]  # (account name, command without prefix)


async def walk(app: Any, seen: Seen, world: World, platform: str, ids: dict[str, str],
               send: Send, *, timeout: float = 20.0) -> int:
    """Every cell of the table; returns how many cells were tried."""
    tried = 0
    columns = dict(COLUMNS)
    for row in table_rows():
        for column, account in ACCOUNTS.items():
            command = await command_for(row, world, platform)
            if command is None:
                continue
            identity = ids[account]
            expected = may(columns[column], row.action, row.resource).allowed
            before_state = state(app)
            before_refused = await refusals(app, identity)
            count = len(seen.results)
            await send(account, command)
            deadline = asyncio.get_running_loop().time() + timeout
            while not [r for r in seen.results[count:]
                       if f"{r[0].platform}:{r[0].sender.platform_id}" == identity]:
                assert asyncio.get_running_loop().time() < deadline, \
                    f"{platform}: no answer to {command!r} from {column}"
                await asyncio.sleep(0.02)
            _event, result = next(r for r in seen.results[count:]
                                 if f"{r[0].platform}:{r[0].sender.platform_id}" == identity)
            where = f"{platform}: {column} → {row.label} ({command!r})"
            refused = await refusals(app, identity) - before_refused
            if expected:
                assert refused == 0, f"{where}: refused, but the table allows it"
            else:
                assert refused == 1, f"{where}: allowed, but the table forbids it"
                assert [r.to for r in result.replies] == ["private"], where
                assert "niets veranderd" in result.replies[0].text, where
                assert state(app) == before_state, f"{where}: refused but something changed"
            tried += 1
    return tried


# --- the console ---------------------------------------------------------------------------------
def console_ids() -> dict[str, str]:
    return {name: f"console:{name}" for name in ACCOUNTS.values()}


async def console_app(tmp_path: Path) -> tuple[Any, Seen, ConsoleChat, io.StringIO]:
    ids = console_ids()
    app = build_app(school_config(tmp_path, ids, "console:3a", "console:3b"),
                    mail=MemoryBackend(), adapters=[])
    out = io.StringIO()
    port = ConsolePort(out=out)
    app.add_port(port)
    await app.start()
    seen = Seen()
    seen.install(app)

    async def on_command(event: CommandEvent) -> None:  # as ConsoleAdapter.start wires it
        result = await app.on_command(event)
        for reply in result.replies:
            if reply.to == "private":
                await port.send_private(event.sender.display_name, reply.text)
            else:
                await port.send_message(event.group_id or "", reply.text)

    async def nothing(_: Any) -> None:
        return None

    chat = ConsoleChat(port, on_message=app.on_message, on_command=on_command, on_added=nothing,
                       known_groups=["console:3a", "console:3b"], lines=io.StringIO(""),
                       interactive=False)
    return app, seen, chat, out


async def test_the_whole_table_in_the_console(tmp_path: Path) -> None:
    app, seen, chat, out = await console_app(tmp_path)
    try:
        world = await seed(app, "console:3a", lambda n: f"console:nieuw-{n}")

        async def send(account: str, command: str) -> None:
            # The typed role grants nothing: everyone claims to be staff here.
            await chat.handle_line(f"/als {account} staff")
            await chat.handle_line(f"/{command}")

        tried = await walk(app, seen, world, "console", console_ids(), send)
        assert tried == 13 * len(ACCOUNTS)  # all rows but the export, kick and /koppel
        assert "🔒 [privé aan leerling] Sorry" in out.getvalue()
    finally:
        await app.stop()


async def test_console_teacher_of_a_parent_group_cannot_close_3a_report(tmp_path: Path) -> None:
    app, _seen, chat, out = await console_app(tmp_path)
    try:
        world = await seed(app, "console:3a", lambda n: f"console:nieuw-{n}")
        await chat.handle_line("/groep 3b")
        await chat.handle_line("/als collega teacher")  # the other class's own mentor
        for line in (f"/incident {world.report}", f"/resolve {world.report} onterecht bevestig",
                     f"/ack {world.report}", f"/incident {world.incident}"):
            await chat.handle_line(line)
        incident = await app.repos.db.run(app.escalation.incidents.get, world.report)
        assert incident.status == "open" and incident.assignee is None
        assert "geheim" not in out.getvalue() and "Melder" not in out.getvalue()
        assert out.getvalue().count("🔒 [privé aan collega] Sorry") == 4
    finally:
        await app.stop()


# --- Telegram ------------------------------------------------------------------------------------
TOKEN = "123456:TEST-token"
OWN_ID, OTHER_ID, STUDENT_GROUP = -100111, -100222, -100333
TG_IDS = dict(zip(ACCOUNTS.values(), range(5001, 5001 + len(ACCOUNTS)), strict=True))


@pytest.fixture
async def telegram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from tests.telegram_standin import BotApiStandIn, administrator, user

    api = BotApiStandIn(token=TOKEN)
    await api.start()
    monkeypatch.setenv("SCHOOLWACHT_TELEGRAM_TOKEN", TOKEN)
    users = {name: user(uid, name.capitalize(), name) for name, uid in TG_IDS.items()}
    # The student is admin of the class group on Telegram (and owner of his own group).
    api.admins[OWN_ID] = [users["leerling"]]
    api.admins[STUDENT_GROUP] = [users["leerling"]]
    api.bot_member[OWN_ID] = administrator(api.bot_user)
    ids = {name: f"telegram:{uid}" for name, uid in TG_IDS.items()}
    config = school_config(tmp_path, ids, f"telegram:{OWN_ID}", f"telegram:{OTHER_ID}",
                           telegram={"enabled": True, "base_url": api.base_url,
                                     "admin_chat_id": -100900})
    app = build_app(config, mail=MemoryBackend())
    seen = Seen()
    seen.install(app)
    await app.start()

    def rights_checked() -> bool:  # the start-up rights check settles the group rows first
        rows = [app.repos.groups.get(f"telegram:{chat}") for chat in (OWN_ID, OTHER_ID)]
        return all(row is not None and row.can_delete is not None for row in rows)

    await api.wait_for(rights_checked)
    try:
        yield api, app, seen, users, ids
    finally:
        await app.stop()
        await api.stop()


async def test_the_whole_table_on_telegram(telegram) -> None:  # type: ignore[no-untyped-def]
    from tests.telegram_standin import group, message, private_chat

    api, app, seen, users, ids = telegram
    world = await seed(app, f"telegram:{OWN_ID}", lambda n: f"telegram:-1007{n:03d}")
    own = group(OWN_ID, "Klas 3A")

    async def send(account: str, command: str) -> None:
        who = users[account]
        chat = private_chat(who) if command.startswith("koppel") else own
        api.push(message(chat, who, f"/{command}"))

    tried = await walk(app, seen, world, "telegram", ids, send)
    assert tried == 14 * len(ACCOUNTS)  # all rows but the export (CLI) and kick (Matrix)
    # Refusals went to the person privately, never into the group.
    assert api.calls_of("sendMessage", chat_id=TG_IDS["leerling"])
    assert not [c for c in api.calls_of("sendMessage", chat_id=OWN_ID)
                if "niets veranderd" in str(c.get("text"))]


async def test_telegram_student_own_group_reaches_nothing_of_another_class(telegram) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: a student adds the bot to his own (unapproved) group, where he is admin, and
    tries /incident, /ack and /resolve on another class's incident and quiet report."""
    from tests.telegram_standin import group, left, member, message, my_chat_member

    api, app, seen, users, ids = telegram
    world = await seed(app, f"telegram:{OWN_ID}", lambda n: f"telegram:-1007{n:03d}")
    student = users["leerling"]
    own_group = group(STUDENT_GROUP, "Mijn groep")
    api.push(my_chat_member(own_group, student, left(api.bot_user), member(api.bot_user)))
    await api.wait_for(lambda: app.repos.groups.get(f"telegram:{STUDENT_GROUP}"))
    for incident in (world.incident, world.report):
        for text in (f"/incident {incident}", f"/ack {incident}",
                     f"/resolve {incident} onterecht bevestig", f"/notitie {incident} x"):
            api.push(message(own_group, student, text))
    await api.wait_for(lambda: len(seen.results) >= 8)
    for incident_id in (world.incident, world.report):
        row = await app.repos.db.run(app.escalation.incidents.get, incident_id)
        assert row.status == "open" and row.assignee is None
    answers = " ".join(str(c.get("text")) for c in api.calls_of("sendMessage"))
    assert "geheim" not in answers and "Melder" not in answers and "Klas 3A" not in answers
    assert await refusals(app, ids["leerling"]) == 8


async def test_telegram_group_admin_student_changes_no_setting(telegram) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: a student who is admin of the class group tries observe mode, an allow-word and
    a digest subscriber; nothing changes."""
    from tests.telegram_standin import group, message

    api, app, seen, users, ids = telegram
    own = group(OWN_ID, "Klas 3A")
    before = state(app)
    for text in ("/beleid modus observe", "/beleid harassment allow [\"kanker\"]",
                 "/digest add ouder@example.org", "/status"):
        api.push(message(own, users["leerling"], text))
    await api.wait_for(lambda: len(seen.results) >= 4)
    assert state(app) == before
    group_now = await app.directory.get(f"telegram:{OWN_ID}")
    assert not group_now.observe
    assert await refusals(app, ids["leerling"]) == 4


async def test_telegram_admin_chat_member_who_is_not_staff_cannot_approve(telegram) -> None:  # type: ignore[no-untyped-def]
    from tests.telegram_standin import callback_query, group

    api, app, _seen, users, ids = telegram
    key = f"telegram:{STUDENT_GROUP}"
    await app.directory.register(key, title="Mijn groep", kind=GroupKind.CLASS, deadline=None)
    # The team leader sits in the admin chat (and is admin there), but does not approve groups.
    api.admins[-100900] = [users["teamleider"]]
    api.push(callback_query(users["teamleider"], group(-100900, "Beheer"), 1, f"approve:{key}"))
    answer = (await api.wait_for(lambda: api.calls_of("answerCallbackQuery")))[0]
    assert "schoolleiding" in answer["text"]
    assert (await app.directory.row(key)).approval == "pending"
    assert await refusals(app, ids["teamleider"]) == 1
    # A configured admin does.
    api.push(callback_query(users["beheer"], group(-100900, "Beheer"), 1, f"approve:{key}"))
    await api.wait_for(lambda: len(api.calls_of("answerCallbackQuery")) == 2)
    assert (await app.directory.row(key)).approval == "approved"


# --- Matrix (a real Synapse) ---------------------------------------------------------------------
@pytest.mark.slow
async def test_the_whole_table_on_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         synapse) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tests.matrix_support import Person, start_bot

    bot = synapse.register("schoolwacht")
    people = {}
    for name in ACCOUNTS.values():
        person = Person(synapse, synapse.register(name), tmp_path / f"nio-{name}")
        await person.start()
        people[name] = person
    try:
        creator = people["leerling"]  # the student created the room: power 100 there
        others = [p.user_id for n, p in people.items() if n != "leerling"]
        management = await creator.create_room("Beheer", invite=(bot.user_id,))
        klas = await creator.create_room("Klas 3A", invite=(bot.user_id, *others),
                                         powers={bot.user_id: 50})
        for name, person in people.items():
            if name != "leerling":
                await person.join(klas)
        ids = {name: f"matrix:{p.user_id}" for name, p in people.items()}
        monkeypatch.setenv("SW_TEST_MATRIX_TOKEN", bot.access_token)
        config = school_config(tmp_path, ids, f"matrix:{klas}", "matrix:!andere:localhost",
                               matrix={"enabled": True, "homeserver": synapse.url,
                                       "user_id": bot.user_id,
                                       "access_token_env": "SW_TEST_MATRIX_TOKEN",
                                       "password_env": None,
                                       "store_path": str(tmp_path / "matrix-store"),
                                       "management_room": management})
        app, adapter = await start_bot(config)
        seen = Seen()
        seen.install(app)
        try:
            from tests.matrix_support import eventually

            await eventually(lambda: klas in adapter.client.rooms, what="bot joined")
            world = await seed(app, f"matrix:{klas}", lambda n: f"matrix:!nieuw{n}:localhost")

            async def send(account: str, command: str) -> None:
                await people[account].say(klas, f"!sw {command}")

            tried = await walk(app, seen, world, "matrix", ids, send, timeout=30)
            assert tried == 14 * len(ACCOUNTS)  # all rows but the export and /koppel
        finally:
            await app.stop()
    finally:
        for person in people.values():
            await person.close()



async def test_telegram_meld_without_a_private_chat_leaves_no_trace_in_the_group(telegram) -> None:  # type: ignore[no-untyped-def]
    """A member who never opened a private chat with the bot still reports; the group sees
    nothing (no thanks, no note naming them), and the report reaches the adviser."""
    from tests.telegram_standin import group, message

    api, app, seen, users, _ids = telegram
    api.never_started.add(users["leerling"]["id"])
    before = len(api.calls_of("sendMessage", chat_id=OWN_ID))
    report = message(group(OWN_ID, "Klas 3A"), users["leerling"], "/meld ze pesten Noor")
    api.push(report)
    await api.wait_for(lambda: api.calls_of("deleteMessage", chat_id=OWN_ID,
                                            message_id=report["message"]["message_id"]))
    await api.wait_for(lambda: len(seen.results) >= 1)
    # The private thanks was tried (403: no private chat), and then nothing else was sent.
    await api.wait_for(lambda: [c for c in api.calls if c.method == "sendMessage"
                                and c.status == 403])
    await api.drained()
    await asyncio.sleep(0.5)
    assert len(api.calls_of("sendMessage", chat_id=OWN_ID)) == before
    incidents = await app.repos.db.run(lambda: app.escalation.incidents.list())
    assert [i.confidential for i in incidents] == [True]


async def test_telegram_moderation_knows_the_configured_mentor_not_the_group_admin(telegram) -> None:  # type: ignore[no-untyped-def]
    """The group's configured mentor writes as its teacher (never removed); the student who is
    admin of the group is moderated like any student."""
    from tests.telegram_standin import group, message

    api, _app, _seen, users, _ids = telegram
    own = group(OWN_ID, "Klas 3A")
    text = "Bel hem maar op 06-12345678 en zeg wat je van die sukkel vindt"
    mentor = message(own, users["mentor"], text)
    student = message(own, users["leerling"], text)
    api.push(mentor, student)
    await api.wait_for(lambda: api.calls_of("deleteMessage", chat_id=OWN_ID,
                                            message_id=student["message"]["message_id"]))
    await api.drained()
    assert not api.calls_of("deleteMessage", message_id=mentor["message"]["message_id"])
