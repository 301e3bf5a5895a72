"""The topic rule (A.7 / B.2): school business versus everything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.config import AppConfig
from bot.groups import PolicyResolver
from core.events import GroupKind, MessageEvent, Role, Sender
from core.findings import Finding, Severity
from policies import articles
from policies.base import PolicyContext, PolicyEnv
from policies.registry import policy_types
from policies.text import TextView
from policies.topic import LOCAL_MODEL_NAME, TopicPolicy, TopicSettings
from policies.topic_model import (
    MODEL_PATH,
    Example,
    TopicModel,
    TopicModelError,
    features,
    load_lexicon,
    train,
)


@pytest.fixture(scope="module")
def policy() -> TopicPolicy:
    return TopicPolicy()


def run(
    policy: TopicPolicy,
    text: str,
    kind: GroupKind = GroupKind.CLASS,
    role: Role = Role.STUDENT,
    settings: TopicSettings | None = None,
    prior: tuple[Finding, ...] = (),
) -> list[Finding]:
    ctx = PolicyContext(
        group_key="console:g",
        group_kind=kind,
        sender_role=role,
        settings=settings or TopicSettings(),
        prior_findings=prior,
    )
    event = MessageEvent("console", "g", "1", Sender("u", "U", role), text=text)
    return policy.check_text(TextView.of(text), ctx, event)


OFF_TOPIC = [
    "wie wil mijn oude nintendo switch kopen? 90 euro",
    "vanavond feest bij thijs, neem wat te drinken mee 🍾",
    "stuur dit naar 10 mensen anders krijg je ongeluk",
    "ik heb net 300 euro verdiend met ethereum, wie wil ook?",
    "wie speelt er mee met roblox vanavond",
    "die nieuwe serie op disney+ is echt vet",
    "anyone selling concert tickets for saturday?",
]
ON_TOPIC = [
    "moeten we voor donderdag de opdrachten van paragraaf 3.4 maken?",
    "mevrouw, ik ben ziek thuis en mis vandaag het practicum",
    "wanneer is de herkansing van de toets geschiedenis?",
    "hoe laat vertrekt de bus naar het museum morgen?",
    "Is the essay for English due on Monday?",
    "die toets was echt kut moeilijk, hoe ging het bij jullie?",
]


@pytest.mark.parametrize("text", OFF_TOPIC)
def test_off_topic_in_class_group_cites_b2(policy: TopicPolicy, text: str) -> None:
    findings = run(policy, text)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.flag == "off_topic"
    assert finding.article == articles.B2
    assert finding.severity == Severity.NONE  # off topic alone is not harm
    assert finding.score >= 0.5
    assert finding.category


@pytest.mark.parametrize("text", ON_TOPIC)
def test_school_business_is_on_topic(policy: TopicPolicy, text: str) -> None:
    assert run(policy, text) == []


def test_parent_group_cites_a7(policy: TopicPolicy) -> None:
    findings = run(
        policy,
        "Te koop: bijna nieuwe trampoline, 60 euro, zelf ophalen",
        GroupKind.PARENT,
        Role.PARENT,
    )
    assert [f.article for f in findings] == [articles.A7]
    assert findings[0].category == "selling"
    assert (
        run(policy, "Hoe laat begint de ouderavond op donderdag?", GroupKind.PARENT, Role.PARENT)
        == []
    )


@pytest.mark.parametrize(
    "text",
    [
        "oké, dank u!",
        "top 👍",
        "👍",
        "🙏🙏",
        "Thanks sir!",
        "ja is goed meneer",
        "Bedankt voor het doorgeven.",
    ],
)
def test_acknowledgements_and_reactions_are_on_topic(policy: TopicPolicy, text: str) -> None:
    assert run(policy, text) == []


@pytest.mark.parametrize("text", ["hoi allemaal", "Hallo iedereen!", "goedemorgen meneer 👋"])
def test_a_greeting_alone_is_courtesy_not_off_topic(policy: TopicPolicy, text: str) -> None:
    assert run(policy, text) == []


def test_a_greeting_does_not_clear_what_follows_it(policy: TopicPolicy) -> None:
    findings = run(policy, "hoi allemaal, wie wil mijn oude nintendo switch kopen? 90 euro")
    assert [f.flag for f in findings] == ["off_topic"]


def test_staff_groups_are_never_off_topic(policy: TopicPolicy) -> None:
    text = "wie wil mijn oude nintendo switch kopen? 90 euro"
    assert run(policy, text, GroupKind.STAFF, Role.STAFF) == []
    resolver = PolicyResolver(AppConfig(), policy_types())
    assert resolver.settings_for(GroupKind.STAFF, None, None)["topic"].enabled is False
    assert resolver.settings_for(GroupKind.CLASS, None, None)["topic"].enabled is True


def test_staff_senders_need_much_more_evidence(policy: TopicPolicy) -> None:
    text = "Voor Engels: schrijf een recensie over een film of serie die je goed vindt."
    assert policy.probability(TextView.of(text)) < 0.9
    assert run(policy, text, role=Role.TEACHER) == []


def test_group_allow_list_and_allowed_topics(policy: TopicPolicy) -> None:
    text = "wie speelt er mee met roblox vanavond"
    assert run(policy, text)
    assert run(policy, text, settings=TopicSettings(allow=["Roblox"])) == []
    sport = "wie kijkt er vanavond naar ajax tegen psv? wat een wedstrijd wordt dat"
    assert run(policy, sport)
    # A sports class allows sport talk: the category stops counting as off topic.
    allowed = TopicSettings(allowed_topics=["sport"])
    assert policy.probability(TextView.of(sport), allowed) < policy.probability(TextView.of(sport))


def test_harassment_is_off_topic_unless_about_schoolwork(policy: TopicPolicy) -> None:
    harassment = Finding(policy="harassment", flag="harassment", article=articles.A10, score=0.9,
                         severity=Severity.MEDIUM, evidence="insult")
    insult = "jij bent echt de grootste sukkel die ik ken"
    findings = run(policy, insult, prior=(harassment,))
    assert findings and findings[0].category == "harassment"
    schoolwork = "jij hebt weer niks gedaan aan ons verslag voor biologie, sukkel"
    assert run(policy, schoolwork, prior=(harassment,)) == []


def test_a_worried_wellbeing_finding_is_never_off_topic(policy: TopicPolicy) -> None:
    worry = Finding(policy="wellbeing", flag="wellbeing", article=articles.A11, score=0.9,
                    severity=Severity.HIGH, evidence="x")
    text = "wie komt zaterdag naar mijn feestje, ik wil er daarna niet meer zijn"
    assert run(policy, text)  # off topic on its own
    assert run(policy, text, prior=(worry,)) == []


def test_insulting_a_teacher_is_not_about_schoolwork(policy: TopicPolicy) -> None:
    harassment = Finding(policy="harassment", flag="harassment", article=articles.A10, score=0.9,
                         severity=Severity.MEDIUM, evidence="insult")
    # The people and places of school are not schoolwork: the insult stays off topic.
    for text in ("die mentor van mijn zoon is een luie nietsnut", "that teacher is a useless clown"):
        findings = run(policy, text, GroupKind.PARENT, Role.PARENT, prior=(harassment,))
        assert [f.category for f in findings] == ["harassment"], text


@pytest.mark.parametrize("text", [
    # a denial
    "ik heb nooit gezegd dat jij stom bent, ik had het over die film",
    "nobody thinks you're weird sam, honestly",
    # a report to a teacher, quoting what was said
    "meneer, iemand schreef 'jij bent niks waard' onder mijn foto, wat moet ik doen?",
    # objecting to prejudice
    "kunnen we stoppen met die grappen over mensen met een handicap? dat is gewoon kwetsend",
    # care and kindness
    "sterkte noor, we denken aan je ❤️",
    "ik voel me echt niet goed en ik weet niet tegen wie ik het moet zeggen",
    # mocking oneself
    "ik ben echt een ramp, alweer mijn sleutels thuis laten liggen 🤦",
])
def test_personal_and_kind_messages_stay_quiet(policy: TopicPolicy, text: str) -> None:
    """When in doubt, stay on topic: a teacher would not answer these with 'keep it about school'."""
    assert run(policy, text) == []


def test_without_an_off_topic_subject_the_model_must_be_surer(policy: TopicPolicy) -> None:
    text = "zullen we morgen afspreken"
    ctx = PolicyContext("console:g", GroupKind.CLASS, Role.STUDENT, TopicSettings())
    probability = policy.probability(TextView.of(text))
    just_under = TopicSettings(threshold=0.05, unnamed_threshold=min(1.0, probability + 0.01))
    assert policy.judge(TextView.of(text), just_under, ctx) is None
    just_over = TopicSettings(threshold=0.05, unnamed_threshold=max(0.05, probability - 0.01))
    assert policy.judge(TextView.of(text), just_over, ctx) is not None
    # A sign of a personal message (here a denial) raises the bar again.
    denial = "ik zei niet dat we morgen afspreken"
    assert "negation" in policy.lexicon.categories(TextView.of(denial))
    p = policy.probability(TextView.of(denial))
    doubting = TopicSettings(threshold=0.05, unnamed_threshold=0.05, cue_threshold=min(1.0, p + 0.01))
    assert policy.judge(TextView.of(denial), doubting, ctx) is None


@pytest.mark.parametrize("text", [
    "hoe heet dat orgaan ook alweer dat insuline maakt, voor de toets van bio",
    "wat moesten we weten over de tachtigjarige oorlog voor het proefwerk",
    "gaat de toets morgen ook over fotosynthese of alleen over cellen?",
])
def test_questions_about_lesson_content_are_on_topic(policy: TopicPolicy, text: str) -> None:
    assert run(policy, text) == []


def test_lexicon_forms_prefix_suffix_phrase() -> None:
    lexicon = load_lexicon()
    found = lexicon.categories(TextView.of("de eindtoets en de toetsweek, te koop: ps5 😂"))
    assert "eindtoets" in found["tests"] and "toetsweek" in found["tests"]
    assert "te koop" in found["selling"]
    assert "😂" in found["laughter"]  # a tone, not a subject: a cue, never an off-topic signal
    assert "laughter" in lexicon.cues and "laughter" not in lexicon.off_topic


def test_training_is_deterministic_and_learns(tmp_path: Path) -> None:
    examples = [
        Example("wanneer is de toets van wiskunde", False),
        Example("moeten we het huiswerk inleveren", False),
        Example("de les begint later vandaag", False),
        Example("wie wil mijn fiets kopen", True),
        Example("feestje zaterdag bij mij", True),
        Example("kijk deze grappige video", True),
    ]
    first, second = train(examples, epochs=30), train(examples, epochs=30)
    assert first.to_json() == second.to_json()
    lexicon = load_lexicon()
    assert first.probability(features(TextView.of("wie wil mijn scooter kopen"), lexicon)) > 0.5
    assert first.probability(features(TextView.of("de toets van duits"), lexicon)) < 0.5
    path = tmp_path / "m.json"
    first.save(path)
    assert TopicModel.load(path).to_json() == first.to_json()


def test_corrupt_model_is_a_clear_error_and_the_policy_falls_back(tmp_path: Path) -> None:
    bad = tmp_path / LOCAL_MODEL_NAME
    bad.write_text("{not json", "utf-8")
    with pytest.raises(TopicModelError, match=str(bad)):
        TopicModel.load(bad)
    with pytest.raises(TopicModelError, match="cannot read"):
        TopicModel.load(tmp_path / "missing.json")
    fallback = TopicPolicy(PolicyEnv(data_dir=tmp_path))
    assert fallback.model_path == MODEL_PATH


def test_a_local_model_wins_over_the_shipped_one(tmp_path: Path) -> None:
    model = train([Example("les", False), Example("feest", True)], epochs=5)
    model.save(tmp_path / LOCAL_MODEL_NAME)
    assert TopicPolicy(PolicyEnv(data_dir=tmp_path)).model_path == tmp_path / LOCAL_MODEL_NAME


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\u200b",
        "😂" * 5000,
        "x" * 1_000_000,
        "\ud800 kapot",
        "مرحبا بالجميع",
        "ʇɥƃᴉu ǝɔᴉu",
    ],
)
def test_bad_input_gives_a_safe_verdict(policy: TopicPolicy, text: str) -> None:
    findings = run(policy, text)
    assert isinstance(findings, list)
    assert all(0.0 <= f.score <= 1.0 for f in findings)


def test_topic_eval_command_prints_figures(tmp_path: Path) -> None:
    from bot.cli.topic import app

    data = tmp_path / "eval.jsonl"
    rows = [{"text": t, "off_topic": True} for t in OFF_TOPIC[:3]]
    rows += [{"text": t, "labels": {"off_topic": False}} for t in ON_TOPIC[:3]]
    rows.append({"text": OFF_TOPIC[0], "off_topic": True, "group_kind": "staff"})
    data.write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    result = CliRunner().invoke(app, ["eval", str(data)])
    assert result.exit_code == 0, result.output
    assert "P=1.000 R=1.000 F1=1.000" in result.output
    assert "(n=6)" in result.output


def test_evidence_names_the_largest_off_topic_category(policy: TopicPolicy) -> None:
    ctx = PolicyContext("console:g", GroupKind.CLASS, Role.STUDENT, TopicSettings())
    low = TopicSettings(threshold=0.05, unnamed_threshold=0.05, cue_threshold=0.05)
    text = "te koop: fiets, wie wil mijn fiets kopen, gratis, ps5 ps5 game"  # a tie: the first wins
    found = policy.lexicon.categories(TextView.of(text))
    off = {c: e for c, e in found.items() if c in policy.lexicon.off_topic}
    assert len(off) > 1
    largest = max(off, key=lambda c: len(off[c]))
    shown = ", ".join(dict.fromkeys(off[largest]))[:60]
    verdict = policy.judge(TextView.of(text), low, ctx)
    assert verdict is not None
    assert verdict[1:] == (largest, f"geen schoolonderwerp ({largest}: {shown}), kans {verdict[0]:.2f}")
    quiet = policy.judge(TextView.of("zullen we morgen afspreken"), low, ctx)
    assert quiet is not None
    assert quiet[1:] == ("not_school", f"geen schoolonderwerp (not_school), kans {quiet[0]:.2f}")
