"""``schoolwacht model``: the trained harassment model and the optional transformer layer.

``train`` fits the shipped harassment model (``policies/harassment_model.py``) on the corpus train
split; with ``--feedback`` it also learns from the school's moderator feedback and writes the
school's own model into the data folder, where the bot picks it up on its next start (the shipped
model stays). ``export``/``score``/``build-random`` are install-time tools for the optional
transformer layer (extra ``ml``).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from policies.ml.errors import ModelLoadError

app = typer.Typer(
    help="The trained harassment model (train) and the optional transformer layer (export, score).",
    no_args_is_help=True,
    add_completion=False,
)

PathArg = Annotated[Path, typer.Argument(help="Model folder (checkpoint.ckpt, config.json, "
                                         "tokenizer files) or the checkpoint file itself.")]


def _fail(exc: Exception) -> None:
    typer.echo(f"schoolwacht: model error: {exc}", err=True)
    raise typer.Exit(2)


FEEDBACK_WEIGHT = 3.0  # a school's own corrections weigh more than the generic examples


def _feedback_examples(config: Path | None, flag: str = "harassment") -> list:
    from bot.cli import config_from
    from bot.keys import open_database
    from policies.harassment_model import Example
    from storage.feedback_repo import FeedbackRepository

    cfg = config_from(config)
    db = open_database(cfg, generate=False)
    try:
        pairs = FeedbackRepository(db).training_examples(flag)
    finally:
        db.close()
    return [Example(text, flagged, FEEDBACK_WEIGHT) for text, flagged in pairs]


def _left_to_model(examples: list, config: Path | None) -> list[bool]:
    """Which examples the rules leave to the model (``left_to_model``), each read as a student's
    message in a class group, where the model's second opinion matters most."""
    import asyncio

    from bot.checker import Checker, event_from_input
    from bot.cli import config_from
    from core.events import Role
    from policies.base import PolicyContext
    from policies.harassment_model import (
        HarassmentModelPolicy,
        HarassmentModelSettings,
        left_to_model,
    )
    from policies.registry import policy_types
    from policies.text import TextView

    order = {name: cls.order for name, cls in policy_types().items()}
    settings = HarassmentModelSettings()

    async def judge() -> list[bool]:
        checker = Checker.from_config(config_from(config))
        try:
            left = []
            for number, example in enumerate(examples, 1):
                event, kind = event_from_input({"id": f"train-{number}", "text": example.text},
                                               number)
                verdict = await checker.evaluate(event, kind)
                prior = tuple(f for f in verdict.findings
                              if order.get(f.policy, 0) < HarassmentModelPolicy.order)
                ctx = PolicyContext(group_key="train", group_kind=kind, sender_role=Role.STUDENT,
                                    settings=settings, prior_findings=prior)
                left.append(left_to_model(TextView.of(example.text), ctx, event,
                                          settings.min_words))
            return left
        finally:
            await checker.aclose()

    return asyncio.run(judge())


@app.command("train")
def train_cmd(
    data: Annotated[list[Path] | None, typer.Option(
        "--data", "-d", help="Labelled JSON Lines (the corpus format, labels.harassment); "
        "repeatable. Default: corpus/train.jsonl (the train split only) and "
        "policies/model_data/extra_examples.jsonl.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Model file to write. Default: the shipped model of --flag, or "
        "var/<flag>_model.json with --feedback.")] = None,
    feedback: Annotated[bool, typer.Option(
        "--feedback", help="Also learn from moderator feedback in the database.")] = False,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]
    = None,
    c: Annotated[float | None, typer.Option(
        help="Inverse regularisation strength (default: the cross-validated one).")] = None,
    flag: Annotated[str, typer.Option(
        help="Which model: harassment (A.10) or wellbeing (A.11, care signals).")] = "harassment",
) -> None:
    """Train the harassment (or wellbeing) model and write it as a reviewable JSON file (weights
    per feature)."""
    from policies import wellbeing_model
    from policies.harassment_model import (
        CORPUS_DIR,
        EXTRA_EXAMPLES,
        LOCAL_MODEL_NAME,
        MODEL_PATH,
        TRAINED_C,
        read_corpus,
        train,
    )

    if flag not in ("harassment", "wellbeing"):
        _fail(ValueError(f"unknown model {flag!r} (harassment or wellbeing)"))
    shipped, local = ((MODEL_PATH, LOCAL_MODEL_NAME) if flag == "harassment" else
                      (wellbeing_model.MODEL_PATH, wellbeing_model.LOCAL_MODEL_NAME))
    paths = data or [CORPUS_DIR / "train.jsonl", EXTRA_EXAMPLES]
    if any("sealed" in p.parts for p in paths):
        _fail(ValueError("the sealed split is never trained on"))
    examples = []
    for path in paths:
        try:
            examples += read_corpus(path, flag)
        except (OSError, ValueError) as exc:
            _fail(exc)
    extra = _feedback_examples(config, flag) if feedback else []
    everything = [*examples, *extra]
    # (the harassment model's thresholds are chosen where it acts, beside the rules; the
    # wellbeing model's over all examples, at the precision of a low finding)
    left = _left_to_model(everything, config) if flag == "harassment" else None
    try:
        model = train(everything, c=TRAINED_C if c is None else c, left=left)
    except ValueError as exc:
        _fail(exc)
    model.meta.update(flag=flag, sources=[p.name for p in paths], feedback_examples=len(extra))
    target = out or (Path("var") / local if feedback else shipped)
    model.save(target)
    typer.echo(f"{flag} model: {len(examples) + len(extra)} examples ({len(extra)} from "
               f"feedback), {model.meta['features']} features, thresholds "
               f"{model.meta['thresholds']} -> {target}")


@app.command("export")
def export_cmd(
    path: PathArg,
    int8: Annotated[bool, typer.Option("--int8/--no-int8", help="Also write an int8 model "
                                       "(kept only where it agrees with fp32).")] = True,
    tolerance: Annotated[float, typer.Option(help="Largest score gap int8 may have.")] = 0.05,
    max_length: Annotated[int, typer.Option(help="Tokens per message the runner keeps.")] = 128,
) -> None:
    """Convert a Detoxify checkpoint to ONNX (model.onnx, model.int8.onnx) for onnxruntime."""
    try:
        from policies.ml.onnx_runner import export
    except ImportError as exc:
        _fail(ModelLoadError(f"the ML extra is not installed ({exc.name})"))
    try:
        report = export(path, int8=int8, tolerance=tolerance, max_length=max_length)
    except ModelLoadError as exc:
        _fail(exc)
    typer.echo(json.dumps(asdict(report), indent=2))


@app.command("score")
def score_cmd(
    path: PathArg,
    texts: Annotated[list[str], typer.Argument(help="Texts to score.")],
    backend: Annotated[str, typer.Option(help="torch or onnx")] = "onnx",
) -> None:
    """Score texts with an installed model (to check an installation)."""
    from policies.ml.scorer import load_scorer

    try:
        scorer = load_scorer(path, backend)
    except ModelLoadError as exc:
        _fail(exc)
    for text, scores in zip(texts, scorer.score(list(texts)), strict=True):
        typer.echo(json.dumps({"text": text, "scores": {k: round(v, 4) for k, v in scores.items()}},
                              ensure_ascii=False))


@app.command("build-random")
def build_random_cmd(
    folder: Annotated[Path, typer.Argument(help="Where to write the model folder.")],
    size: Annotated[str, typer.Option(help="tiny, small or base (Detoxify-sized XLM-R).")] = "tiny",
) -> None:
    """Write an XLM-R model with RANDOM weights as a Detoxify checkpoint (for trials and
    benchmarks only; it detects nothing)."""
    from policies.ml.tiny import SIZES, build

    if size not in SIZES:
        _fail(ValueError(f"size must be one of {', '.join(SIZES)}"))
    typer.echo(str(build(folder, size)))
