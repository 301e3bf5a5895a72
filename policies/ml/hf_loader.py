"""Any local Hugging Face sequence-classification checkpoint, not only Detoxify.

A school may download a Dutch abuse classifier on another machine and copy its folder to the
server: ``config.json`` (with ``id2label``), the weights (``model.safetensors`` or
``pytorch_model.bin``) and the tokenizer files. It is loaded with ``local_files_only`` (never the
network). Which of its output labels mean harassment is configuration (``[models]
harassment_labels``), since every model names its classes differently ("toxic", "ABUSIVE",
"LABEL_1", "offensive").

Scores are probabilities per label: softmax over the labels for a single-label classifier, a
sigmoid per label for a multi-label one (``problem_type = "multi_label_classification"``, as
Detoxify's models are).
"""

from __future__ import annotations

import logging
from pathlib import Path

from policies.ml.errors import ModelLoadError

log = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def is_hf_folder(path: Path) -> bool:
    """A plain Hugging Face model folder (config and weights, no Detoxify ``*.ckpt``)."""
    path = Path(path)
    return (
        path.is_dir()
        and (path / "config.json").is_file()
        and any((path / name).is_file() for name in WEIGHT_FILES)
        and not any(path.glob("*.ckpt"))
    )


class HFScorer:
    """Scores with ``AutoModelForSequenceClassification`` on torch."""

    backend = "torch"

    def __init__(self, path: Path, threads: int | None = None, max_length: int = 128) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        if not is_hf_folder(path):
            raise ModelLoadError(
                f"{path}: not a Hugging Face model folder (config.json and "
                f"{' or '.join(WEIGHT_FILES)} are needed)"
            )
        if threads:
            torch.set_num_threads(threads)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                path, local_files_only=True)
        except Exception as exc:  # transformers raises many types for a broken folder
            raise ModelLoadError(f"{path}: cannot load the model ({exc})") from exc
        self.model.eval()
        config = self.model.config
        self.labels = [str(config.id2label.get(i, f"LABEL_{i}")) for i in range(config.num_labels)]
        self.multi_label = config.problem_type == "multi_label_classification"
        self.max_length = max_length
        log.info("hugging face model loaded", extra={"labels": self.labels})

    def score(self, texts: list[str]) -> list[dict[str, float]]:
        import torch

        if not texts:
            return []
        batch = self.tokenizer(list(texts), padding=True, truncation=True,
                               max_length=self.max_length, return_tensors="pt")
        with torch.no_grad():
            logits = self.model(**batch).logits
        probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in probs.tolist()]
