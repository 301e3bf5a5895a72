"""``schoolwacht topic``: train and measure the topic model (A.7 / B.2).

``train`` fits the model on the project's examples (``policies/topic_data/train.jsonl``) and the
corpus train split (``corpus/train.jsonl``, when the clone has it; staff groups are left out: they
are never off topic, so they teach nothing about topics; harassing messages too: the topic rule
takes those from the harassment finding). The sealed split is never trained on. With
``--feedback`` it also learns from the school's moderator feedback (messages marked "wrongly
flagged" or "missed" for off_topic) and writes the school's own model into the data folder, where
the bot picks it up on its next start; the shipped model stays untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from policies.text import TextView
from policies.topic_model import (
    MODEL_PATH,
    OWN_WEIGHT,
    TRAIN_PATH,
    Example,
    TopicModel,
    features,
    load_lexicon,
    read_examples,
    train,
)

app = typer.Typer(no_args_is_help=True, help="Train and measure the topic model (A.7 / B.2).")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]
FEEDBACK_WEIGHT = 4.0  # a school's own corrections outweigh the project's own examples (OWN_WEIGHT 3)


def _feedback_examples(config: Path | None) -> list[Example]:
    from bot.cli import config_from
    from bot.keys import open_database
    from storage.feedback_repo import FeedbackRepository

    cfg = config_from(config)
    db = open_database(cfg)
    try:
        pairs = FeedbackRepository(db).training_examples("off_topic")
    finally:
        db.close()
    return [Example(text, off, FEEDBACK_WEIGHT) for text, off in pairs]


@app.command("train")
def train_command(
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", "-d", help="Training JSON Lines ({text, off_topic} or corpus "
                     "lines); repeatable. Default: policies/topic_data/train.jsonl and "
                     "corpus/train.jsonl."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Model file to write. Default: the shipped model, or "
            "var/topic_model.json with --feedback.",
        ),
    ] = None,
    feedback: Annotated[
        bool, typer.Option("--feedback", help="Also learn from moderator feedback in the database.")
    ] = False,
    config: ConfigOption = None,
    epochs: Annotated[int, typer.Option(min=1, max=500)] = 20,
) -> None:
    """Train the topic model and write it as a small JSON file."""
    paths = data or default_training_files()
    if any("sealed" in p.parts for p in paths):
        typer.echo("schoolwacht: the sealed split is never trained on", err=True)
        raise typer.Exit(2)
    examples: list[Example] = []
    for path in paths:
        try:
            examples += read_examples(path, OWN_WEIGHT if path.resolve() == TRAIN_PATH.resolve() else 1.0)
        except (OSError, ValueError) as exc:
            typer.echo(f"schoolwacht: {exc}", err=True)
            raise typer.Exit(2) from None
    extra = _feedback_examples(config) if feedback else []
    examples += extra
    if not any(e.off_topic for e in examples) or all(e.off_topic for e in examples):
        typer.echo("schoolwacht: training needs both on-topic and off-topic examples", err=True)
        raise typer.Exit(2)
    model = train(examples, epochs=epochs)
    model.meta["feedback_examples"] = len(extra)
    target = out or (_local_model_path() if feedback else MODEL_PATH)
    model.save(target)
    typer.echo(
        f"topic model: {len(examples)} examples ({len(extra)} from feedback), "
        f"{model.meta['features']} features -> {target}"
    )


def default_training_files() -> list[Path]:
    """The project's topic examples, plus the corpus train split when this clone has one."""
    from policies.harassment_model import CORPUS_DIR

    corpus = CORPUS_DIR / "train.jsonl"
    return [TRAIN_PATH, corpus] if corpus.is_file() else [TRAIN_PATH]


def _local_model_path() -> Path:
    from policies.topic import LOCAL_MODEL_NAME

    return Path("var") / LOCAL_MODEL_NAME  # the data folder the bot and ``check`` read


@app.command("eval")
def eval_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Labelled JSON Lines: {text, off_topic} or {text, labels: {off_topic}}"
        ),
    ],
    model_path: Annotated[Path, typer.Option("--model", help="Model file.")] = MODEL_PATH,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.5,
) -> None:
    """Precision, recall and F1 of the model alone on a labelled file (staff groups skipped)."""
    model = TopicModel.load(model_path)
    lexicon = load_lexicon()
    tp = fp = fn = tn = 0
    for line in file.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("group_kind") == "staff":
            continue
        gold = bool(row.get("off_topic", (row.get("labels") or {}).get("off_topic")))
        pred = model.probability(features(TextView.of(row.get("text", "")), lexicon)) >= threshold
        tp += pred and gold
        fp += pred and not gold
        fn += gold and not pred
        tn += not pred and not gold
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fp_rate = fp / (fp + tn) if fp + tn else 0.0
    typer.echo(
        f"off_topic  P={precision:.3f} R={recall:.3f} F1={f1:.3f} "
        f"false-positive rate={fp_rate:.3f}  (n={tp + fp + fn + tn})"
    )
