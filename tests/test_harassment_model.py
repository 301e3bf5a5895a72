"""The trained harassment model: its file, training, feedback retraining and how it joins the rules.

The sentences here are the tests' own (``tests/data/harassment_model_toy.jsonl`` and below), never
taken from the corpus. No test asserts a quality score: behaviour only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.events import GroupKind, MessageEvent, Role, Sender
from core.findings import Finding, Severity
from policies.base import PolicyContext, PolicyEnv
from policies.harassment_model import (
    MODEL_PATH,
    Example,
    HarassmentModelPolicy,
    HarassmentModelSettings,
    LinearModel,
    ModelFileError,
    features,
    left_to_model,
    read_corpus,
    text_words,
    train,
)
from policies.text import TextView

TOY = Path(__file__).parent / "data" / "harassment_model_toy.jsonl"
GROUP = "console:klas-2b"


@pytest.fixture(scope="module")
def toy_model() -> LinearModel:
    return train(read_corpus(TOY))


def event(text: str, role: Role = Role.STUDENT, reply_to: str | None = None) -> MessageEvent:
    return MessageEvent("console", "klas-2b", "1", Sender("u1", "Leerling", role), text=text,
                        reply_to_sender_id=reply_to)


def run(policy: HarassmentModelPolicy, text: str, *, prior: tuple[Finding, ...] = (),
        role: Role = Role.STUDENT, **settings: float) -> list[Finding]:
    ctx = PolicyContext(GROUP, GroupKind.CLASS, role,
                        HarassmentModelSettings(**settings), prior_findings=prior)
    return policy.check_text(TextView.of(text), ctx, event(text, role))


def finding(flag: str, **data: object) -> Finding:
    return Finding("harassment", flag, "A.10", 0.9, Severity.MEDIUM, "rule", data=data)


# -- features and the file ------------------------------------------------------------------------


def test_inflections_share_a_lemma_feature() -> None:
    past, present = features(text_words("hij stak")), features(text_words("ik steek"))
    assert "l:steken" in past and "l:steken" in present


def test_character_ngrams_stay_inside_words() -> None:
    feats = features(text_words("je mes"))
    assert "c:<mes>" in feats and "c:<je>" in feats
    assert not any(" " in f for f in feats if f.startswith("c:"))
    assert "b:je mes" in feats  # neighbouring lemmas


def test_save_and_load_round_trip(tmp_path: Path, toy_model: LinearModel) -> None:
    path = tmp_path / "m.json"
    toy_model.save(path)
    loaded = LinearModel.load(path)
    words = text_words("niemand wil jou erbij")
    assert loaded.probability(words) == pytest.approx(toy_model.probability(words), abs=1e-4)
    data = json.loads(path.read_text("utf-8"))
    assert set(data) >= {"format", "bias", "calibration", "weights", "meta"}
    assert all(isinstance(v, float) for v in data["weights"].values())  # plain numbers, no pickle


@pytest.mark.parametrize("content", ["not json", '{"format": "other"}',
                                     '{"format": "schoolwacht-linear-1", "weights": {}}'])
def test_a_broken_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(content, "utf-8")
    with pytest.raises(ModelFileError, match=str(path)):
        LinearModel.load(path)


def test_a_corrupt_school_model_falls_back_to_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "harassment_model.json").write_text("{broken", "utf-8")
    policy = HarassmentModelPolicy(PolicyEnv(data_dir=tmp_path))
    assert policy.model_path == MODEL_PATH and policy.model is not None


def test_a_school_model_wins_over_the_shipped_one(tmp_path: Path, toy_model: LinearModel) -> None:
    toy_model.save(tmp_path / "harassment_model.json")
    policy = HarassmentModelPolicy(PolicyEnv(data_dir=tmp_path))
    assert policy.model_path == tmp_path / "harassment_model.json"


def test_the_shipped_model_loads_and_explains_itself() -> None:
    model = LinearModel.load(MODEL_PATH)
    assert model.meta["examples"] > 100 and model.weights
    probability, top = model.explain(text_words("ik steek je morgen neer met een mes"))
    assert 0.0 <= probability <= 1.0
    assert all(weight > 0 for _, weight in top)


# -- training -------------------------------------------------------------------------------------


def test_training_is_deterministic() -> None:
    examples = read_corpus(TOY)
    assert train(examples).to_json() == train(list(examples)).to_json()


def test_training_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="with and without"):
        train([Example("hallo", False), Example("doei", False)])


def test_feedback_retraining_changes_the_answer_on_a_fed_back_message(
    tmp_path: Path, toy_model: LinearModel
) -> None:
    """A message a moderator marked as missed is flagged after retraining, and one marked as
    wrongly flagged is no longer: through the database and the CLI, as a school would do it."""
    from bot.cli.model import app
    from storage.db import Database
    from storage.feedback_repo import FeedbackRepository
    from storage.models import FindingRecord

    missed = "iedereen lacht om jouw tekening"
    wrong = "jij bent echt goed in tekenen"
    threshold = 0.5
    assert toy_model.probability(text_words(missed)) < threshold
    assert toy_model.probability(text_words(wrong)) >= threshold

    from tests.privacy_support import TEST_KEYS

    db = Database(f"sqlite:///{tmp_path / 'sw.db'}", keys=TEST_KEYS)
    try:
        repo = FeedbackRepository(db)
        repo.mark_missed(GROUP, "harassment", missed, "mentor")
        with db.session() as s:
            record = FindingRecord(group_key=GROUP, message_id="m1", member_id="u1",
                                   policy="harassment_model", flag="harassment", article="A.10",
                                   severity=1, score=0.7, evidence="model", text=wrong)
            s.add(record)
            s.commit()
            finding_id = record.id
        repo.mark_wrong(finding_id, "mentor")
    finally:
        db.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "sw.db"}"\n', "utf-8")
    out = tmp_path / "school.json"
    result = CliRunner().invoke(app, ["train", "--data", str(TOY), "--feedback",
                                      "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 from feedback" in result.output
    retrained = LinearModel.load(out)
    assert retrained.probability(text_words(missed)) >= threshold
    assert retrained.probability(text_words(wrong)) < threshold


def test_the_sealed_split_is_never_trained_on(tmp_path: Path) -> None:
    from bot.cli.model import app

    sealed = tmp_path / "sealed" / "test.jsonl"
    sealed.parent.mkdir()
    sealed.write_text("", "utf-8")
    result = CliRunner().invoke(app, ["train", "--data", str(sealed), "--out",
                                      str(tmp_path / "m.json")])
    assert result.exit_code == 2 and "sealed" in result.output


# -- the policy beside the rules ------------------------------------------------------------------


@pytest.fixture()
def policy(toy_model: LinearModel) -> HarassmentModelPolicy:
    return HarassmentModelPolicy(PolicyEnv(), model=toy_model)


def test_adds_a_capped_finding_with_words_a_mentor_understands(
    policy: HarassmentModelPolicy,
) -> None:
    found = run(policy, "niemand wil jou erbij, ga weg", threshold=0.5, medium_threshold=0.5)
    assert len(found) == 1
    f = found[0]
    assert f.flag == "harassment" and f.category == "model" and f.article == "A.10"
    assert f.severity <= Severity.MEDIUM  # never high or critical on its own
    assert "niemand" in f.evidence and "geen woordregel" in f.evidence


def test_never_above_medium_even_when_certain(toy_model: LinearModel) -> None:
    certain = LinearModel(weights={"l:ding": 50.0}, bias=0.0, calibration=(1.0, 0.0))
    policy = HarassmentModelPolicy(PolicyEnv(), model=certain)
    (f,) = run(policy, "een ding een ding", threshold=0.5, medium_threshold=0.5)
    assert f.severity is Severity.MEDIUM


def test_a_hard_rule_settles_the_message(policy: HarassmentModelPolicy) -> None:
    text = "niemand wil jou erbij, ga weg"
    assert run(policy, text, prior=(finding("harassment"),), threshold=0.5) == []


def test_wellbeing_is_never_reported_as_harassment(policy: HarassmentModelPolicy) -> None:
    text = "niemand wil mij erbij, ik wil weg"
    assert run(policy, text, prior=(finding("wellbeing"),), threshold=0.5) == []


def test_swearing_the_rules_reported_does_not_count(policy: HarassmentModelPolicy) -> None:
    certain = LinearModel(weights={"l:kut": 50.0}, bias=-5.0, calibration=(1.0, 0.0))
    policy = HarassmentModelPolicy(PolicyEnv(), model=certain)
    text = "kut kut die bus is weer te laat"
    assert run(policy, text, threshold=0.5)  # without the rules' profanity finding it would flag
    prior = (finding("profanity", terms=["kut"]),)
    assert run(policy, text, prior=prior, threshold=0.5) == []


def test_clearing_modality_reported_by_the_rules_is_respected(
    policy: HarassmentModelPolicy,
) -> None:
    text = "niemand wil jou erbij, ga weg"
    prior = (Finding("harassment", "profanity", "P.3", 0.5, Severity.LOW, "x",
                     data={"modality": "quotation"}),)
    assert run(policy, text, prior=prior, threshold=0.5) == []


@pytest.mark.parametrize("text", [
    "meneer, ze zeiden tegen me dat niemand mij erbij wil",  # reporting it to a teacher
    "in het boek zegt het personage dat niemand hem erbij wil",  # a lesson
])
def test_report_and_lesson_context_clear(policy: HarassmentModelPolicy, text: str) -> None:
    assert run(policy, text, threshold=0.5) == []


def test_staff_messages_are_left_to_the_rules(policy: HarassmentModelPolicy) -> None:
    assert run(policy, "niemand wil jou erbij, ga weg", role=Role.TEACHER, threshold=0.5) == []


def test_short_and_clean_messages_get_nothing(policy: HarassmentModelPolicy) -> None:
    assert run(policy, "ok jij") == []
    assert run(policy, "morgen toets over hoofdstuk vier, neem je boek mee") == []


# -- the second round: windows, cues, thresholds from the model file ------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from policies.harassment_model import (  # noqa: E402
    EXTRA_EXAMPLES,
    MAX_WINDOWS,
    WINDOW,
    FeatureSpec,
    choose_thresholds,
    cue_features,
    windows,
)

_WORDS = st.sampled_from(["jij", "je", "bent", "dom", "niet", "ik", "sla", "morgen", "moslims",
                          "sem", "huiswerk", "kut", "xq", "stak", "gestoken", "ze", "haha"])


@settings(max_examples=60, deadline=None)
@given(words=st.lists(_WORDS, max_size=3 * WINDOW), quote=st.booleans(),
       values=st.sampled_from(["binary", "sublinear_l2"]), cues=st.booleans())
def test_the_fast_scorer_is_the_plain_definition_per_window(
        words: list[str], quote: bool, values: str, cues: bool) -> None:
    """``probability`` (cached word features, one pass) equals the reference
    ``feature_values(feature_counts(...))`` of each window, and takes the most hostile window."""
    spec = FeatureSpec(values=values, cues=cues)
    model = LinearModel(weights={"l:dom": 1.5, "c:<je>": 0.7, "b:slaan je": 2.0, "t:you": 0.3,
                                 "t:none": -0.4, "m:neg": -0.9, "m:quote": -0.2, "c:ik>": -0.3,
                                 "l:steken": 1.1},
                        bias=-0.5, calibration=(1.3, -0.2), spec=spec)
    original = ('"' if quote else "") + " ".join(words)
    expected = max((model.reference_probability(list(w), original=original)
                    for w in windows(words)), default=model.probability_of(model.bias))
    assert model.probability(words, original=original) == pytest.approx(expected, abs=1e-9)
    if len(words) <= WINDOW:
        assert model.probability(words, original=original) == pytest.approx(
            model.reference_probability(words, original=original), abs=1e-9)


def test_a_long_paste_is_read_in_a_bounded_number_of_windows() -> None:
    words = [f"w{i}" for i in range(5000)]
    parts = windows(words)
    assert len(parts) == MAX_WINDOWS and all(len(p) == WINDOW for p in parts)
    assert windows(words[:10]) == [words[:10]]


def test_cues_name_who_is_addressed_and_how() -> None:
    assert "t:you" in cue_features(text_words("heb jij de sleutel"))
    assert "t:none" in cue_features(text_words("de bus is te laat"))
    assert "m:neg" in cue_features(text_words("je bent niet dom"))
    assert "m:quote" in cue_features(["hij", "zei"], 'hij zei "sukkel"')
    assert "m:quote" not in cue_features(["zon", "ding"], "zo'n ding")  # an apostrophe


def test_lexicon_classes_reach_the_model_in_any_inflection() -> None:
    # "neergestoken" is a past participle of a separable verb in the violence table: the model
    # reads its class even when no training message had the word.
    cues = cue_features(text_words("morgen word jij neergestoken"), classes=True)
    assert "p:violence" in cues and "t:you&p:violence" in cues
    assert not any("p:" in c for c in cue_features(text_words("de bus is te laat"), classes=True))
    assert not any("p:" in c for c in cue_features(text_words("ik ga je neersteken")))


def test_thresholds_are_read_off_held_out_scores() -> None:
    probabilities = [0.95, 0.9, 0.8, 0.7, 0.6, 0.55]
    labels = [True, True, True, False, True, False]
    chosen = choose_thresholds(probabilities, labels)
    assert chosen == {"threshold": 0.71, "medium_threshold": 0.71}
    assert choose_thresholds([0.9], [False]) == {"threshold": 0.99, "medium_threshold": 0.99}


def test_thresholds_are_chosen_where_the_model_acts() -> None:
    """With the rules' verdicts known, the thresholds come from the examples the rules leave to
    the model only, at the lower precision wanted there; unmarked examples still train it."""
    examples = read_corpus(TOY)
    everywhere = train(examples)
    nowhere = train(examples, left=[False] * len(examples))
    assert nowhere.meta["thresholds"] == {"threshold": 0.99, "medium_threshold": 0.99}
    assert "leave to the model" in nowhere.meta["thresholds_chosen_on"]
    assert nowhere.weights == everywhere.weights  # the same fit: only the thresholds differ
    with pytest.raises(ValueError, match="every example"):
        train(examples, left=[True])
    lenient = choose_thresholds([0.9, 0.8, 0.7, 0.6], [True, True, False, True],
                                low_precision=0.75, medium_precision=0.9)
    assert lenient == {"threshold": 0.5, "medium_threshold": 0.71}


@pytest.mark.parametrize(("text", "prior", "left"), [
    ("niemand wil jou erbij, ga weg", (), True),
    ("jij", (), False),  # too short to judge
    ("niemand wil jou erbij, ga weg", (finding("harassment"),), False),  # the rules found it
    ("ik wil er niet meer zijn, niemand ziet me", (finding("wellbeing"),), False),  # care route
    ("ik zeg niet dat je dom bent", (), False),  # the rules read a denial
])
def test_left_to_model_is_the_policys_own_test(text: str, prior: tuple[Finding, ...],
                                               left: bool) -> None:
    ctx = PolicyContext(GROUP, GroupKind.CLASS, Role.STUDENT, HarassmentModelSettings(),
                        prior_findings=prior)
    assert left_to_model(TextView.of(text), ctx, event(text)) is left


def test_the_model_file_carries_its_thresholds_and_features(toy_model: LinearModel,
                                                            tmp_path: Path) -> None:
    toy_model.save(tmp_path / "m.json")
    loaded = LinearModel.load(tmp_path / "m.json")
    assert set(loaded.meta["thresholds"]) == {"threshold", "medium_threshold"}
    assert loaded.spec == toy_model.spec
    shipped = LinearModel.load(MODEL_PATH)
    assert 0.5 <= shipped.meta["thresholds"]["threshold"] <= 1


def test_the_policy_uses_the_thresholds_stored_with_the_model() -> None:
    model = LinearModel(weights={"l:ding": 2.0}, bias=0.0, calibration=(1.0, 0.0),
                        meta={"thresholds": {"threshold": 0.99, "medium_threshold": 0.99}})
    policy = HarassmentModelPolicy(PolicyEnv(), model=model)
    assert run(policy, "een ding een ding") == []  # P = 0.88 < the stored 0.99
    assert run(policy, "een ding een ding", threshold=0.5)  # a group's setting wins


def test_own_examples_are_clean_and_not_from_the_corpus() -> None:
    own = read_corpus(EXTRA_EXAMPLES)
    assert len(own) >= 40 and not any(ex.harassment for ex in own)
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    seen = {json.loads(line)["text"].strip().lower()
            for split in ("train.jsonl", "dev.jsonl")
            for line in (corpus / split).read_text("utf-8").splitlines() if line.strip()}
    assert not seen & {ex.text.strip().lower() for ex in own}


# Everyday school messages (written for this test; not in the corpus or extra_examples.jsonl):
# greetings, plans and meeting places once scored as hostile on "allemaal", "morgen", "straks".
EVERYDAY = [
    "tot morgen allemaal, slaap lekker", "succes morgen allemaal!", "doei allemaal, tot morgen",
    "welterusten allemaal", "dank jullie wel allemaal", "goedemorgen allemaal",
    "we gaan morgen met z'n allen naar het museum",
    "iedereen moet morgen om 8 uur op het plein staan",
    "morgen het eerste uur gym, neem je sportkleding mee", "ik wacht op je bij de ingang",
    "zien we elkaar morgen bij de bushalte?", "hou je taai, morgen is het weekend",
    "hebben jullie allemaal de toestemmingsbrief ingeleverd?",
    "we gaan ze zaterdag inmaken bij de wedstrijd haha", "slaap lekker allemaal",
    "tot straks bij gym", "lekker weekend allemaal", "doei tot morgen allemaal",
    "tot zo in de aula", "tot vanmiddag bij de training", "tot straks, ik ben er om 3 uur",
    "succes straks met je presentatie", "veel succes morgen met het examen allemaal",
    "ik zie jullie straks in lokaal 8", "wie gaat er straks mee naar de kantine",
    "straks hebben we het laatste uur vrij", "lekker bezig allemaal, goed gewerkt vandaag",
    "goed weekend gehad allemaal?", "fijne kerst en een goed nieuwjaar allemaal",
    "nog even volhouden, bijna vakantie", "we zien elkaar straks bij de bus",
    "wacht je even op mij bij het hek?", "kom je straks ook naar het schoolplein?",
    "ik kom je zo halen bij de bieb", "we moeten er allemaal om half 9 zijn",
    "iedereen heeft morgen vrij, de leraren vergaderen",
    "jullie mogen allemaal eerder naar huis vandaag",
    "hebben jullie allemaal je gymspullen bij je?",
    "wat gaan jullie allemaal doen in de vakantie?",
    "de juf zegt dat we allemaal een boek moeten meenemen",
    "zeg maar tegen de mentor dat ik later kom", "morgen gaan we met de klas naar de bioscoop",
    "wie heeft er zin om straks te voetballen op het veld",
    "jongens vergeet niet dat we morgen een toets hebben",
    "ik neem morgen koekjes mee voor iedereen", "dank je wel voor het helpen met wiskunde",
    "sorry dat ik zo laat reageer, was aan het trainen", "haha ja die les was echt lang vandaag",
    "heeft iemand een oplader voor mij straks", "ik ga nu slapen, tot morgen",
    "lekker gespeeld gisteren allemaal", "mogen we straks buiten eten?",
]


@pytest.mark.parametrize("text", [
    *EVERYDAY,
    # Known: "straks" + "naar huis" still weigh as a threat (0.75 against 0.72); a higher
    # threshold (0.76) clears it but loses critical messages only the model finds.
    pytest.param("ga je mee naar huis fietsen straks", marks=pytest.mark.xfail(strict=True)),
])
def test_the_shipped_models_leave_everyday_messages_alone(text: str) -> None:
    from policies.wellbeing_model import MODEL_PATH as WELLBEING_MODEL

    for path in (MODEL_PATH, WELLBEING_MODEL):
        model = LinearModel.load(path)
        view = TextView.of(text)
        probability = model.probability(view.words, original=view.original)
        assert probability < model.meta["thresholds"]["threshold"], (path.name, text)
