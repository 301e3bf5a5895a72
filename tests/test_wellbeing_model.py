"""The trained wellbeing model: a second opinion on care signals beside the wellbeing rule (A.11).

A tiny model is trained here from sentences of this file (the shipped one is only loaded), so
the tests pin how the policy combines with the rules, not what a corpus taught it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.evaluator import Evaluator
from core.events import GroupKind, MessageEvent, Role, Sender
from core.findings import Finding, Route, Severity
from policies.base import PolicyContext, PolicyEnv
from policies.harassment_model import Example, LinearModel, train
from policies.text import TextView
from policies.wellbeing import cleared_by_context
from policies.wellbeing_model import MODEL_PATH, WellbeingModelPolicy, WellbeingModelSettings

GROUP = "console:klas-3a"

# Care signals in wordings the rule's lists do not hold, and ordinary messages beside them.
_SIGNALS = [
    "ik heb al mijn spullen weggegeven, ik heb ze toch niet meer nodig",
    "sorry voor alles, dit is de laatste keer dat jullie iets van mij horen",
    "ik eet al een week bijna niks en ik haat mezelf",
    "ik lig elke nacht wakker en voel me helemaal leeg vanbinnen",
    "i gave my guitar to my brother, i won't need it after friday",
    "nobody would even notice if i was gone tomorrow",
    "ik voel me zo leeg en alleen, ik weet niet meer wat ik moet",
    "mijn spullen mogen jullie hebben, ik ben er binnenkort toch niet",
]
_ORDINARY = [
    "ik heb mijn boeken al ingeleverd bij de mediatheek",
    "sorry dat ik te laat was bij de les van meneer",
    "ik eet vandaag een broodje in de kantine",
    "ik lig nog in bed, ik kom het tweede uur",
    "i gave my essay to the teacher on friday",
    "nobody knows where the science room is tomorrow",
    "ik weet niet meer welke bladzijde we moesten lezen",
    "mijn spullen liggen nog in het lokaal van gym",
    "kan iemand de foto's van de excursie delen",
    "wie heeft de samenvatting van hoofdstuk vier",
]


@pytest.fixture(scope="module")
def toy() -> LinearModel:
    examples = [Example(t, True) for t in _SIGNALS] + [Example(t, False) for t in _ORDINARY]
    model = train(examples, c=10.0, min_count=1, folds=2)
    model.meta["thresholds"] = {"threshold": 0.5, "medium_threshold": 0.5}
    return model


@pytest.fixture()
def policy(toy: LinearModel) -> WellbeingModelPolicy:
    return WellbeingModelPolicy(PolicyEnv(), model=toy)


def run(policy: WellbeingModelPolicy, text: str, *, prior: tuple[Finding, ...] = (),
        **settings: float) -> list[Finding]:
    ctx = PolicyContext(GROUP, GroupKind.CLASS, Role.STUDENT, WellbeingModelSettings(**settings),
                        prior_findings=prior)
    event = MessageEvent("console", "klas-3a", "1", Sender("u1", "Leerling", Role.STUDENT),
                         text=text)
    return policy.check_text(TextView.of(text), ctx, event)


def prior(flag: str, category: str) -> Finding:
    return Finding("x", flag, "A.10", 0.9, Severity.MEDIUM, "rule", category=category)


SIGNAL = "ik heb al mijn spullen weggegeven, ik heb ze niet meer nodig"


def test_a_care_signal_in_new_words_goes_quietly_to_the_adviser(
        policy: WellbeingModelPolicy) -> None:
    found = run(policy, SIGNAL)
    assert len(found) == 1
    f = found[0]
    assert (f.flag, f.article, f.category, f.severity) == (
        "wellbeing", "A.11", "self_harm_risk", Severity.MEDIUM)  # never high on its own
    assert "zorgsignaal" in f.evidence and "spullen" in f.evidence
    assert WellbeingModelPolicy.route is Route.CARE


def test_ordinary_messages_stay_clear(policy: WellbeingModelPolicy) -> None:
    assert run(policy, "ik heb mijn boeken ingeleverd bij de mediatheek") == []


@pytest.mark.parametrize(("flag", "category", "settles"), [
    ("wellbeing", "self_harm_risk", True),  # the rule spoke: the model does not double it
    ("harassment", "self_harm_encouragement", True),  # aimed at someone: the harassment rule's
    ("harassment", "model", False),  # the harassment model's guess settles nothing
])
def test_what_settles_the_message(policy: WellbeingModelPolicy, flag: str, category: str,
                                  settles: bool) -> None:
    found = run(policy, SIGNAL, prior=(prior(flag, category),))
    assert (found == []) is settles


@pytest.mark.parametrize("text", [
    'in het boek schrijft de hoofdpersoon "ik heb al mijn spullen weggegeven"',  # a quotation
    "ik heb al mijn spullen weggegeven haha, mn kamer is eindelijk leeg 😂",  # laughter
])
def test_the_rules_context_clears_it(policy: WellbeingModelPolicy, text: str) -> None:
    assert cleared_by_context(TextView.of(text)) is not None
    assert run(policy, text) == []


def test_a_negated_signal_is_cleared_by_the_rules_reading() -> None:
    assert cleared_by_context(TextView.of("ik ga me echt niet ophangen hoor")) == "negated"
    assert cleared_by_context(TextView.of("ik voel me zo leeg en alleen")) is None


def test_short_messages_and_thresholds(policy: WellbeingModelPolicy) -> None:
    assert run(policy, "sorry voor alles") == []  # under min_words
    assert run(policy, SIGNAL, threshold=1.0) == []


def test_the_shipped_model_loads_with_its_thresholds() -> None:
    shipped = WellbeingModelPolicy(PolicyEnv())
    assert shipped.model_path == MODEL_PATH and shipped.model is not None
    assert 0.5 <= shipped.model.meta["thresholds"]["threshold"] <= 1
    assert shipped.model.meta.get("flag") == "wellbeing"


async def test_in_the_evaluator_it_runs_after_the_rules_and_keeps_the_care_route(
        toy: LinearModel) -> None:
    from policies.registry import build_policies

    policies = [p for p in build_policies() if p.name != "wellbeing_model"]
    evaluator = Evaluator([*policies, WellbeingModelPolicy(PolicyEnv(), model=toy)])
    event = MessageEvent("console", "klas-3a", "1", Sender("u1", "Leerling", Role.STUDENT),
                         text=SIGNAL)
    verdict = await evaluator.evaluate(event, kind=GroupKind.CLASS, settings={})
    care = [f for f in verdict.findings if f.policy == "wellbeing_model"]
    assert care and care[0].route is Route.CARE
    assert "off_topic" not in {f.flag for f in verdict.findings}  # no topic reminder to a child


def test_cli_trains_the_wellbeing_model(tmp_path: Path) -> None:
    from bot.cli.model import app

    data = tmp_path / "care.jsonl"
    data.write_text("".join(
        f'{{"text": "{t}", "labels": {{"wellbeing": {str(t in _SIGNALS).lower()}}}}}\n'
        for t in _SIGNALS + _ORDINARY), "utf-8")
    out = tmp_path / "wb.json"
    result = CliRunner().invoke(app, ["train", "--flag", "wellbeing", "--data", str(data),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wellbeing model:")
    assert LinearModel.load(out).meta["flag"] == "wellbeing"
    bad = CliRunner().invoke(app, ["train", "--flag", "topic", "--out", str(out)])
    assert bad.exit_code == 2 and "unknown model" in bad.output
