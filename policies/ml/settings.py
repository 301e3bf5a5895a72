"""The ``[models]`` config section: the optional machine-learning layer (extra ``ml``).

It lives beside the policy that reads it; ``bot.config`` includes it in the application config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ModelSettings(BaseModel):
    """The optional machine-learning layer (extra ``ml``)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    backend: Literal["torch", "onnx"] = "onnx"
    path: Path | None = None
    required: bool = False
    batch_size: int = Field(16, ge=1)
    max_wait_ms: float = Field(10, ge=0)
    # The model's output labels that mean harassment (as in its config.json id2label). Empty: the
    # Detoxify names (toxicity, severe_toxicity, insult, threat, identity_attack, sexual_explicit).
    harassment_labels: list[str] = []
