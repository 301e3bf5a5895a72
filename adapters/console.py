"""The console adapter: a terminal chat for trying schoolwacht locally.

You post as a named user with a role into a named group and see exactly what the bot does: its
replies, deletions, private messages and alerts. It is a real adapter: it produces the same neutral
events as Telegram or Matrix and carries out actions through the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from core.events import BotAddedEvent, CommandEvent, MessageEvent, Role, Sender
from core.files import FileSealer, open_private
from core.ports import OutgoingAlert, SentRef

PLATFORM = "console"
ALERTS_CONTEXT = "file:alerts.jsonl"

HELP = """Console-chat van schoolwacht. Typ een bericht en druk op Enter.
  /als NAAM ROL        praat als iemand anders (rol: student, teacher, parent, staff)
  /groep NAAM [SOORT]  ga naar een groep (soort: class, parent, staff)
  /antwoord N TEKST    antwoord op bericht N (ook een opdracht: /antwoord N /meld)
  /stop                stoppen
Opdrachten voor de bot: /help, /regels, /meld, /status, /beleid
Als beheerder (/als Beheer staff): /approve console:NAAM, /reject console:NAAM
"""


class ConsolePort:
    """Prints what the bot does; alerts also go to a JSON Lines file in the alerts folder."""

    platform = PLATFORM

    def __init__(self, out: TextIO | None = None, alerts_folder: Path | None = None,
                 sealer: FileSealer | None = None) -> None:
        self.out = out or sys.stdout
        self.alerts_folder = alerts_folder
        # Alerts name people: each line of alerts.jsonl is sealed with the data key when one is
        # given (``schoolwacht privacy open`` shows them).
        self.sealer = sealer
        self._ids = itertools.count(1)
        self.left: set[str] = set()

    def _print(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    async def send_message(self, chat_id: str, text: str, *, reply_to: str | None = None,
                           notice: bool = True) -> SentRef | None:
        where = f" (antwoord op #{reply_to})" if reply_to else ""
        self._print(f"🤖 [bot → {chat_id}]{where} {text}")
        return SentRef(chat_id, f"bot-{next(self._ids)}")

    async def delete_message(self, chat_id: str, message_id: str, *, reason: str) -> bool:
        self._print(f"🗑  [bot] bericht #{message_id} in {chat_id} verwijderd — {reason}")
        return True

    async def restrict_member(self, chat_id: str, member_id: str, *, until: datetime) -> bool:
        self._print(f"🔇 [bot] {member_id} in {chat_id} tijdelijk gedempt tot {until:%H:%M}")
        return True

    async def leave_group(self, chat_id: str) -> bool:
        self.left.add(chat_id)
        self._print(f"👋 [bot] heeft groep {chat_id} verlaten")
        return True

    async def send_alert(self, chat_id: str, alert: OutgoingAlert) -> SentRef | None:
        buttons = "  ".join(f"[{b.label} → {b.data}]" for b in alert.buttons)
        self._print(f"🔔 [melding → {chat_id}] " + alert.text.replace("\n", "\n   ")
                    + (f"\n   {buttons}" if buttons else ""))
        if self.alerts_folder is not None:
            record = {"to": chat_id, "text": alert.text, "buttons": [b.data for b in alert.buttons]}
            line = json.dumps(record, ensure_ascii=False)
            if self.sealer is not None:
                line = self.sealer.seal(line, ALERTS_CONTEXT)
            with open_private(self.alerts_folder / "alerts.jsonl", "a") as fh:
                fh.write(line + "\n")
        return SentRef(chat_id, f"alert-{next(self._ids)}")

    async def edit_alert(self, ref: SentRef, alert: OutgoingAlert) -> bool:
        self._print(f"✏️  [melding {ref.message_id} bijgewerkt] {alert.text}")
        return True

    async def send_private(self, user_id: str, text: str) -> SentRef | None:
        self._print(f"🔒 [privé aan {user_id}] {text}")
        return SentRef(user_id, f"dm-{next(self._ids)}")


OnMessage = Callable[[MessageEvent], Awaitable[object]]
OnCommand = Callable[[CommandEvent], Awaitable[object]]
OnAdded = Callable[[BotAddedEvent], Awaitable[object]]


class ConsoleChat:
    """Reads lines from the terminal and turns them into events."""

    def __init__(self, port: ConsolePort, *, on_message: OnMessage, on_command: OnCommand,
                 on_added: OnAdded, known_groups: list[str], lines: TextIO | None = None,
                 interactive: bool | None = None) -> None:
        self.port = port
        self.on_message = on_message
        self.on_command = on_command
        self.on_added = on_added
        self.lines = lines or sys.stdin
        self.interactive = self.lines.isatty() if interactive is None else interactive
        self.group = known_groups[0].partition(":")[2] if known_groups else "klas"
        self.known = {g.partition(":")[2] for g in known_groups}
        self.sender = Sender(platform_id="sam", display_name="Sam", role=Role.STUDENT)
        self._ids = itertools.count(1)
        self._senders: dict[tuple[str, str], str] = {}  # (group, message id) -> sender id

    def _say(self, line: str) -> None:
        self.port._print(line)

    def _whoami(self) -> None:
        self._say(f"Je bent {self.sender.display_name} ({self.sender.role.value}) in groep "
                  f"console:{self.group}.")

    async def _readline(self) -> str | None:
        if self.interactive:
            self.port.out.write(f"{self.sender.display_name}@{self.group}> ")
            self.port.out.flush()
        line = await _read_in_daemon_thread(self.lines.readline)
        return None if line == "" else line.rstrip("\n")

    async def run(self) -> None:
        self._say(HELP)
        self._whoami()
        while (line := await self._readline()) is not None:
            if not line.strip():
                continue
            if not await self.handle_line(line):
                break

    async def handle_line(self, line: str) -> bool:
        """Process one typed line; False when the user wants to stop."""
        words = line.split()
        head = words[0].lower()
        if head in ("/stop", "/quit"):
            return False
        if head in ("/als", "/as") and len(words) >= 3:
            try:
                role = Role(words[-1].lower())
            except ValueError:
                self._say("Rol moet student, teacher, parent of staff zijn.")
                return True
            name = " ".join(words[1:-1])
            self.sender = Sender(platform_id=name.lower().replace(" ", "-"), display_name=name,
                                 role=role, is_group_admin=role.is_staff)
            self._whoami()
            return True
        if head in ("/groep", "/group") and len(words) >= 2:
            self.group = words[1]
            if self.group not in self.known:
                self.known.add(self.group)
                await self.on_added(BotAddedEvent(platform=PLATFORM, group_id=self.group,
                                                  group_title=self.group, added_by=self.sender))
            self._whoami()
            return True
        reply_to: str | None = None
        if head in ("/antwoord", "/reply") and len(words) >= 3:
            # A reply can be a message or a command (``/antwoord 4 /meld``), as on Telegram.
            reply_to, words = words[1].lstrip("#"), words[2:]
            head = words[0].lower()
        if head.startswith("/"):
            # Commands are not posted in the group: a quiet report (/meld) leaves no trace there.
            await self.on_command(CommandEvent(
                platform=PLATFORM, group_id=self.group, sender=self.sender, name=head[1:],
                args=tuple(words[1:]), reply_to_message_id=reply_to,
                reply_to_sender_id=self._senders.get((self.group, reply_to or ""))))
            return True
        await self._post(" ".join(words) if reply_to else line, reply_to=reply_to)
        return True

    async def _post(self, text: str, reply_to: str | None = None) -> None:
        message_id = str(next(self._ids))
        self._senders[(self.group, message_id)] = self.sender.platform_id
        where = f" (antwoord op #{reply_to})" if reply_to else ""
        self._say(f"   #{message_id} {self.sender.display_name}{where}: {text}")
        await self.on_message(MessageEvent(
            platform=PLATFORM, group_id=self.group, message_id=message_id, sender=self.sender,
            text=text, reply_to_message_id=reply_to,
            reply_to_sender_id=self._senders.get((self.group, reply_to or "")),
            group_title=self.group))


async def _read_in_daemon_thread(read: Callable[[], str]) -> str:
    """A blocking read in a daemon thread: a stop (SIGTERM) never waits for the next line."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def deliver(result: str | BaseException) -> None:
        if future.done():
            return
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)

    def work() -> None:
        try:
            result: str | BaseException = read()
        except BaseException as exc:  # handed to the loop, raised there
            result = exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(deliver, result)

    threading.Thread(target=work, name="console-input", daemon=True).start()
    return await future


class ConsoleAdapter:
    """Runs the console chat as the bot's main job: when the input ends, the bot stops."""

    name = PLATFORM

    def __init__(self, *, known_groups: list[str], alerts_folder: Path | None,
                 lines: TextIO | None = None, out: TextIO | None = None,
                 sealer: FileSealer | None = None) -> None:
        self.port = ConsolePort(out=out, alerts_folder=alerts_folder, sealer=sealer)
        self.known_groups = known_groups
        self.lines = lines
        self._task: asyncio.Task[None] | None = None

    async def start(self, app) -> None:  # type: ignore[no-untyped-def]
        async def on_command(event: CommandEvent) -> None:
            result = await app.on_command(event)
            for reply in result.replies:
                if reply.to == "private":
                    await self.port.send_private(event.sender.display_name, reply.text)
                else:
                    await self.port.send_message(event.group_id or "", reply.text)
            await app.dispatcher.deliver_due()

        async def on_message(event: MessageEvent) -> None:
            await app.on_message(event)
            await app.dispatcher.deliver_due()  # show alerts right away in the terminal

        async def on_added(event: BotAddedEvent) -> None:
            await app.on_bot_added(event)
            await app.dispatcher.deliver_due()

        chat = ConsoleChat(self.port, on_message=on_message, on_command=on_command,
                           on_added=on_added, known_groups=self.known_groups, lines=self.lines)

        async def main() -> None:
            try:
                await chat.run()
            finally:
                asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(app.stop()))

        self._task = asyncio.create_task(main(), name="console")

    async def stop(self) -> None:
        if self._task and not self._task.done():
            self._task.cancel()
