"""Export a Detoxify checkpoint to ONNX and run it with onnxruntime + tokenizers (no torch).

``export`` writes into the model folder:

- ``model.onnx``: fp32 graph (inputs ``input_ids``, ``attention_mask``; output ``logits``)
- ``model.int8.onnx``: dynamic int8 quantisation, kept only when it agrees with fp32 on the probe
  texts (every label's decision at 0.5 the same and the largest score difference within
  ``tolerance``); otherwise it is deleted and the runner uses fp32
- ``onnx.json``: class names, max length and the measured agreement, read by ``OnnxScorer``
- ``tokenizer.json`` (if the folder had only a sentencepiece tokenizer, the fast one is saved)
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from policies.ml.detoxify_loader import load_detoxify, locate
from policies.ml.errors import ModelLoadError

log = logging.getLogger(__name__)

PROBE_TEXTS = (
    "hoi allemaal, morgen is de toets van hoofdstuk 3",
    "jij bent echt een sukkel",
    "ik weet waar je woont",
    "vergeet je gymspullen niet",
    "you are such an idiot",
    "thanks for the notes!",
    "niemand wil jou in de groep",
    "de excursie begint om half negen bij de ingang",
)


@dataclass
class ExportReport:
    fp32: str
    int8: str | None
    labels: list[str]
    max_length: int
    # Torch vs ONNX fp32 and ONNX fp32 vs int8: largest score difference, decisions agreeing.
    torch_fp32_max_diff: float
    torch_fp32_agreement: float
    int8_max_diff: float | None
    int8_agreement: float | None
    int8_kept: bool


def _sigmoid(x: Any) -> Any:
    import numpy as np

    return 1.0 / (1.0 + np.exp(-x))


def _agreement(a: Any, b: Any) -> tuple[float, float]:
    import numpy as np

    diff = float(np.abs(a - b).max()) if a.size else 0.0
    same = float(((a >= 0.5) == (b >= 0.5)).mean()) if a.size else 1.0
    return diff, same


def export(
    path: Path,
    *,
    int8: bool = True,
    tolerance: float = 0.05,
    max_length: int = 128,
    probe: tuple[str, ...] = PROBE_TEXTS,
    opset: int = 17,
) -> ExportReport:
    """Convert the checkpoint in ``path`` to ONNX (and int8 where it keeps agreement)."""
    import numpy as np
    import torch

    files = locate(path)
    detox = load_detoxify(files.folder)
    model, tokenizer = detox.model, detox.tokenizer
    model.eval()
    if hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation("eager")  # traceable attention; same numbers as sdpa

    class _Logits(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    wrapper = _Logits(model).eval()
    sample = tokenizer(list(probe[:2]), return_tensors="pt", padding=True, truncation=True,
                       max_length=max_length)
    fp32_path = files.folder / "model.onnx"
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (sample["input_ids"], sample["attention_mask"]),
            str(fp32_path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "logits": {0: "batch"},
            },
            opset_version=opset,
            dynamo=False,
        )
    model.eval()
    tokenizer_json = files.folder / "tokenizer.json"
    if not tokenizer_json.is_file() and hasattr(tokenizer, "backend_tokenizer"):
        tokenizer.backend_tokenizer.save(str(tokenizer_json))

    meta = {"labels": list(detox.class_names), "max_length": max_length}
    (files.folder / "onnx.json").write_text(json.dumps(meta, indent=2), "utf-8")

    with torch.no_grad():
        enc = tokenizer(list(probe), return_tensors="pt", padding=True, truncation=True,
                        max_length=max_length)
        reference = torch.sigmoid(model(**enc).logits).numpy()
    fp32 = OnnxScorer(files.folder, prefer_int8=False)
    fp32_scores = np.array([[s[k] for k in fp32.labels] for s in fp32.score(list(probe))])
    t_diff, t_same = _agreement(reference, fp32_scores)

    int8_path = files.folder / "model.int8.onnx"
    i_diff = i_same = None
    kept = False
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8)
        quant = OnnxScorer(files.folder, prefer_int8=True)
        q_scores = np.array([[s[k] for k in quant.labels] for s in quant.score(list(probe))])
        i_diff, i_same = _agreement(fp32_scores, q_scores)
        kept = i_same == 1.0 and i_diff <= tolerance
        if not kept:
            int8_path.unlink(missing_ok=True)
            log.warning("int8 model dropped: it disagrees with fp32",
                        extra={"max_diff": i_diff, "agreement": i_same})
    report = ExportReport(
        fp32=str(fp32_path), int8=str(int8_path) if kept else None, labels=meta["labels"],
        max_length=max_length, torch_fp32_max_diff=t_diff, torch_fp32_agreement=t_same,
        int8_max_diff=i_diff, int8_agreement=i_same, int8_kept=kept,
    )
    meta["export"] = asdict(report)
    (files.folder / "onnx.json").write_text(json.dumps(meta, indent=2), "utf-8")
    return report


class OnnxScorer:
    """Scores with onnxruntime and the ``tokenizers`` library only (no torch needed)."""

    backend = "onnx"

    def __init__(self, folder: Path, *, prefer_int8: bool = True, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        if folder.is_file():
            folder = folder.parent
        meta_path = folder / "onnx.json"
        model_path = folder / "model.int8.onnx"
        if not prefer_int8 or not model_path.is_file():
            model_path = folder / "model.onnx"
        for needed in (meta_path, model_path, folder / "tokenizer.json"):
            if not needed.is_file():
                raise ModelLoadError(
                    f"{needed}: missing; run `schoolwacht model export {folder}` first"
                )
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            self.labels: list[str] = list(meta["labels"])
            max_length = int(meta.get("max_length", 128))
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            options = ort.SessionOptions()
            if threads:
                options.intra_op_num_threads = threads
            self.session = ort.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        except ModelLoadError:
            raise
        except Exception as exc:
            raise ModelLoadError(f"{model_path}: cannot load the ONNX model ({exc})") from exc
        self.model_path = model_path
        self.quantized = model_path.name == "model.int8.onnx"
        pad_id = self.tokenizer.token_to_id("<pad>")
        self.tokenizer.enable_truncation(max_length=max_length)
        self.tokenizer.enable_padding(pad_id=1 if pad_id is None else pad_id, pad_token="<pad>")

    def score(self, texts: list[str]) -> list[dict[str, float]]:
        import numpy as np

        if not texts:
            return []
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        logits = self.session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
        probs = _sigmoid(logits)
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in probs]
