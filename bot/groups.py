"""A group's effective policy: kind defaults, the config file, and run-time overrides, merged.

Order, lowest first: each policy's own defaults, the policy's per-kind defaults, the config's
``[policies.<kind>]`` table, the group's ``[[groups]]`` entry, then overrides set at run time with
``/beleid`` (stored on the group row). Every layer is validated against the policy's own schema, so a
typo in a setting stops start-up (config) or is refused (``/beleid``) with a clear message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot.config import AppConfig, ConfigError, Contact, GroupSettings
from core.events import GroupKind
from policies.base import BasePolicy, PolicySettings

if TYPE_CHECKING:  # the check command resolves settings without loading the database layer
    from storage.models import Group


@dataclass(frozen=True, slots=True)
class EffectiveGroup:
    key: str
    kind: GroupKind
    approval: str
    mode: str  # observe | enforce (observe also while the bot lacks rights)
    language: str
    title: str | None
    settings: Mapping[str, PolicySettings]
    moderators: tuple[Contact, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    escalation: Mapping[str, Any] = field(default_factory=dict)
    rights_missing: bool = False

    @property
    def approved(self) -> bool:
        return self.approval == "approved"

    @property
    def observe(self) -> bool:
        return self.mode == "observe"

    def enabled(self, policy_name: str) -> bool:
        settings = self.settings.get(policy_name)
        return settings is not None and settings.enabled


class SettingsError(ValueError):
    """A policy setting that does not fit the policy's schema."""


def _merge(base: dict[str, Any], layer: Mapping[str, Any] | None) -> dict[str, Any]:
    """A later layer replaces a setting, except allow-lists (``allow``, ``allowed_*``): those
    add up, so a word a moderator allowed in the chat does not drop the config file's words."""
    if layer:
        for key, value in layer.items():
            previous = base.get(key)
            if key.startswith("allow") and isinstance(previous, list) and isinstance(value, list):
                base[key] = list(dict.fromkeys([*previous, *value]))
            else:
                base[key] = value
    return base


class PolicyResolver:
    """Builds effective settings per group; validates every layer against the policy schemas."""

    def __init__(self, config: AppConfig, policy_types: Mapping[str, type[BasePolicy]]) -> None:
        self.config = config
        self.types = dict(policy_types)

    def validate_config(self) -> None:
        """Check every policy table in the config file now, so mistakes stop start-up."""
        for kind in GroupKind:
            table = self.config.policies.for_kind(kind).policies
            self._check_names(table, f"policies.{kind.value}.policies")
            for name, values in table.items():
                self._validate(name, kind, [values], f"policies.{kind.value}.policies.{name}")
        for index, group in enumerate(self.config.groups):
            self._check_names(group.policies, f"groups[{index}].policies")
            for name, values in group.policies.items():
                self._validate(name, group.kind, [values], f"groups[{index}].policies.{name}")

    def _check_names(self, table: Mapping[str, Any], where: str) -> None:
        for name in table:
            if name not in self.types:
                known = ", ".join(sorted(self.types)) or "none"
                raise ConfigError(f"{where}.{name}: unknown policy (known: {known})")

    def _validate(self, name: str, kind: GroupKind, layers: list[Mapping[str, Any] | None],
                  where: str) -> PolicySettings:
        cls = self.types[name]
        merged: dict[str, Any] = {}
        _merge(merged, cls.kind_defaults.get(kind))
        _merge(merged, self.config.policies.for_kind(kind).policies.get(name))
        for layer in layers:
            _merge(merged, layer)
        try:
            return cls.settings_model.model_validate(merged)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            raise ConfigError(f"{where}.{loc}: {msg}") from None

    def settings_for(self, kind: GroupKind, group: GroupSettings | None,
                     overrides: Mapping[str, Mapping[str, Any]] | None) -> dict[str, PolicySettings]:
        out: dict[str, PolicySettings] = {}
        for name in self.types:
            layers = [group.policies.get(name) if group else None,
                      (overrides or {}).get(name)]
            out[name] = self._validate(name, kind, layers, f"group policy {name}")
        return out

    def check_override(self, kind: GroupKind, name: str, values: Mapping[str, Any],
                       group: GroupSettings | None,
                       existing: Mapping[str, Mapping[str, Any]] | None) -> PolicySettings:
        """Validate a run-time change (``/beleid``) before it is stored. Raises SettingsError."""
        if name not in self.types:
            raise SettingsError(f"onbekende regel {name!r}")
        layer = dict((existing or {}).get(name, {}))
        layer.update(values)
        try:
            return self._validate(name, kind, [group.policies.get(name) if group else None, layer],
                                  name)
        except ConfigError as exc:
            raise SettingsError(str(exc)) from None

    def resolve(self, row: Group | None, group: GroupSettings | None,
                kind: GroupKind | None = None) -> EffectiveGroup:
        """The effective view of a group from its stored row and its config entry (either may be
        missing: a group seen for the first time has neither)."""
        kind = GroupKind(row.kind) if row else (group.kind if group else (kind or GroupKind.CLASS))
        if group and group.kind != kind:
            kind = group.kind  # the config file is the school's word on what a group is
        key = row.key if row else (group.id if group else "")
        approval = row.approval if row else ("approved" if group and group.approved else "pending")
        kind_defaults = self.config.policies.for_kind(kind)
        mode = (row.mode if row and row.mode else None) or (group.mode if group else None) \
            or kind_defaults.mode
        rights_missing = bool(row and (row.can_delete is False or row.can_read_all is False))
        if rights_missing:
            mode = "observe"
        language = (row.language if row and row.language else None) or \
            (group.language if group else None) or self.config.school.language
        facts: dict[str, Any] = {}
        if group:
            facts["timetable"] = [slot.model_dump() for slot in group.timetable]
            facts["digest"] = group.digest.model_dump()
        escalation = dict(kind_defaults.escalation)
        if group:
            escalation.update(group.escalation)
        return EffectiveGroup(
            key=key,
            kind=kind,
            approval=approval,
            mode=mode,
            language=language,
            title=(row.title if row and row.title else None) or (group.title if group else None),
            settings=self.settings_for(kind, group, row.overrides if row else None),
            moderators=tuple(group.moderators) if group else (),
            facts=facts,
            escalation=escalation,
            rights_missing=rights_missing,
        )
