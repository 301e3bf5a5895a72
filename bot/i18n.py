"""The one catalogue of user-facing texts, Dutch first, English on request.

Texts live in ``bot/locale/*.toml`` (one file per feature, keys namespaced by table). Each key has an
``nl`` and an ``en`` text with ``{placeholders}`` for ``str.format``. Tests check that both languages
exist for every key and use the same placeholders.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, dict[str, str]], src: str) -> None:
    if set(table) and set(table) <= set(LANGUAGES) and all(isinstance(v, str) for v in table.values()):
        if prefix in out:
            raise ValueError(f"text key {prefix!r} is defined twice (again in {src})")
        out[prefix] = dict(table)
        return
    for key, value in table.items():
        if not isinstance(value, Mapping):
            raise ValueError(f"{src}: {prefix}.{key} must be a table with nl/en texts")
        _flatten(f"{prefix}.{key}" if prefix else key, value, out, src)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALE_DIR.glob("*.toml")):
        _flatten("", tomllib.loads(path.read_text("utf-8")), out, path.name)
    return out


def t(key: str, lang: str | None = None, /, **values: Any) -> str:
    """The text for ``key`` in ``lang`` (Dutch by default), with placeholders filled in."""
    entry = catalogue()[key]
    text = entry.get(lang or DEFAULT_LANGUAGE) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text
