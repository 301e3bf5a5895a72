"""The ``[images]`` config section: intake limits and the image worker pool.

It lives beside the media policies that read it; ``bot.config`` includes it in the application
config (like ``[models]``: ``policies/ml/settings.py``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ImageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_bytes: int = Field(10_000_000, gt=0)
    max_pixels: int = Field(40_000_000, gt=0)
    workers: int = Field(1, ge=1)
    queue_size: int = Field(64, ge=1)
    timeout_seconds: float = Field(10, gt=0)
