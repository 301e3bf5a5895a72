"""``schoolwacht model``: install-time tools for the optional ML layer (extra ``ml``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from policies.ml.errors import ModelLoadError

app = typer.Typer(
    help="The optional machine-learning layer: export a Detoxify checkpoint to ONNX, try it.",
    no_args_is_help=True,
    add_completion=False,
)

PathArg = Annotated[Path, typer.Argument(help="Model folder (checkpoint.ckpt, config.json, "
                                         "tokenizer files) or the checkpoint file itself.")]


def _fail(exc: Exception) -> None:
    typer.echo(f"schoolwacht: model error: {exc}", err=True)
    raise typer.Exit(2)


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
