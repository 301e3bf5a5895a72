"""Load the configured model at start-up: a clear error naming the path, or a logged fall-back."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from policies.ml.errors import ModelLoadError

log = logging.getLogger(__name__)


class Scorer(Protocol):
    backend: str
    labels: list[str]

    def score(self, texts: list[str]) -> list[dict[str, float]]: ...


def load_scorer(path: Path | None, backend: str = "onnx", threads: int | None = None) -> Scorer:
    """The scorer for ``path``; raises ``ModelLoadError``.

    A plain Hugging Face sequence-classification folder (config.json + weights, no ``*.ckpt``) runs
    on torch (``policies/ml/hf_loader.py``); a Detoxify checkpoint on ``backend`` (``torch`` or
    ``onnx``, after ``schoolwacht model export``).
    """
    if path is None:
        raise ModelLoadError("[models] path is not set: point it at a model folder")
    try:
        from policies.ml.hf_loader import is_hf_folder

        if is_hf_folder(Path(path)) and not (Path(path) / "onnx.json").is_file():
            from policies.ml.hf_loader import HFScorer

            return HFScorer(Path(path), threads=threads)
        if backend == "torch":
            from policies.ml.detoxify_loader import TorchScorer

            return TorchScorer(Path(path), threads=threads)
        from policies.ml.onnx_runner import OnnxScorer

        return OnnxScorer(Path(path), threads=threads)
    except ModelLoadError:
        raise
    except ImportError as exc:
        raise ModelLoadError(
            f"{path}: the ML extra is not installed ({exc.name}); pip install 'schoolwacht[ml]'"
        ) from exc


def load_or_fallback(
    path: Path | None, backend: str, required: bool, threads: int | None = None
) -> Scorer | None:
    """``required``: stop start-up with the error; otherwise log it and return None (rules only)."""
    try:
        return load_scorer(path, backend, threads)
    except ModelLoadError as exc:
        if required:
            raise
        log.warning("model unavailable, using the lexicon layer only",
                    extra={"reason": str(exc), "backend": backend})
        return None
