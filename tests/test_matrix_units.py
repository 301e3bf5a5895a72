"""The Matrix adapter's pure parts: power levels (room v12 creators), roles, commands, translation,
alert rendering. The end-to-end behaviour is in test_matrix.py against a real Synapse."""

from __future__ import annotations

import math

from adapters.matrix.port import button_command, render_alert
from adapters.matrix.powers import Powers, creators_from, role_for
from adapters.matrix.translate import parse_command, strip_reply_fallback, to_message
from core.events import AttachmentKind, GroupKind, Role, Sender
from core.ports import Button, OutgoingAlert


def test_v12_creators_hold_power_without_being_listed() -> None:
    create = {"sender": "@mentor:s", "content": {"room_version": "12",
                                                 "additional_creators": ["@co:s"]}}
    powers = Powers.from_content({"users": {"@bot:s": 50}}, creators_from(create))
    assert powers.level("@mentor:s") == math.inf
    assert powers.level("@co:s") == math.inf
    assert powers.level("@bot:s") == 50
    assert powers.level("@kid:s") == 0
    assert powers.can_redact_others("@bot:s")
    assert "@mentor:s" in powers.admins()


def test_older_room_versions_have_no_implicit_creators() -> None:
    create = {"sender": "@mentor:s", "content": {"room_version": "10"}}
    assert creators_from(create) == frozenset()
    powers = Powers.from_content({"users": {"@mentor:s": 100}}, creators_from(create))
    assert powers.level("@mentor:s") == 100


def test_redact_needs_both_the_redact_level_and_the_redaction_event_level() -> None:
    content = {"users": {"@bot:s": 50}, "redact": 50, "events": {"m.room.redaction": 75}}
    assert not Powers.from_content(content).can_redact_others("@bot:s")
    assert Powers.from_content(content).redact_level_needed() == 75
    assert not Powers.from_content({"users": {}}).can_redact_others("@bot:s")


def test_roles_from_config_power_and_group_kind() -> None:
    powers = Powers.from_content({"users": {"@t:s": 50}})
    # Power is a platform fact: it makes no teacher unless the config maps chat admins so.
    assert role_for("@t:s", powers, kind=GroupKind.CLASS, staff=()) == (Role.STUDENT, True)
    assert role_for("@t:s", powers, kind=GroupKind.CLASS, staff=(),
                    mods_moderate=True) == (Role.TEACHER, True)
    assert role_for("@t:s", powers, kind=GroupKind.STAFF, staff=(),
                    mods_moderate=True) == (Role.STAFF, True)
    assert role_for("@k:s", powers, kind=GroupKind.CLASS, staff=()) == (Role.STUDENT, False)
    assert role_for("@p:s", powers, kind=GroupKind.PARENT, staff=()) == (Role.PARENT, False)
    assert role_for("@k:s", powers, kind=GroupKind.CLASS, staff=("@k:s",)) == (Role.STAFF, False)


def test_commands_are_parsed_with_prefix_or_slash_in_groups_only() -> None:
    parsed = parse_command("!sw kick @kid:s spam in de groep", allow_slash=False)
    assert parsed is not None
    assert (parsed.name, parsed.args) == ("kick", ("@kid:s", "spam", "in", "de", "groep"))
    assert parse_command("/regels", allow_slash=True).name == "regels"  # type: ignore[union-attr]
    assert parse_command("/regels", allow_slash=False) is None
    assert parse_command("/shrug", allow_slash=True) is None
    assert parse_command("zeg !sw niet", allow_slash=True) is None


def test_buttons_become_command_hints() -> None:
    assert button_command(Button("ok", "approve:matrix:!r:s")) == "!sw approve matrix:!r:s"
    assert button_command(Button("ok", "fb:wrong:12")) == "!sw fb wrong 12"
    plain, html = render_alert(OutgoingAlert("Nieuwe groep <b>", (Button("Goedkeuren",
                                                                         "approve:matrix:!r"),)))
    assert "Goedkeuren: !sw approve matrix:!r" in plain
    assert "&lt;b&gt;" in html and "<code>!sw approve matrix:!r</code>" in html


def test_reply_fallback_is_not_judged_and_media_becomes_a_lazy_attachment() -> None:
    assert strip_reply_fallback("> <@a:s> jij sukkel\n> nog meer\n\nKlopt, tot morgen") \
        == "Klopt, tot morgen"
    sender = Sender("@kid:s", "Kid", Role.STUDENT)
    reply = to_message({"event_id": "$2", "type": "m.room.message", "origin_server_ts": 1000,
                        "content": {"msgtype": "m.text", "body": "> <@a:s> x\n\nhoi @b:s",
                                    "m.relates_to": {"m.in_reply_to": {"event_id": "$1"}}}},
                       room_id="!r", sender=sender, room_title="Klas",
                       fetcher=lambda c: None, reply_sender={"$1": "@a:s"}.get)
    assert (reply.text, reply.reply_to_message_id, reply.reply_to_sender_id) == \
        ("hoi @b:s", "$1", "@a:s")
    assert reply.mentions == ("@b:s",)

    async def fetch() -> bytes:
        return b""

    image = to_message({"event_id": "$3", "type": "m.room.message",
                        "content": {"msgtype": "m.image", "body": "foto.png",
                                    "file": {"url": "mxc://s/abc"},
                                    "info": {"mimetype": "image/png", "size": 10, "w": 4,
                                             "h": 3}}},
                       room_id="!r", sender=sender, room_title=None,
                       fetcher=lambda c: fetch, reply_sender=lambda _: None)
    (attachment,) = image.attachments
    assert attachment.kind is AttachmentKind.IMAGE
    assert (attachment.file_id, attachment.size, attachment.width) == ("mxc://s/abc", 10, 4)
    assert attachment.fetch is fetch
    assert image.text == ""
