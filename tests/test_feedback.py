"""Moderator feedback: stored in real SQLite, applied as allow-lists, used in retraining."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.config import AppConfig
from bot.feedback import FeedbackService, format_report
from bot.groups import PolicyResolver
from core.events import GroupKind
from policies.registry import policy_types
from policies.text import TextView
from policies.topic import TopicPolicy, TopicSettings
from policies.topic_model import TRAIN_PATH, Example, TopicModel, read_examples, train
from storage.db import Database
from storage.feedback_repo import FeedbackError, FeedbackRepository
from storage.models import AuditEntry, FindingRecord, Group
from tests.privacy_support import TEST_KEYS

GROUP = "console:klas-2b"


@pytest.fixture()
def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'sw.db'}", keys=TEST_KEYS)
    yield database
    database.close()


def add_group(db: Database, overrides: dict | None = None) -> None:
    with db.session() as s:
        s.add(
            Group(
                key=GROUP,
                platform="console",
                chat_id="klas-2b",
                kind="class",
                approval="approved",
                overrides=overrides or {},
            )
        )
        s.commit()


def add_finding(db: Database, *, policy: str, flag: str, text: str, member: str = "m1") -> int:
    with db.session() as s:
        record = FindingRecord(
            group_key=GROUP,
            message_id=f"msg-{text[:8]}",
            member_id=member,
            policy=policy,
            flag=flag,
            article="B.2",
            severity=0,
            score=0.8,
            evidence="test",
            text=text,
        )
        s.add(record)
        s.commit()
        assert record.id is not None
        return record.id


def test_wrong_with_term_updates_group_overrides_and_audit(db: Database) -> None:
    add_group(db, {"topic": {"threshold": 0.6}})
    finding = add_finding(
        db, policy="topic", flag="off_topic", text="wie doet er mee met de schaakclub van school?"
    )
    service = FeedbackService(db, policy_types())
    outcome = service.wrong_sync(finding, "telegram:42", term="schaakclub")
    assert outcome.ok
    assert "schaakclub" in outcome.message
    with db.session() as s:
        group = s.get(Group, GROUP)
        record = s.get(FindingRecord, finding)
        audit = list(s.exec(select(AuditEntry).where(AuditEntry.action == "feedback.wrong")))
    assert group.overrides == {"topic": {"threshold": 0.6, "allow": ["schaakclub"]}}
    assert record.feedback == "wrong"
    assert audit and audit[0].actor == "telegram:42" and audit[0].detail["term"] == "schaakclub"
    # A second term is appended, the same term (any case) is not repeated.
    second = add_finding(db, policy="topic", flag="off_topic", text="schaakclub morgen?")
    service.wrong_sync(second, "telegram:42", term="SCHAAKCLUB")
    with db.session() as s:
        assert s.get(Group, GROUP).overrides["topic"]["allow"] == ["schaakclub"]


def test_allow_term_reaches_the_policy_through_the_resolver(db: Database) -> None:
    add_group(db)
    text = "wie doet er zaterdag mee met het schaaktoernooi in de stad?"
    finding = add_finding(db, policy="topic", flag="off_topic", text=text)
    FeedbackService(db, policy_types()).wrong_sync(finding, "cli", term="schaaktoernooi")
    with db.session() as s:
        overrides = s.get(Group, GROUP).overrides
    settings = PolicyResolver(AppConfig(), policy_types()).settings_for(
        GroupKind.CLASS, None, overrides
    )["topic"]
    assert isinstance(settings, TopicSettings)
    assert settings.allow == ["schaaktoernooi"]
    policy = TopicPolicy()
    view = TextView.of(text)
    assert policy.probability(view) >= 0.5  # the model alone calls it off topic ...
    from core.events import Role
    from policies.base import PolicyContext

    ctx = PolicyContext(
        group_key=GROUP, group_kind=GroupKind.CLASS, sender_role=Role.STUDENT, settings=settings
    )
    assert policy.judge(view, settings, ctx) is None  # ... the group's allow-list clears it


def test_term_refused_for_a_policy_without_allow_list(db: Database) -> None:
    add_group(db)
    finding = add_finding(db, policy="no_such_policy", flag="odd", text="x")
    outcome = FeedbackService(db, policy_types()).wrong_sync(finding, "cli", term="iets")
    assert not outcome.ok
    with db.session() as s:
        assert s.get(Group, GROUP).overrides == {}
        assert s.get(FindingRecord, finding).feedback is None


def test_unknown_finding_and_bad_input_are_clear_errors(db: Database) -> None:
    repo = FeedbackRepository(db)
    with pytest.raises(FeedbackError, match="does not exist"):
        repo.mark_wrong(999, "cli")
    with pytest.raises(FeedbackError, match="needs its text"):
        repo.mark_missed(GROUP, "off_topic", "   ", "cli")
    with pytest.raises(FeedbackError, match="not a flag"):
        repo.mark_missed(GROUP, "Off Topic!", "tekst", "cli")
    outcome = FeedbackService(db, policy_types()).correct_sync(12345, "cli")
    assert not outcome.ok and "12345" in outcome.message


def test_training_examples_and_precision_report(db: Database) -> None:
    add_group(db)
    repo = FeedbackRepository(db)
    wrong = add_finding(db, policy="topic", flag="off_topic", text="de schaakclub begint om vier")
    right = add_finding(db, policy="topic", flag="off_topic", text="wie koopt mijn oude scooter")
    add_finding(db, policy="topic", flag="off_topic", text="nog niet beoordeeld")
    pd = add_finding(db, policy="personal_data", flag="personal_data", text="x")
    repo.mark_wrong(wrong, "cli")
    repo.mark_correct(right, "cli")
    repo.mark_correct(pd, "cli")
    repo.mark_missed(GROUP, "off_topic", "check mijn nieuwe kanaal, like en abonneer", "cli")
    repo.mark_missed(GROUP, "harassment", "iets gemeens", "cli")

    examples = sorted(repo.training_examples("off_topic"))
    assert examples == [
        ("check mijn nieuwe kanaal, like en abonneer", True),
        ("de schaakclub begint om vier", False),
        ("wie koopt mijn oude scooter", True),
    ]
    report = {row.flag: row for row in repo.precision_report()}
    topic = report["off_topic"]
    assert (topic.findings, topic.wrong, topic.correct, topic.missed) == (3, 1, 1, 1)
    assert topic.precision == pytest.approx(2 / 3)
    assert topic.reviewed_precision == pytest.approx(0.5)
    assert report["harassment"].findings == 0 and report["harassment"].missed == 1
    assert report["harassment"].precision is None
    assert report["personal_data"].precision == 1.0
    assert repo.precision_report(["console:andere-groep"]) == []
    text = format_report(report.values(), "en")
    assert "off_topic" in text and "66.7%" in text
    # Dutch report: Dutch column titles and kinds, matching the Dutch footer ('Gemist').
    dutch = format_report(report.values(), "nl")
    assert dutch.splitlines()[1].split() == ["Soort", "Meldingen", "Onterecht", "Klopt",
                                             "Gemist", "Precisie"]
    assert "niet schoolgerelateerd (off_topic)" in dutch


def test_feedback_changes_the_retrained_topic_model(db: Database) -> None:
    """Retraining with feedback moves the model towards the school's corrections."""
    add_group(db)
    repo = FeedbackRepository(db)
    phrase = "wie gaat er mee naar de schaakclub zaterdag"
    for i in range(3):
        fid = add_finding(db, policy="topic", flag="off_topic", text=f"{phrase} {i}")
        repo.mark_wrong(fid, "cli")
    base = read_examples(TRAIN_PATH)
    before = train(base)
    extra = [Example(text, off, 2.0) for text, off in repo.training_examples("off_topic")]
    after = train(base + extra)
    view = TextView.of("wie gaat er mee naar de schaakclub zaterdag")
    from policies.topic_model import features, load_lexicon

    feats = features(view, load_lexicon())
    assert after.probability(feats) < before.probability(feats) - 0.2


def test_cli_wrong_missed_report_and_topic_train(
    tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli.feedback import app as feedback_app
    from bot.cli.topic import app as topic_app

    add_group(db)
    finding = add_finding(db, policy="topic", flag="off_topic", text="schaakclub na school")
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "sw.db"}"\n', "utf-8")
    runner = CliRunner()
    result = runner.invoke(
        feedback_app,
        ["wrong", str(finding), "--term", "schaakclub", "--by", "mentor", "--config", str(config)],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        feedback_app,
        ["missed", GROUP, "off_topic", "--text", "koop nu mijn stickers", "--config", str(config)],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(feedback_app, ["wrong", "999", "--config", str(config)])
    assert result.exit_code == 1
    result = runner.invoke(feedback_app, ["report", "--config", str(config)])
    assert result.exit_code == 0
    assert "off_topic" in result.output and "0.0%" in result.output

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "school_model.json"
    result = runner.invoke(
        topic_app, ["train", "--feedback", "--config", str(config), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 from feedback" in result.output
    model = TopicModel.load(out)
    assert model.meta["feedback_examples"] == 2
    assert json.loads(out.read_text("utf-8"))["version"] == 1
