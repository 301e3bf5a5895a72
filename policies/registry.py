"""Policies registered by name, in explicit order: cheap hard rules first, models last.

Adding a rule: write a module in ``policies/`` with a class decorated by ``@register`` and add the
module to ``BUILTIN_MODULES``. Nothing is instantiated at import time; ``build_policies`` does that with
the resources from the bootstrap.
"""

from __future__ import annotations

import importlib
from typing import Any

from policies.base import BasePolicy, PolicyEnv

_REGISTRY: dict[str, type[BasePolicy]] = {}

BUILTIN_MODULES: tuple[str, ...] = (
    # one line per policy module, in any order (``order`` on the class decides the run order)
    "policies.personal_data",
    "policies.topic",
    "policies.harassment",
    "policies.wellbeing",
    "policies.harassment_model",
    "policies.wellbeing_model",
    "policies.toxicity_model",
    "policies.screenshot",
    "policies.reshare",
    "policies.unreadable_image",
    "policies.forwarded",
    "policies.lesson_media",
)


def register(cls: type[BasePolicy]) -> type[BasePolicy]:
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"two policies are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def policy_types() -> dict[str, type[BasePolicy]]:
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    return dict(sorted(_REGISTRY.items(), key=lambda item: (item[1].order, item[0])))


def build_policies(env: PolicyEnv | None = None, only: set[str] | None = None) -> list[Any]:
    env = env or PolicyEnv()
    return [cls(env) for name, cls in policy_types().items() if only is None or name in only]
