"""Configuration: one TOML file validated by pydantic, secrets only from environment variables.

Every section has defaults, so an empty file (or no file) is a working console set-up. Unknown keys
are rejected, and a bad file stops start-up with one line naming the key and what is wrong.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.events import GroupKind
from policies.ml.settings import ModelSettings

CHANNEL_RE = re.compile(r"^(telegram|matrix|mail|console):.+$")
ACCOUNT_RE = re.compile(r"^(telegram:\d+|matrix:@[^:\s]+:\S+|console:\S+)$")


class ConfigError(Exception):
    """A configuration problem, phrased as one line for the person who runs the bot."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def secret(env_name: str | None) -> str | None:
    """Read a secret from the environment. Config files only ever name the variable."""
    if not env_name:
        return None
    value = os.environ.get(env_name)
    return value or None


class Contact(Section):
    """A person or role that receives alerts. ``channels`` are ``telegram:<chat id>``,
    ``matrix:<room id>``, ``mail:<address>`` or ``console:<name>``.

    ``accounts`` are the chat accounts with which this person acts (``telegram:<user id>``,
    ``matrix:@user:server``, ``console:<name>``): they hold the contact's school role (see
    ``core.permissions``). A Telegram private chat (a positive id) or a console name among the
    channels counts as an account too."""

    name: str
    channels: list[str] = []
    accounts: list[str] = []

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, value: list[str]) -> list[str]:
        for item in value:
            if not ACCOUNT_RE.match(item):
                raise ValueError(
                    f"account {item!r} must look like telegram:<user id>, matrix:@user:server or"
                    " console:<name>")
        return value

    def identities(self) -> set[str]:
        """Every account of this contact: ``accounts`` and the personal channels."""
        found = set(self.accounts)
        for channel in self.channels:
            scheme, _, target = channel.partition(":")
            if (scheme == "telegram" and target.isdigit()) or scheme == "console" or (
                    scheme == "matrix" and target.startswith("@")):
                found.add(channel)
        return found

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        for item in value:
            if not CHANNEL_RE.match(item):
                raise ValueError(
                    f"channel {item!r} must look like telegram:<id>, matrix:<room>, mail:<address>"
                    " or console:<name>"
                )
        return value


class SchoolSettings(Section):
    name: str = "Onze school"
    language: Literal["nl", "en"] = "nl"
    timezone: str = "Europe/Amsterdam"
    # School-wide contacts for routing (B.5, A.11). Moderators per group live in [[groups]].
    leadership: list[Contact] = []
    team_leaders: list[Contact] = []
    confidential_adviser: Contact | None = None
    admins: list[Contact] = []

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class RetentionSettings(Section):
    """How long rows live (data minimisation): purged by the scheduled privacy job."""

    findings_days: int = Field(180, ge=1)
    incidents_days: int = Field(730, ge=1)
    digest_days: int = Field(30, ge=1)
    outbox_days: int = Field(30, ge=1)
    audit_days: int = Field(1825, ge=1)


class StorageSettings(Section):
    url: str = "sqlite:///var/schoolwacht.db"
    retention: RetentionSettings = RetentionSettings()


class SmtpSettings(Section):
    host: str = "localhost"
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    timeout_seconds: float = 30.0


class MailSettings(Section):
    backend: Literal["file", "smtp", "console", "memory"] = "file"
    folder: Path = Path("var/mail")
    from_address: str = "schoolwacht@localhost"
    from_name: str | None = None  # defaults to the school's name
    smtp: SmtpSettings = SmtpSettings()


class ConsoleSettings(Section):
    enabled: bool = True
    # Folder where alerts for console contacts are written (one JSON line per alert).
    alerts_folder: Path = Path("var/alerts")


class TelegramSettings(Section):
    enabled: bool = False
    token_env: str = "SCHOOLWACHT_TELEGRAM_TOKEN"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret_env: str | None = "SCHOOLWACHT_TELEGRAM_WEBHOOK_SECRET"
    admin_chat_id: int | None = None
    staff_user_ids: list[int] = []
    max_download_bytes: int = 10_000_000
    # Only for tests and self-hosted Bot API servers; the default is Telegram's own.
    base_url: str | None = None


class MatrixSettings(Section):
    enabled: bool = False
    homeserver: str = "https://matrix.example.org"
    user_id: str = "@schoolwacht:example.org"
    access_token_env: str | None = "SCHOOLWACHT_MATRIX_TOKEN"
    password_env: str | None = "SCHOOLWACHT_MATRIX_PASSWORD"
    device_name: str = "schoolwacht"
    store_path: Path = Path("var/matrix-store")
    # Passphrase that encrypts the end-to-end key store at rest (recommended in production).
    store_key_env: str | None = "SCHOOLWACHT_MATRIX_STORE_KEY"
    management_room: str | None = None
    staff: list[str] = []
    max_download_bytes: int = 10_000_000
    required_power_to_redact: int = 50


class AdaptersSettings(Section):
    console: ConsoleSettings = ConsoleSettings()
    telegram: TelegramSettings = TelegramSettings()
    matrix: MatrixSettings = MatrixSettings()


class PermissionSettings(Section):
    """Who may do what is decided by the school's roles (``core.permissions``). Being admin of a
    chat on the platform grants nothing by itself, unless ``chat_admins = "moderator"`` makes every
    admin of an approved group a moderator of that group (off by default: students can be admins)."""

    chat_admins: Literal["nothing", "moderator"] = "nothing"


class ApprovalSettings(Section):
    """B.1: the bot works only in groups an admin approved."""

    timeout_hours: float = Field(48, gt=0)


class ImageSettings(Section):
    max_bytes: int = 10_000_000
    max_pixels: int = 40_000_000
    workers: int = Field(1, ge=1)
    queue_size: int = Field(64, ge=1)
    timeout_seconds: float = Field(10, gt=0)


class KindDefaults(Section):
    """Defaults for every group of one kind; groups override them."""

    mode: Literal["observe", "enforce"] = "enforce"
    # Per policy name: settings validated against that policy's own schema at start-up.
    policies: dict[str, dict[str, Any]] = {}
    escalation: dict[str, Any] = {}


class PoliciesSettings(Section):
    class_: KindDefaults = Field(KindDefaults(), alias="class")
    parent: KindDefaults = KindDefaults()
    staff: KindDefaults = KindDefaults()

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def for_kind(self, kind: GroupKind) -> KindDefaults:
        return {
            GroupKind.CLASS: self.class_,
            GroupKind.PARENT: self.parent,
            GroupKind.STAFF: self.staff,
        }[kind]


class LessonSlot(Section):
    """One lesson block, for A.1/A.6 lesson-time rules: ``day`` is mon..fri."""

    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f"{value!r} is not a time like 08:30")
        return value


class GroupDigestSettings(Section):
    enabled: bool = False
    include: Literal["staff", "all"] = "staff"
    schedule: str = "daily 16:00"  # "daily HH:MM", "weekly fri HH:MM" or "immediate"
    consent_on_file: bool = False  # A.5: photos of people are only mailed with consent on file
    max_attachment_bytes: int = 5_000_000


class GroupSettings(Section):
    """One group, keyed by ``platform:id`` (for example ``telegram:-1001234567890``)."""

    id: str
    kind: GroupKind
    title: str | None = None
    approved: bool = True  # listed here means pre-approved by the school
    mode: Literal["observe", "enforce"] | None = None
    language: Literal["nl", "en"] | None = None
    moderators: list[Contact] = []
    policies: dict[str, dict[str, Any]] = {}
    escalation: dict[str, Any] = {}
    timetable: list[LessonSlot] = []
    digest: GroupDigestSettings = GroupDigestSettings()

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        platform, sep, rest = value.partition(":")
        if not sep or not rest or platform not in ("telegram", "matrix", "console"):
            raise ValueError("must look like telegram:<chat id>, matrix:<room id> or console:<name>")
        return value


class PrivacySettings(Section):
    """Keys and secrets (never in this file) and what an erasure keeps (docs/privacy.md).

    The data key comes from the environment variable ``key_env`` or else ``key_file``; the
    per-install secret (log pseudonyms) from ``secret_env`` or else
    ``secret_file``. Missing files are generated 0600 on first start; keep them outside the data
    folder and back them up apart from the database."""

    key_env: str = "SCHOOLWACHT_DATA_KEY"
    key_file: Path = Path("keys/data.key")
    secret_env: str = "SCHOOLWACHT_SECRET"
    secret_file: Path = Path("keys/secret")
    # Erasure keeps incidents the school must keep (its duty of care), with the person replaced by
    # a pseudonym and their texts removed; False removes those too.
    keep_incidents_on_erase: bool = True
    # Where subject-access exports are written (a private folder).
    export_folder: Path = Path("var/exports")


class DigestSettings(Section):
    """B.3 e-mail mirror: where links in mails point and the key that signs unsubscribe tokens."""

    public_url: str = "http://localhost:8080"
    listen: str = "127.0.0.1"
    port: int = 8080
    secret_env: str = "SCHOOLWACHT_SECRET"
    important_tag: str = "#belangrijk"


class AppConfig(Section):
    school: SchoolSettings = SchoolSettings()
    storage: StorageSettings = StorageSettings()
    mail: MailSettings = MailSettings()
    adapters: AdaptersSettings = AdaptersSettings()
    approval: ApprovalSettings = ApprovalSettings()
    permissions: PermissionSettings = PermissionSettings()
    models: ModelSettings = ModelSettings()
    images: ImageSettings = ImageSettings()
    digest: DigestSettings = DigestSettings()
    privacy: PrivacySettings = PrivacySettings()
    policies: PoliciesSettings = PoliciesSettings()
    groups: list[GroupSettings] = []

    @cached_property
    def _groups_by_id(self) -> dict[str, GroupSettings]:
        return {group.id: group for group in self.groups}

    def group(self, key: str) -> GroupSettings | None:
        return self._groups_by_id.get(key)

    @property
    def sender_name(self) -> str:
        return self.mail.from_name or self.school.name


def _format_error(exc: ValidationError, source: str) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{source}: {loc}: {msg}{extra}"


def parse_config(data: dict[str, Any], source: str = "config") -> AppConfig:
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, source)) from None


def load_config(path: Path | None) -> AppConfig:
    """Load and validate a config file; ``None`` gives the embedded defaults."""
    if path is None:
        return AppConfig()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, str(path))
