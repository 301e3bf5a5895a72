"""The Matrix adapter against a real Synapse (started once per session, loopback only).

Real clients (matrix-nio with encryption) play teacher, student and a non-moderator in the
management room; the real bot is ``build_app`` with ``[adapters.matrix]`` enabled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.matrix.media import MediaClient, MediaTooLarge
from tests.matrix_support import Person, bot_config, eventually, start_bot
from tests.synapse_fixture import Synapse, synapse  # noqa: F401  (session fixture)

pytestmark = pytest.mark.slow

HARASSING = "ik maak je kapot na school, vuile kankerhoer"
CLEAN = "Morgen het eerste uur gym, neem je sportkleding mee"


@pytest.fixture
async def people(synapse: Synapse, tmp_path: Path):  # noqa: F811
    made: list[Person] = []

    async def make(name: str) -> Person:
        person = Person(synapse, synapse.register(name), tmp_path / f"nio-{name}")
        await person.start()
        made.append(person)
        return person

    yield make
    for person in made:
        await person.close()


async def test_unapproved_invite_waits_then_moderator_approves(
        synapse: Synapse, tmp_path: Path, people, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    bot = synapse.register("schoolwacht")
    teacher, member = await people("mentor"), await people("conciergeb")
    admin = await people("beheerder")
    management = await teacher.create_room("Beheer", invite=(bot.user_id, member.user_id,
                                                               admin.user_id))
    await member.join(management)
    await admin.join(management)
    klas = await teacher.create_room("Klas 3C", invite=(bot.user_id,))
    other = await teacher.create_room("Feestcommissie", invite=(bot.user_id,))
    monkeypatch.setenv("SW_TEST_MATRIX_TOKEN", bot.access_token)
    app, _ = await start_bot(bot_config(tmp_path, synapse, bot, management_room=management,
                                        admins=[admin.user_id]))
    try:
        # The management room invite is accepted; the unknown rooms' invites are not.
        await eventually(lambda: bot.user_id in teacher.client.rooms[management].users
                         and teacher.client.rooms[management].users, what="bot in beheer")
        alert = await eventually(lambda: teacher.notice_containing(
            management, "B.1", f"!sw approve matrix:{klas}"), what="approval alert")
        assert alert["sender"] == bot.user_id
        assert bot.user_id not in await teacher.members(klas)
        assert (await app.directory.row(f"matrix:{klas}")).approval == "pending"

        # A member of the management room who is not configured staff cannot approve; nor can
        # the room's creator (v12: implicit power 100): power is not a school role.
        for who in (member, teacher):
            await who.say(management, f"!sw approve matrix:{klas}")
            await eventually(lambda w=who: _refused(app, f"matrix:{w.user_id}"),
                             what="refusal audited")
        await eventually(lambda: teacher.notice_containing(management, "schoolleiding",
                                                           "niets veranderd"), what="refusal")
        assert (await app.directory.row(f"matrix:{klas}")).approval == "pending"
        assert bot.user_id not in await teacher.members(klas)

        # A configured school admin ([[school.admins]] accounts) approves: the bot joins.
        await admin.say(management, f"!sw approve matrix:{klas}")
        await eventually(lambda: teacher.notice_containing(klas, "goedgekeurd"),
                         what="approved notice in the class room")
        assert bot.user_id in await teacher.members(klas)
        # Without power 50 the bot only observes and tells the room how to fix it.
        hint = await eventually(lambda: teacher.notice_containing(klas, "machtsniveau 50",
                                                                  teacher.user_id),
                                what="rights hint")
        assert "Moderator" in hint["content"]["body"]
        assert (await app.directory.get(f"matrix:{klas}")).observe
        await teacher.set_power(klas, bot.user_id, 50)
        await eventually(lambda: teacher.notice_containing(klas, "Dank je wel"), what="rights ok")
        group = await eventually(lambda: _enforcing(app, f"matrix:{klas}"), what="enforce mode")
        assert not group.rights_missing

        # Rejecting (confirmed) declines the other invite.
        await admin.say(management, f"!sw reject matrix:{other} bevestig")
        await eventually(lambda: _approval(app, f"matrix:{other}", "rejected"), what="rejected")
        await eventually(lambda: bot.user_id not in teacher.client.rooms[other].invited_users
                         and bot.user_id not in teacher.client.rooms[other].users,
                         what="invite declined")
    finally:
        await app.stop()


async def _refused(app, actor: str) -> bool:  # type: ignore[no-untyped-def]
    entries = await app.repos.db.run(app.repos.audit.list)
    return any(e.action == "permission.refused" and e.actor == actor for e in entries)


async def _enforcing(app, key: str):  # type: ignore[no-untyped-def]
    app.directory.invalidate(key)
    group = await app.directory.get(key)
    return group if group is not None and not group.observe else None


async def _approval(app, key: str, state: str) -> bool:  # type: ignore[no-untyped-def]
    row = await app.directory.row(key)
    return row is not None and row.approval == state


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_approved_room_redacts_harassment_and_leaves_clean_messages(
        synapse: Synapse, tmp_path: Path, people, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        encrypted: bool) -> None:
    bot = synapse.register("schoolwacht")
    teacher, student = await people("docent"), await people("leerling")
    management = await teacher.create_room("Beheer", invite=(bot.user_id,), encrypted=encrypted)
    klas = await teacher.create_room("Klas 2B", invite=(bot.user_id, student.user_id),
                                     encrypted=encrypted, powers={bot.user_id: 50})
    await student.join(klas)
    monkeypatch.setenv("SW_TEST_MATRIX_TOKEN", bot.access_token)
    config = bot_config(tmp_path, synapse, bot, management_room=management,
                        groups=[{"id": f"matrix:{klas}", "kind": "class", "title": "Klas 2B",
                                 "moderators": [{"name": "Docent",
                                                 "accounts": [f"matrix:{teacher.user_id}"]}]}])
    app, adapter = await start_bot(config)
    try:
        await eventually(lambda: klas in adapter.client.rooms, what="bot joined the class room")
        await eventually(lambda: _can_delete(app, f"matrix:{klas}"), what="rights checked")
        await eventually(lambda: bot.user_id in teacher.client.rooms[klas].users, what="join seen")
        clean = await student.say(klas, CLEAN)
        bad = await student.say(klas, HARASSING)
        redaction = await eventually(lambda: teacher.redaction_of(klas, bad), timeout=30,
                                     what="redaction of the harassing message")
        assert redaction["sender"] == bot.user_id
        assert "A.10" in redaction["content"]["reason"]
        alert = await eventually(lambda: teacher.notice_containing(management, "A.10"),
                                 what="alert in the management room")
        assert "!sw fb correct " in alert["content"]["body"]
        assert teacher.redaction_of(klas, clean) is None
        findings = await app.repos.db.run(app.repos.findings.for_message, f"matrix:{klas}", clean)
        assert findings == []

        # Anyone may ask for the rules; the answer is a notice, encrypted where the room is.
        await student.say(klas, "!sw regels")
        rules = await eventually(lambda: student.notice_containing(klas, "A.10", "B.2"),
                                 what="rules notice")
        assert rules.get("was_encrypted", False) is encrypted
        if encrypted:
            assert alert.get("was_encrypted") is True
        # A student is not staff: a staff command is refused, privately (a direct chat).
        await student.say(klas, "!sw status")
        dm = await eventually(lambda: next(iter(student.invites - set(student.client.rooms)
                                                - {klas}), None), what="direct chat invite")
        await student.join(dm)
        await eventually(lambda: student.notice_containing(dm, "niets veranderd"),
                         what="private refusal")
        assert teacher.notice_containing(klas, "Status van") is None
        assert student.user_id in await teacher.members(klas)

        # Kick only on a moderator's explicit command.
        await teacher.say(klas, f"!sw kick {student.user_id} herhaaldelijk pesten")
        await eventually(lambda: teacher.notice_containing(klas, "verwijderd door"),
                         what="kick confirmation")
        assert student.user_id not in await teacher.members(klas)
    finally:
        await app.stop()


async def _can_delete(app, key: str) -> bool:  # type: ignore[no-untyped-def]
    row = await app.directory.row(key)
    return row is not None and row.can_delete is True


async def test_restarts_lose_no_event(synapse: Synapse, tmp_path: Path, people,  # noqa: F811
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Bot stopped and started again (password login, same device, saved sync token), and the
    homeserver stopped and started under a running bot: every message is moderated once."""
    bot = synapse.register("schoolwacht")
    teacher, student = await people("docent"), await people("leerling")
    management = await teacher.create_room("Beheer", invite=(bot.user_id,))
    klas = await teacher.create_room("Klas 1A", invite=(bot.user_id, student.user_id),
                                     powers={bot.user_id: 50})
    await student.join(klas)
    monkeypatch.setenv("SW_TEST_MATRIX_PASSWORD", bot.password)
    config = bot_config(tmp_path, synapse, bot, management_room=management, token_env=None,
                        password_env="SW_TEST_MATRIX_PASSWORD",
                        groups=[{"id": f"matrix:{klas}", "kind": "class"}])
    app, adapter = await start_bot(config)
    await eventually(lambda: klas in adapter.client.rooms, what="bot joined")
    await eventually(lambda: _can_delete(app, f"matrix:{klas}"), what="rights checked")
    first = await student.say(klas, HARASSING)
    await eventually(lambda: teacher.redaction_of(klas, first), timeout=30, what="first redaction")
    device = adapter.client.device_id
    handled = await app.repos.db.run(app.repos.findings.for_message, f"matrix:{klas}", first)
    assert handled
    await app.stop()

    # While the bot is away a message arrives; after the restart it is moderated, the old one
    # is not handled again.
    missed = await student.say(klas, "jij vieze kankerhoer, ik maak je kapot")
    app, adapter = await start_bot(config)
    try:
        assert adapter.client.device_id == device
        await eventually(lambda: teacher.redaction_of(klas, missed), timeout=30,
                         what="redaction of the message sent while the bot was stopped")
        findings = await app.repos.db.run(app.repos.findings.for_message, f"matrix:{klas}", first)
        assert len(findings) == len(handled)

        # The homeserver goes down under the running bot and comes back.
        synapse.stop()
        await eventually(lambda: not adapter.connected, timeout=40, what="bot notices")
        synapse.start()
        during = await student.say(klas, "vuile kankerhoer, ik maak je kapot")
        await eventually(lambda: teacher.redaction_of(klas, during), timeout=60,
                         what="redaction after reconnecting")
        assert adapter.reconnects >= 1
        findings = await app.repos.db.run(app.repos.findings.for_message, f"matrix:{klas}", during)
        assert findings and len(findings) == len({f.policy for f in findings})
    finally:
        await app.stop()


async def test_media_is_read_through_the_authenticated_api_and_decrypted(
        synapse: Synapse, people) -> None:  # noqa: F811
    """Plain and encrypted attachments as the image rules get them, within the size limit."""
    import io

    from nio import UploadResponse

    teacher, bot = await people("docent"), synapse.register("schoolwacht")
    image = bytes(range(256)) * 40
    plain, _ = await teacher.client.upload(io.BytesIO(image), content_type="image/png",
                                           filesize=len(image))
    secret, keys = await teacher.client.upload(io.BytesIO(image), content_type="image/png",
                                               filesize=len(image), encrypt=True)
    assert isinstance(plain, UploadResponse) and isinstance(secret, UploadResponse)
    assert keys is not None
    media = MediaClient(synapse.url, lambda: bot.access_token, max_bytes=len(image))
    small = MediaClient(synapse.url, lambda: bot.access_token, max_bytes=len(image) - 1)
    try:
        plain_content = {"msgtype": "m.image", "body": "foto.png", "url": plain.content_uri}
        encrypted_content = {"msgtype": "m.image", "body": "foto.png",
                             "file": {**keys, "url": secret.content_uri}}
        assert await media.fetcher(plain_content)() == image  # type: ignore[misc]
        assert await media.fetcher(encrypted_content)() == image  # type: ignore[misc]
        assert await media.download(secret.content_uri) != image  # ciphertext on the server
        for content in (plain_content, encrypted_content):
            try:
                await small.fetcher(content)()  # type: ignore[misc]
            except MediaTooLarge:
                continue
            raise AssertionError("an attachment over the limit was downloaded")
    finally:
        await media.close()
        await small.close()
