"""B.3 e-mail digest end to end: the real pipeline, a real SMTP server (aiosmtpd) and the real link
endpoint on loopback; what the server receives is parsed with the ``email`` package."""

from __future__ import annotations

import asyncio
import re
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from bot import jobs
from bot.app import App
from bot.bootstrap import build_app
from bot.config import AppConfig, parse_config
from bot.digest.schedule import parse_schedule
from bot.digest.service import DigestService
from core.events import Attachment, AttachmentKind, CommandEvent, MessageEvent, Role, Sender
from policies.registry import policy_types
from storage.models import AdapterState, DigestItem, FindingRecord, OutboxItem, Subscriber
from tests.recording_port import RecordingPort

TEACHER = Sender("t1", "Mevrouw Öztürk", Role.TEACHER)
STUDENT = Sender("s1", "Sanne", Role.STUDENT)
OTHER = Sender("s2", "Joep", Role.STUDENT)
KLAS = "console:klas"
OPEN = "console:open"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def real_jpeg() -> bytes:
    """A small real photo: an image the bot cannot read is a finding (never clean), so a flagged
    message, and a digest mirrors only what was not flagged."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(out, "JPEG")
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Recorder:
    """An aiosmtpd handler that keeps what it receives and refuses listed recipients with 550."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.refuse: set[str] = set()
        self.refuse_sender = False

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return "553 5.7.1 Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


def make_config(tmp_path: Path, smtp_port: int, web_port: int, **klas: Any) -> AppConfig:
    return parse_config({
        "storage": {"url": f"sqlite:///{tmp_path / 'sw.db'}"},
        "school": {"name": "Het Baken", "timezone": "Europe/Amsterdam"},
        "mail": {"backend": "smtp", "from_address": "noreply@hetbaken.example",
                 "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none",
                          "timeout_seconds": 5}},
        "adapters": {"console": {"enabled": False}},
        # No such variable in the environment: the secret is generated and kept in the database.
        "digest": {"public_url": f"http://127.0.0.1:{web_port}", "listen": "127.0.0.1",
                   "port": web_port, "secret_env": "SW_TEST_DIGEST_SECRET_NOT_SET"},
        "groups": [
            {"id": KLAS, "kind": "class", "title": "Klas 2B",
             "moderators": [{"name": "Mentor", "accounts": ["console:t1"]}],
             "digest": {"enabled": True, "schedule": "daily 16:00",
                        "max_attachment_bytes": 4000, **klas}},
            {"id": OPEN, "kind": "class", "title": "Mentorgroep 3A",
             "moderators": [{"name": "Mentor", "accounts": ["console:t1"]}],
             "digest": {"enabled": True, "include": "all", "schedule": "weekly fri 15:00"}},
        ],
    })


@dataclass
class Env:
    tmp_path: Path
    smtp_port: int
    web_port: int
    recorder: Recorder = field(default_factory=Recorder)
    controller: Controller | None = None
    apps: list[App] = field(default_factory=list)

    def smtp_up(self) -> None:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.smtp_port)
        self.controller.start()

    def smtp_down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def app(self, *, start: bool = False, **klas: Any) -> App:
        """An app on the test database. ``start``: the whole life cycle, with the running
        outbox dispatcher and scheduler; otherwise tests drive delivery themselves."""
        app = build_app(make_config(self.tmp_path, self.smtp_port, self.web_port, **klas),
                        adapters=[], features=("bot.digest",))
        app.add_port(RecordingPort("console"))
        self.apps.append(app)
        if start:
            await app.start()
            return app
        await app.directory.sync_config()
        for starter in app.starters:  # the digest's starter: mail wrapper, jobs, link endpoint
            await starter(app)
        return app


async def crash(app: App) -> None:
    """Stop a process the hard way: no final outbox pass, nothing flushed politely."""
    for stopper in app.stoppers:
        await stopper()
    app.db.close()
    jobs.clear()


@pytest.fixture
async def env(tmp_path: Path):
    environment = Env(tmp_path, free_port(), free_port())
    environment.smtp_up()
    yield environment
    for app in environment.apps:
        if not app.db._writer._shutdown:  # type: ignore[attr-defined]
            await app.stop()
    environment.smtp_down()


def service(app: App) -> DigestService:
    return app.digest


def msg(text: str, mid: str, *, sender: Sender = TEACHER, group: str = "klas",
        **extra: Any) -> MessageEvent:
    return MessageEvent(platform="console", group_id=group, message_id=mid, sender=sender,
                        text=text, **extra)


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def html(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


async def subscribe(env: Env, app: App, email: str, group: str = "klas") -> None:
    """A teacher adds the address in the group; the student confirms from the mail."""
    result = await app.on_command(CommandEvent("console", group, TEACHER, "digest",
                                               ("add", email)))
    assert result.delete_command and result.replies[0].to == "private"
    await app.dispatcher.deliver_due()
    confirm = env.recorder.to(email)[-1]
    url = re.search(r"http://127\.0\.0\.1:\d+/digest/confirm\?token=\S+", plain(confirm))
    assert url is not None
    async with aiohttp.ClientSession() as http, http.post(url.group(0)) as response:
        assert response.status == 200


async def states(app: App) -> dict[str, str]:
    return {s.email: s.state for s in await app.db.run(lambda: service(app).repo.list())}


# --- tests ------------------------------------------------------------------------------------

async def test_double_opt_in_in_dutch(env: Env) -> None:
    app = await env.app()
    result = await app.on_command(CommandEvent("console", "klas", TEACHER, "digest",
                                               ("add", "Leerling.Een@Example.org")))
    assert "bevestigingsmail" in result.replies[0].text
    assert result.replies[0].to == "private" and result.delete_command  # no address in the group
    denied = await app.on_command(CommandEvent("console", "klas", STUDENT, "digest",
                                               ("add", "x@example.org")))
    assert denied.replies and "x@example.org" not in str(await states(app))
    await app.dispatcher.deliver_due()
    [confirm] = env.recorder.to("leerling.een@example.org")
    assert confirm["Subject"] == "Bevestig je aanmelding: berichten uit Klas 2B per mail"
    assert confirm["From"].addresses[0].display_name == "Het Baken"
    assert confirm["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "artikel B.3" in plain(confirm) and "Ja, stuur mij de berichten" in html(confirm)

    # Pending addresses get no digest.
    await app.on_message(msg("Morgen geen les, de docent is ziek.", "1"))
    assert await service(app).compose(KLAS) == 0
    assert await states(app) == {"leerling.een@example.org": "pending"}

    url = re.search(r"http://\S+/digest/confirm\?token=\S+", plain(confirm)).group(0)  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:  # a mail scanner opening the link changes nothing
            assert response.status == 200 and "<form method=\"post\"" in await response.text()
        assert await states(app) == {"leerling.een@example.org": "pending"}
        async with http.post(url.replace("token=", "token=9")) as response:
            assert response.status == 400
        async with http.post(url) as response:
            assert response.status == 200 and "Gelukt" in await response.text()
    assert await states(app) == {"leerling.een@example.org": "confirmed"}

    # Adding a confirmed address again sends nothing new.
    again = await app.on_command(CommandEvent("console", "klas", TEACHER, "digest",
                                              ("add", "leerling.een@example.org")))
    assert "al" in again.replies[0].text
    await app.on_message(msg("Vergeet je gymspullen niet.", "2"))
    assert await service(app).compose(KLAS) == 1
    await app.dispatcher.deliver_due()
    assert len(env.recorder.to("leerling.een@example.org")) == 2


async def test_digest_with_dutch_characters_attachment_reply_and_edit(env: Env) -> None:
    app = await env.app()
    await subscribe(env, app, "student@example.org")

    async def fetch_pdf() -> bytes:
        return PDF

    async def fetch_big() -> bytes:
        return b"x" * 10_000

    photo = real_jpeg()

    async def fetch_photo() -> bytes:
        return photo

    await app.on_message(msg("Gaan we ook naar het café?", "10", sender=STUDENT))
    await app.on_message(msg(
        "Ja, na het museum gaan we naar het café. Kosten €12,50 per persoon, "
        "contant meenemen. Financiële vragen? Mail de mentor.", "11",
        reply_to_message_id="10",
        attachments=(
            Attachment(AttachmentKind.DOCUMENT, "f1", "application/pdf", len(PDF),
                       "toestemmingsbrief ouders.pdf", fetch=fetch_pdf),
            Attachment(AttachmentKind.DOCUMENT, "f2", "application/zip", None, "fotos.zip",
                       fetch=fetch_big),
            Attachment(AttachmentKind.IMAGE, "f3", "image/jpeg", len(photo), fetch=fetch_photo),
        )))
    await app.on_message(msg("Ruimte 12 is vrijdag dicht.", "12"))
    await app.on_message(msg("Ruimte 14 is vrijdag dicht (niet 12).", "12", edited=True))
    await app.on_message(msg("Ik kom ook!", "13", sender=OTHER))  # include = staff: not mirrored

    assert await service(app).compose(KLAS) == 1
    await app.dispatcher.deliver_due()
    [_, digest] = env.recorder.to("student@example.org")

    assert digest["Subject"].startswith("Klas 2B: schoolinformatie van ")
    assert re.search(r"(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag) \d+ \w+ 20\d\d",
                     digest["Subject"])
    assert digest["From"].addresses[0].display_name == "Het Baken"
    assert digest["From"].addresses[0].addr_spec == "noreply@hetbaken.example"
    assert digest["List-Unsubscribe"].startswith("<http://127.0.0.1:")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, page = plain(digest), html(digest)
    for body in (text, page):
        assert "café" in body and "€12,50" in body and "Financiële" in body
        assert "Mevrouw Öztürk" in body
        assert "Sanne: Gaan we ook naar het café?" in body  # what the reply answers
        assert "Ruimte 14 is vrijdag dicht (niet 12)." in body  # the edit replaced the text
        assert "Ruimte 12 is vrijdag dicht." not in body
        assert "Ik kom ook" not in body
        assert "fotos.zip" in body and "te groot" in body
        assert "A.5" in body  # the photo is listed, not mailed
    assert 'name="viewport"' in page
    [attachment] = list(digest.iter_attachments())
    assert attachment.get_filename() == "toestemmingsbrief ouders.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    # Items are consumed with the composing: nothing left to mail, nothing kept longer.
    assert await service(app).compose(KLAS) == 0
    with app.db.session() as s:
        assert s.exec(select(DigestItem).where(DigestItem.withdrawn == False)).all() == []  # noqa: E712


async def test_photo_is_attached_when_consent_is_on_file(env: Env) -> None:
    app = await env.app(consent_on_file=True)
    await subscribe(env, app, "student@example.org")
    jpeg = real_jpeg()

    async def fetch() -> bytes:
        return jpeg

    await app.on_message(msg("Foto van de excursie", "20", attachments=(
        Attachment(AttachmentKind.IMAGE, "p1", "image/jpeg", len(jpeg), "excursie.jpg",
                   fetch=fetch),)))
    await service(app).compose(KLAS)
    await app.dispatcher.deliver_due()
    [attachment] = list(env.recorder.to("student@example.org")[-1].iter_attachments())
    assert attachment.get_filename() == "excursie.jpg" and attachment.get_content() == jpeg


async def test_one_click_unsubscribe_via_the_header_url(env: Env) -> None:
    app = await env.app()
    await subscribe(env, app, "a@example.org")
    await subscribe(env, app, "b@example.org")
    await app.on_message(msg("Toets verschoven naar donderdag.", "30"))
    assert await service(app).compose(KLAS) == 2
    await app.dispatcher.deliver_due()
    digest = env.recorder.to("a@example.org")[-1]
    url = digest["List-Unsubscribe"].strip("<>")
    async with aiohttp.ClientSession() as http:
        forged = re.sub(r"\.[^.]+$", ".AAAAAAAAAAAAAAAAAAAAAAAA", url)
        async with http.post(forged, data="List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
            assert r.status == 400
        assert (await states(app))["a@example.org"] == "confirmed"
        async with http.post(url, data="List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
            assert r.status == 200 and "afgemeld" in await r.text()
    assert await states(app) == {"a@example.org": "unsubscribed", "b@example.org": "confirmed"}
    await app.on_message(msg("Rooster voor volgende week staat online.", "31"))
    assert await service(app).compose(KLAS) == 1
    await app.dispatcher.deliver_due()
    assert len(env.recorder.to("a@example.org")) == 2  # confirm + first digest only
    assert len(env.recorder.to("b@example.org")) == 3


async def test_flagged_message_is_never_mailed(env: Env) -> None:
    assert "personal_data" in policy_types()
    app = await env.app()
    await subscribe(env, app, "student@example.org", group="open")
    phone = "06 41 27 93 58"
    flagged = await app.on_message(msg(f"Het nummer van Daan is {phone}, bel hem maar", "40",
                                       sender=STUDENT, group="open"))
    assert flagged is not None and "personal_data" in flagged.verdict.flags
    await app.on_message(msg("Ik neem morgen koekjes mee voor de hele klas", "41",
                             sender=OTHER, group="open"))
    await app.on_message(msg("Zit jij ook in werkgroep drie?", "42", sender=STUDENT, group="open"))
    edited = await app.on_message(msg(f"Zit jij ook in werkgroep drie? Bel Daan: {phone}", "42",
                                      sender=STUDENT, group="open", edited=True))
    assert edited is not None and not edited.verdict.clean
    await app.on_message(msg("Het werkstuk mag ook op papier.", "43", group="open"))
    # A message flagged later by another route (a moderator's report records a finding).
    await app.on_message(msg("Deze komt er later alsnog uit", "44", sender=OTHER, group="open"))
    with app.db.session() as s:
        s.add(FindingRecord(group_key=OPEN, message_id="44", member_id="s2", policy="report",
                            flag="harassment", article="A.10", severity=2, score=1.0,
                            evidence="melding"))
        s.commit()
    # Editing a withdrawn message back to something harmless does not bring it back.
    await app.on_message(msg("Zit jij ook in werkgroep drie?", "42", sender=STUDENT, group="open",
                             edited=True))

    assert await service(app).compose(OPEN) == 1
    await app.dispatcher.deliver_due()
    digest = env.recorder.to("student@example.org")[-1]
    raw = digest.as_string()
    body = plain(digest)
    assert "koekjes" in body and "op papier" in body
    assert "werkgroep" not in body and "Daan" not in body and "later alsnog" not in body
    assert "41 27" not in raw and "Daan" not in html(digest)
    with app.db.session() as s:
        tombstones = s.exec(select(DigestItem).where(DigestItem.withdrawn == True)).all()  # noqa: E712
    assert {t.message_id for t in tombstones} >= {"40", "42", "44"}
    assert all(t.text == "" for t in tombstones)


async def test_smtp_down_then_up_delivers_exactly_once(env: Env) -> None:
    app = await env.app()
    await subscribe(env, app, "student@example.org")
    env.smtp_down()
    await app.on_message(msg("Excursie gaat door, ook bij regen.", "50"))
    assert await service(app).compose(KLAS) == 1
    assert await app.dispatcher.deliver_due() == 0
    [item] = await app.db.run(lambda: app.repos.outbox.list(status="pending", kind="mail"))
    assert item.attempts == 1 and item.last_error and "MailTemporaryError" in item.last_error
    env.smtp_up()
    # The retry waits for its backoff, then goes through.
    assert await app.dispatcher.deliver_due() == 0
    for _ in range(40):
        if await app.dispatcher.deliver_due():
            break
        await asyncio.sleep(0.1)
    for _ in range(3):
        await app.dispatcher.deliver_due()
    digests = [m for m in env.recorder.to("student@example.org") if "Excursie" in plain(m)]
    assert len(digests) == 1
    sent = await app.db.run(lambda: app.repos.outbox.list(status="sent", kind="mail"))
    assert item.id in {i.id for i in sent}


async def test_restart_in_the_middle_of_a_batch_neither_loses_nor_repeats(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    app = await env.app()
    people = ["een@example.org", "twee@example.org", "drie@example.org"]
    for person in people:
        await subscribe(env, app, person)
    await app.on_message(msg("Ouderavond is op dinsdag 19:30 in de aula.", "60"))

    # 1. A crash while committing the batch (the second mail cannot be written): nothing is
    #    stored, the item stays queued.
    real = service(app)._digest_mail
    made: list[int] = []

    async def failing(*args: Any) -> dict[str, Any]:
        mail = await real(*args)
        made.append(1)
        if len(made) == 2:
            mail["payload"]["unwritable"] = object()
        return mail

    monkeypatch.setattr(service(app), "_digest_mail", failing)
    with pytest.raises(Exception):  # noqa: B017 (whatever the database raises)
        await service(app).compose(KLAS)
    monkeypatch.undo()
    assert await app.db.run(lambda: app.repos.outbox.list(kind="mail", status="pending")) == []
    assert len(await app.db.run(lambda: service(app).repo.pending(KLAS))) == 1

    # 2. Composed for real, then the process dies after delivering one of the three mails.
    assert await service(app).compose(KLAS) == 3
    handler = app.dispatcher.handlers["mail"]
    [first, *_] = await app.db.run(app.repos.outbox.due, datetime.now(UTC))
    await app.db.run(app.repos.outbox.mark_sent, first.id, await handler(first))
    await crash(app)

    # 3. The restarted process delivers the other two, and composes nothing again.
    app2 = await env.app()
    assert await service(app2).compose(KLAS) == 0
    assert await app2.dispatcher.deliver_due() == 2
    assert await app2.dispatcher.deliver_due() == 0
    for person in people:
        digests = [m for m in env.recorder.to(person) if "Ouderavond" in plain(m)]
        assert len(digests) == 1, person
    # The generated signing secret survived the restart: an old link still works.
    url = env.recorder.to("een@example.org")[-1]["List-Unsubscribe"].strip("<>")
    async with aiohttp.ClientSession() as http, http.post(
            url, data={"List-Unsubscribe": "One-Click"}) as response:
        assert response.status == 200
    assert (await states(app2))["een@example.org"] == "unsubscribed"
    with app2.db.session() as s:
        assert s.get(AdapterState, "digest.secret") is not None


async def test_permanent_failure_marks_the_subscriber_bouncing(env: Env) -> None:
    app = await env.app()
    await subscribe(env, app, "weg@example.org")
    await subscribe(env, app, "blijft@example.org")
    env.recorder.refuse.add("weg@example.org")
    await app.on_message(msg("Let op: rapportvergadering, de lessen vervallen.", "70"))
    assert await service(app).compose(KLAS) == 2
    assert await app.dispatcher.deliver_due() == 1
    assert await states(app) == {"weg@example.org": "bouncing", "blijft@example.org": "confirmed"}
    with app.db.session() as s:
        dead = s.exec(select(OutboxItem).where(OutboxItem.status == "dead")).one()
        bounced = s.exec(select(Subscriber).where(Subscriber.email == "weg@example.org")).one()
    assert dead.channel == "mail:weg@example.org" and dead.attempts == 1
    assert bounced.last_error
    await app.on_message(msg("Morgen normaal rooster.", "71"))
    assert await service(app).compose(KLAS) == 1  # only the address that still works


async def test_refused_sender_is_a_setup_problem_not_a_bounce(env: Env) -> None:
    app = await env.app()
    await subscribe(env, app, "student@example.org")
    env.recorder.refuse_sender = True  # the relay does not accept our from_address (yet)
    await app.on_message(msg("Sportdag: neem water en zonnebrand mee.", "75"))
    assert await service(app).compose(KLAS) == 1
    assert await app.dispatcher.deliver_due() == 0
    assert await states(app) == {"student@example.org": "confirmed"}
    [item] = await app.db.run(lambda: app.repos.outbox.list(status="pending", kind="mail"))
    assert item.attempts == 1 and "553" in (item.last_error or "")
    env.recorder.refuse_sender = False  # the administrator fixed the relay
    for _ in range(40):
        if await app.dispatcher.deliver_due():
            break
        await asyncio.sleep(0.1)
    assert len([m for m in env.recorder.to("student@example.org") if "Sportdag" in plain(m)]) == 1


async def test_important_messages_go_out_at_once(env: Env) -> None:
    app = await env.app()
    await subscribe(env, app, "student@example.org")
    await app.on_message(msg("Gewoon bericht voor de dagmail.", "80"))
    await app.on_message(msg("#Belangrijk De school is morgen dicht wegens storm.", "81"))
    await app.dispatcher.deliver_due()
    urgent = env.recorder.to("student@example.org")[-1]
    assert urgent["Subject"].startswith("Belangrijk – Klas 2B: ")
    assert "De school is morgen dicht wegens storm." in plain(urgent)
    assert "#belangrijk" not in plain(urgent).lower() and "dagmail" not in plain(urgent)
    # A teacher can also mark a queued message important with a reply command.
    done = await app.on_command(CommandEvent("console", "klas", TEACHER, "digest",
                                             ("belangrijk",), reply_to_message_id="80"))
    assert "1 ontvanger" in done.replies[0].text
    await app.dispatcher.deliver_due()
    assert "dagmail" in plain(env.recorder.to("student@example.org")[-1])
    # Nothing is left for the daily digest: nothing is sent twice, and nothing for an empty day.
    assert await service(app).compose(KLAS) == 0


async def test_running_app_schedules_and_delivers_on_its_own(env: Env) -> None:
    app = await env.app(start=True)
    job = app.scheduler.scheduler.get_job(f"digest:{KLAS}")
    assert job is not None
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("16", "0")
    assert str(job.trigger.timezone) == "Europe/Amsterdam"
    weekly = app.scheduler.scheduler.get_job(f"digest:{OPEN}")
    assert {f.name: str(f) for f in weekly.trigger.fields}["day_of_week"] == "fri"

    async def arrived(address: str, count: int) -> None:
        for _ in range(100):
            if len(env.recorder.to(address)) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{address} got {len(env.recorder.to(address))} mails")

    await app.on_command(CommandEvent("console", "klas", TEACHER, "digest",
                                      ("add", "student@example.org")))
    await arrived("student@example.org", 1)  # the running dispatcher sent the confirmation
    url = re.search(r"http://\S+/digest/confirm\?token=\S+",
                    plain(env.recorder.to("student@example.org")[0])).group(0)  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http, http.post(url) as response:
        assert response.status == 200
    assert await jobs.run_job("digest.send", KLAS) == 0  # an empty period sends nothing
    await app.on_message(msg("Huiswerk: opdracht 3 en 4.", "90"))
    assert await jobs.run_job("digest.send", KLAS) == 1  # what the cron job runs at 16:00
    await arrived("student@example.org", 2)
    assert "opdracht 3 en 4" in plain(env.recorder.to("student@example.org")[-1])
    env.recorder.refuse.add("student@example.org")
    await app.on_message(msg("Morgen het 1e uur vrij.", "91"))
    await jobs.run_job("digest.send", KLAS)
    for _ in range(100):  # the wrapper around the core's mail handler marks the bounce
        if (await states(app))["student@example.org"] == "bouncing":
            break
        await asyncio.sleep(0.05)
    assert (await states(app))["student@example.org"] == "bouncing"
    await app.stop()


def test_schedule_strings() -> None:
    assert parse_schedule("daily 16:00").cron_fields() == {"hour": 16, "minute": 0}
    assert parse_schedule("weekly fri 15:30").cron_fields() == {
        "hour": 15, "minute": 30, "day_of_week": "fri"}
    assert parse_schedule("immediate").immediate
    for bad in ("daily 25:00", "weekly vrijdag 15:00", "hourly", ""):
        with pytest.raises(ValueError):
            parse_schedule(bad)
