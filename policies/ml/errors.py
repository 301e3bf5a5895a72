"""Errors of the ML layer, phrased for the person who installs the model."""

from __future__ import annotations


class ModelLoadError(RuntimeError):
    """The model could not be loaded; the message names the path and what is wrong."""
