"""Load a Detoxify checkpoint from a local model folder, without touching the network.

A model folder holds:

- ``checkpoint.ckpt`` (or any ``*.ckpt``): a Detoxify checkpoint (``config`` and ``state_dict``)
- ``config.json``: the Hugging Face config of the architecture (``num_labels`` = number of classes)
- the tokenizer files (``tokenizer.json``, or ``sentencepiece.bpe.model``, + tokenizer_config.json)

Detoxify's own loader still calls ``from_pretrained(model_type)`` with the hub name stored in the
checkpoint (``xlm-roberta-base`` for the multilingual model) even when ``huggingface_config_path``
is given, which fails offline. We therefore rewrite ``config.arch.args.model_type`` to the local
folder and then call Detoxify's own ``get_model_and_tokenizer``, so the model is built exactly as
Detoxify builds it. The multilingual (XLM-R) architecture is the one that carries Dutch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies.ml.errors import ModelLoadError

log = logging.getLogger(__name__)

# Detoxify renames a few class names; keep the same standard names.
_RENAME = {
    "toxic": "toxicity", "identity_hate": "identity_attack", "severe_toxic": "severe_toxicity"
}


@dataclass(frozen=True)
class ModelFiles:
    folder: Path
    checkpoint: Path


def locate(path: Path) -> ModelFiles:
    """Find the checkpoint and the folder with config and tokenizer; clear errors otherwise."""
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"{path}: model path does not exist")
    if path.is_file():
        folder, checkpoint = path.parent, path
    else:
        folder = path
        ckpts = sorted(path.glob("*.ckpt"))
        if not ckpts:
            raise ModelLoadError(f"{path}: no Detoxify checkpoint (*.ckpt) in this folder")
        checkpoint = ckpts[0]
    if not (folder / "config.json").is_file():
        raise ModelLoadError(f"{folder}: config.json (Hugging Face config) is missing")
    if not any((folder / name).is_file() for name in ("tokenizer.json", "sentencepiece.bpe.model")):
        raise ModelLoadError(f"{folder}: tokenizer files (tokenizer.json) are missing")
    return ModelFiles(folder, checkpoint)


def read_checkpoint(files: ModelFiles) -> dict[str, Any]:
    import torch

    try:
        loaded = torch.load(files.checkpoint, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for a corrupt file
        raise ModelLoadError(f"{files.checkpoint}: not a readable checkpoint ({exc})") from exc
    if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
        raise ModelLoadError(f"{files.checkpoint}: not a Detoxify checkpoint (config/state_dict)")
    try:
        loaded["config"]["arch"]["args"]["model_type"]
        loaded["config"]["dataset"]["args"]["classes"]
    except (KeyError, TypeError) as exc:
        raise ModelLoadError(f"{files.checkpoint}: checkpoint config lacks {exc}") from exc
    return loaded


def class_names(loaded: dict[str, Any]) -> list[str]:
    return [_RENAME.get(c, c) for c in loaded["config"]["dataset"]["args"]["classes"]]


def load_detoxify(path: Path, device: str = "cpu") -> Any:
    """A ready ``detoxify.Detoxify`` built from local files only."""
    from detoxify import detoxify as dx

    files = locate(path)
    loaded = read_checkpoint(files)
    args = dict(loaded["config"]["arch"]["args"])
    hub_name = args.get("model_type")
    args["model_type"] = str(files.folder)  # the rewrite: never ask the hub for "xlm-roberta-base"
    try:
        model, tokenizer = dx.get_model_and_tokenizer(
            **args, state_dict=loaded["state_dict"], huggingface_config_path=str(files.folder)
        )
    except Exception as exc:
        raise ModelLoadError(f"{files.folder}: cannot build the model ({exc})") from exc
    detox = object.__new__(dx.Detoxify)  # what Detoxify.__init__ would set, without a download
    detox.model, detox.tokenizer, detox.class_names = model, tokenizer, class_names(loaded)
    detox.device = device
    detox.model.to(device)
    detox.model.eval()
    log.info("detoxify model loaded",
             extra={"hub_name": hub_name, "classes": len(detox.class_names)})
    return detox


class TorchScorer:
    """Scores with the Detoxify model on torch (one thread pool per process)."""

    backend = "torch"

    def __init__(self, path: Path, threads: int | None = None) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.detox = load_detoxify(path)
        self.labels = list(self.detox.class_names)

    def score(self, texts: list[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        result = self.detox.predict(list(texts))
        columns = {k: v if isinstance(v, list) else [v] for k, v in result.items()}
        return [{k: float(columns[k][i]) for k in self.labels} for i in range(len(texts))]
