"""The optional machine-learning layer (extra ``ml``): a transformer classifier on torch or ONNX Runtime
(a Detoxify checkpoint, or any local Hugging Face sequence-classification model).

Nothing here imports torch, transformers or onnxruntime at module import time; they load when a
model is loaded, so the bot runs without the extra installed (the lexicon layer alone).

- ``detoxify_loader``: load a Detoxify checkpoint from a local folder (no downloads).
- ``hf_loader``: load any local Hugging Face sequence-classification folder (no downloads).
- ``onnx_runner``: export a checkpoint to ONNX (int8 where it keeps agreement) and run it.
- ``batcher``: micro-batching off the event loop.
- ``scorer``: one interface for both back-ends, and the start-up loader with its fall-back.
- ``tiny``: build small (or Detoxify-sized) random-weight models locally for tests and benchmarks.
"""

from __future__ import annotations

from policies.ml.errors import ModelLoadError

__all__ = ["ModelLoadError"]
