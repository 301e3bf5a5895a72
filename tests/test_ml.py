"""The ML layer on a tiny XLM-R model built here (random weights, locally trained tokenizer),
packaged as a Detoxify checkpoint and loaded through the same code as a real model."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.events import GroupKind, MessageEvent, Role, Sender
from core.findings import Finding, Severity
from policies import articles
from policies.base import PolicyContext, PolicyEnv, PolicyOptions
from policies.ml.batcher import MicroBatcher
from policies.ml.detoxify_loader import TorchScorer, load_detoxify
from policies.ml.errors import ModelLoadError
from policies.ml.onnx_runner import OnnxScorer, export
from policies.ml.scorer import load_or_fallback, load_scorer
from policies.ml.settings import ModelSettings
from policies.ml.tiny import build
from policies.text import TextView
from policies.toxicity_model import ToxicityModelPolicy, ToxicityModelSettings

TEXTS = [
    "jij bent echt een sukkel",
    "morgen toets hoofdstuk vier",
    "you are such an idiot",
    "wie heeft de aantekeningen van biologie",
    "ik weet waar je woont",
    "thanks see you tomorrow",
]


@pytest.fixture(scope="module", autouse=True)
def _offline() -> None:
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")
    mp.setenv("TRANSFORMERS_OFFLINE", "1")
    yield
    mp.undo()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-detoxify")
    build(folder, "tiny")
    return folder


@pytest.fixture(scope="module")
def exported(model_dir: Path):
    return export(model_dir, int8=True, tolerance=0.05)


def test_checkpoint_names_the_hub_model_like_the_real_one(model_dir: Path) -> None:
    import torch

    loaded = torch.load(model_dir / "checkpoint.ckpt", weights_only=False)
    assert loaded["config"]["arch"]["args"]["model_type"] == "xlm-roberta-base"


def test_plain_detoxify_cannot_load_offline(model_dir: Path) -> None:
    """Why the loader rewrites model_type: Detoxify itself still asks the hub."""
    from detoxify import Detoxify

    with pytest.raises(Exception):  # noqa: B017 - offline error type differs per hub version
        Detoxify(checkpoint=str(model_dir / "checkpoint.ckpt"),
                 huggingface_config_path=str(model_dir))


def test_loader_builds_detoxify_from_local_files(model_dir: Path) -> None:
    detox = load_detoxify(model_dir)
    assert detox.class_names[:3] == ["toxicity", "severe_toxicity", "obscene"]
    result = detox.predict(TEXTS[:2])
    assert set(result) == set(detox.class_names)
    assert all(0.0 <= v <= 1.0 for values in result.values() for v in values)


def test_torch_scorer_is_consistent_across_batch_sizes(model_dir: Path) -> None:
    scorer = TorchScorer(model_dir)
    batch = scorer.score(TEXTS)
    single = [scorer.score([t])[0] for t in TEXTS]
    assert len(batch) == len(TEXTS)
    for a, b in zip(batch, single, strict=True):
        assert max(abs(a[k] - b[k]) for k in a) < 1e-4


def test_onnx_export_agrees_with_torch(model_dir: Path, exported) -> None:
    assert exported.torch_fp32_agreement == 1.0
    assert exported.torch_fp32_max_diff < 1e-4
    torch_scores = TorchScorer(model_dir).score(TEXTS)
    onnx_scores = OnnxScorer(model_dir, prefer_int8=False).score(TEXTS)
    diffs = [abs(a[k] - b[k]) for a, b in zip(torch_scores, onnx_scores, strict=True) for k in a]
    decisions = [
        (a[k] >= 0.5) == (b[k] >= 0.5)
        for a, b in zip(torch_scores, onnx_scores, strict=True) for k in a
    ]
    print(f"torch vs ONNX fp32 on the tiny model: max diff {max(diffs):.2e}, "
          f"decision agreement {sum(decisions) / len(decisions):.3f}; int8: max diff "
          f"{exported.int8_max_diff}, agreement {exported.int8_agreement}, kept {exported.int8_kept}")
    assert max(diffs) < 1e-4 and all(decisions)


def test_int8_is_kept_only_when_it_agrees(model_dir: Path, exported) -> None:
    int8_file = model_dir / "model.int8.onnx"
    assert exported.int8_agreement is not None and exported.int8_max_diff is not None
    expected = exported.int8_agreement == 1.0 and exported.int8_max_diff <= 0.05
    assert exported.int8_kept is expected
    assert int8_file.is_file() is expected
    runner = OnnxScorer(model_dir)
    assert runner.quantized is expected
    meta = json.loads((model_dir / "onnx.json").read_text())
    assert meta["export"]["int8_kept"] is expected


def test_int8_runner_when_kept(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    build(folder, "tiny", classifier_std=0.05)  # small logits: quantisation keeps the decisions
    report = export(folder, int8=True, tolerance=1.0)
    if report.int8_kept:
        scorer = OnnxScorer(folder)
        assert scorer.quantized and scorer.model_path.name == "model.int8.onnx"
        assert len(scorer.score(TEXTS)) == len(TEXTS)
    else:  # the rule held: int8 disagreed on a decision, so fp32 is used
        assert report.int8_agreement is not None and report.int8_agreement < 1.0
        assert not OnnxScorer(folder).quantized


def test_missing_model_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(ModelLoadError, match=re.escape(str(missing))):
        load_scorer(missing, "torch")
    with pytest.raises(ModelLoadError, match="model export"):
        load_scorer(tmp_path, "onnx")
    with pytest.raises(ModelLoadError, match="path is not set"):
        load_scorer(None, "onnx")


def test_corrupt_checkpoint_names_the_file(model_dir: Path, tmp_path: Path) -> None:
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (tmp_path / name).write_bytes((model_dir / name).read_bytes())
    bad = tmp_path / "checkpoint.ckpt"
    bad.write_bytes(b"this is not a checkpoint")
    with pytest.raises(ModelLoadError, match=r"checkpoint\.ckpt"):
        load_scorer(tmp_path, "torch")


def test_fallback_is_logged_when_not_required(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING)
    assert load_or_fallback(tmp_path / "gone", "onnx", required=False) is None
    assert "lexicon layer only" in caplog.text
    with pytest.raises(ModelLoadError):
        load_or_fallback(tmp_path / "gone", "onnx", required=True)


def _env(path: Path | None, required: bool, backend: str = "onnx") -> PolicyEnv:
    return PolicyEnv(options=PolicyOptions(models=ModelSettings(
        enabled=True, backend=backend, path=path, required=required, batch_size=4,
        max_wait_ms=5)))


def test_policy_start_up(tmp_path: Path, model_dir: Path, exported) -> None:
    with pytest.raises(ModelLoadError, match="gone"):
        ToxicityModelPolicy(_env(tmp_path / "gone", required=True))
    fallback = ToxicityModelPolicy(_env(tmp_path / "gone", required=False))
    assert fallback.scorer is None
    assert ToxicityModelPolicy(_env(model_dir, required=True)).scorer is not None
    assert ToxicityModelPolicy(PolicyEnv()).scorer is None  # [models] disabled by default


def _event(text: str, reply_to: str | None = None) -> MessageEvent:
    return MessageEvent("console", "klas", "1", Sender("s", "S", Role.STUDENT), text=text,
                        reply_to_sender_id=reply_to)


def _ctx(settings: ToxicityModelSettings, prior: tuple[Finding, ...] = ()) -> PolicyContext:
    return PolicyContext("console:klas", GroupKind.CLASS, Role.STUDENT, settings,
                         prior_findings=prior)


async def test_policy_runs_only_on_unsettled_messages(model_dir: Path, exported) -> None:
    policy = ToxicityModelPolicy(_env(model_dir, required=True))
    flag_all = ToxicityModelSettings(threshold=0.0, medium_threshold=1.0)
    rule = Finding("harassment", "harassment", articles.A10, 0.9, Severity.CRITICAL, "threat")
    try:
        # A rule finding settles the message: the model does not run and adds nothing.
        text = "ik weet waar je woont"
        assert await policy.check(_event(text), TextView.of(text), _ctx(flag_all, (rule,))) == []
        # A plain announcement with nobody addressed is settled as clean.
        text = "de les begint morgen om negen uur"
        assert await policy.check(_event(text), TextView.of(text), _ctx(flag_all)) == []
        # A lesson or a report is settled by context.
        text = "jij moet hoofdstuk kanker en cellen lezen voor biologie"
        assert await policy.check(_event(text), TextView.of(text), _ctx(flag_all)) == []
        assert (policy.scored, policy.skipped) == (0, 3)
        # Aimed at someone, no word-list hit: the model decides, low at most medium.
        text = "jouw grappen zijn echt niet leuk, stop gewoon"
        found = await policy.check(_event(text, reply_to="u9"), TextView.of(text), _ctx(flag_all))
        assert policy.scored == 1
        assert [(f.flag, f.article, f.category, f.severity) for f in found] == [
            ("harassment", articles.A10, "model", Severity.LOW)
        ]
        assert found[0].targets == ("u9",)
        # Above the threshold nothing is reported.
        strict = ToxicityModelSettings(threshold=1.0, medium_threshold=1.0)
        assert await policy.check(_event(text), TextView.of(text), _ctx(strict)) == []
    finally:
        await policy.aclose()


async def test_batcher_collects_requests_off_the_loop(model_dir: Path, exported) -> None:
    scorer = OnnxScorer(model_dir)
    with ThreadPoolExecutor(1) as pool:
        batcher = MicroBatcher(scorer.score, batch_size=4, max_wait_ms=50, executor=pool)
        try:
            texts = TEXTS + TEXTS[:4]
            results = await asyncio.gather(*(batcher.score(t) for t in texts))
        finally:
            await batcher.aclose()
    assert batcher.batches_run == 3  # 10 requests in batches of at most 4
    direct = scorer.score(texts)
    for got, want in zip(results, direct, strict=True):
        assert max(abs(got[k] - want[k]) for k in want) < 1e-4


def test_cli_export_and_errors(tmp_path: Path) -> None:
    from bot.cli.model import app

    folder = tmp_path / "cli-model"
    runner = CliRunner()
    built = runner.invoke(app, ["build-random", str(folder)])
    assert built.exit_code == 0, built.output
    result = runner.invoke(app, ["export", str(folder), "--no-int8"])
    assert result.exit_code == 0, result.output
    report, _ = json.JSONDecoder().raw_decode(result.output[result.output.index("{"):])
    assert report["torch_fp32_agreement"] == 1.0 and report["int8"] is None
    scored = runner.invoke(app, ["score", str(folder), "hoi allemaal"])
    assert scored.exit_code == 0 and "toxicity" in scored.output
    missing = runner.invoke(app, ["export", str(tmp_path / "nothing")])
    assert missing.exit_code == 2
    assert "nothing" in missing.output


# -- any Hugging Face sequence-classification checkpoint, with a label mapping ------------------


@pytest.fixture(scope="module")
def hf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from policies.ml.tiny import build_hf

    return build_hf(tmp_path_factory.mktemp("tiny-hf"), ("NOT_ABUSIVE", "ABUSIVE"))


def test_a_plain_hugging_face_folder_loads_with_its_own_labels(hf_dir: Path) -> None:
    from policies.ml.hf_loader import HFScorer, is_hf_folder

    assert is_hf_folder(hf_dir)
    scorer = load_scorer(hf_dir, "onnx")  # no onnx.json: a plain HF folder runs on torch
    assert isinstance(scorer, HFScorer) and scorer.labels == ["NOT_ABUSIVE", "ABUSIVE"]
    scores = scorer.score(TEXTS)
    assert len(scores) == len(TEXTS)
    for row in scores:  # single-label: a softmax over the labels
        assert set(row) == {"NOT_ABUSIVE", "ABUSIVE"}
        assert sum(row.values()) == pytest.approx(1.0, abs=1e-5)
    assert scorer.score([TEXTS[0]])[0]["ABUSIVE"] == pytest.approx(scores[0]["ABUSIVE"], abs=1e-5)


def _hf_env(path: Path, labels: list[str], required: bool = True) -> PolicyEnv:
    return PolicyEnv(options=PolicyOptions(models=ModelSettings(
        enabled=True, path=path, required=required, harassment_labels=labels, batch_size=4,
        max_wait_ms=5)))


async def test_the_label_mapping_says_which_output_means_harassment(hf_dir: Path) -> None:
    policy = ToxicityModelPolicy(_hf_env(hf_dir, ["ABUSIVE"]))
    text = "jouw grappen zijn echt niet leuk, stop gewoon"
    try:
        settings = ToxicityModelSettings(threshold=0.0, medium_threshold=1.0)
        (found,) = await policy.check(_event(text, reply_to="u9"), TextView.of(text),
                                      _ctx(settings))
        assert found.category == "model" and "ABUSIVE" in found.evidence
        assert found.score == pytest.approx(found.data["scores"]["ABUSIVE"], abs=1e-3)
    finally:
        await policy.aclose()


def test_a_model_without_a_mapped_label_is_refused(hf_dir: Path, caplog) -> None:
    with pytest.raises(ModelLoadError, match="harassment_labels"):
        ToxicityModelPolicy(_hf_env(hf_dir, []))  # Detoxify's names: none of them is here
    caplog.set_level(logging.WARNING)
    assert ToxicityModelPolicy(_hf_env(hf_dir, ["toxic"], required=False)).scorer is None
    assert any("harassment_labels" in getattr(r, "reason", "") for r in caplog.records)
