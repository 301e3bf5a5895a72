"""Configuration: one TOML file validated by pydantic, secrets only from environment variables.

Every section has defaults, so an empty file (or no file) is a working console set-up. Unknown keys
are rejected, and a bad file stops start-up with one line naming the key and what is wrong.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from core.events import GroupKind
from policies.images.settings import ImageSettings
from policies.ml.settings import ModelSettings

CHANNEL_RE = re.compile(r"^(telegram|matrix|mail|console):.+$")
ACCOUNT_RE = re.compile(r"^(telegram:\d+|matrix:@[^:\s]+:\S+|console:\S+)$")
# Ids per platform: Telegram chat ids are integers, Matrix rooms "!id:server" (or an alias
# "#name:server" for contacts), users "@name:server"; a console name is one word.
TELEGRAM_ID_RE = re.compile(r"^-?\d{1,20}$")
# (room version 12 ids are "!" and a hash alone, without a server)
MATRIX_ROOM_RE = re.compile(r"^![^:\s]+(?::[^\s:]+(?::\d{1,5})?)?$")
MATRIX_ALIAS_RE = re.compile(r"^#[^:\s]+:[^\s:]+(?::\d{1,5})?$")
MATRIX_USER_RE = re.compile(r"^@[^:\s]+:[^\s:]+(?::\d{1,5})?$")
CONSOLE_NAME_RE = re.compile(r"^\S{1,100}$")
# A mail address as schools use them: one @, no spaces or angle brackets, a dotted domain.
MAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
HTTP_URL_RE = re.compile(r"^https?://[^\s/?#]+(?::\d{1,5})?(?:[/?#]\S*)?$")


def check_mail(value: str) -> str:
    if not MAIL_RE.match(value) or ".." in value or value.startswith("."):
        raise ValueError(f"{value!r} is not a mail address")
    return value


def check_env_name(value: str | None) -> str | None:
    """The name of an environment variable (a token pasted here instead is refused)."""
    if value is not None and not ENV_NAME_RE.match(value):
        raise ValueError(f"{value[:12]!r}… is not the name of an environment variable (put the "
                         "secret in the environment and its name here)" if len(value) > 12 else
                         f"{value!r} is not the name of an environment variable")
    return value


PortNumber = Annotated[int, Field(ge=1, le=65535)]
EnvName = Annotated[str, AfterValidator(check_env_name)]


def check_channel(item: str) -> str:
    platform, _, rest = item.partition(":")
    if not CHANNEL_RE.match(item):
        raise ValueError(f"channel {item!r} must look like telegram:<id>, matrix:<room>, "
                         "mail:<address> or console:<name>")
    if platform == "telegram" and not TELEGRAM_ID_RE.match(rest):
        raise ValueError(f"channel {item!r}: a Telegram chat id is a number, like "
                         "telegram:-1001234567890")
    if platform == "matrix" and not (MATRIX_ROOM_RE.match(rest) or MATRIX_ALIAS_RE.match(rest)
                                     or MATRIX_USER_RE.match(rest)):
        raise ValueError(f"channel {item!r}: a Matrix room looks like matrix:!id:server (or a "
                         "user matrix:@name:server)")
    if platform == "mail":
        check_mail(rest)
    if platform == "console" and not CONSOLE_NAME_RE.match(rest):
        raise ValueError(f"channel {item!r}: a console name is one word")
    return item


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
            check_channel(item)
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

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(f"{value!r} is not a database URL (sqlite:///var/schoolwacht.db or "
                             "postgresql+psycopg://user@host/db)") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"database {url.get_backend_name()!r} is not supported (sqlite or "
                             "postgresql)")
        if url.password:
            raise ValueError("no password in the URL: put it in PGPASSWORD")
        return value


class SmtpSettings(Section):
    host: str = Field("localhost", min_length=1)
    port: PortNumber = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username_env: EnvName | None = None
    password_env: EnvName | None = None
    timeout_seconds: float = Field(30.0, gt=0, le=600)


    @model_validator(mode="after")
    def _pair(self) -> SmtpSettings:
        if bool(self.username_env) != bool(self.password_env):
            raise ValueError("username_env and password_env go together (both or neither)")
        return self


class MailSettings(Section):
    backend: Literal["file", "smtp", "console", "memory"] = "file"
    folder: Path = Path("var/mail")
    from_address: str = "schoolwacht@localhost"
    from_name: str | None = None  # defaults to the school's name
    smtp: SmtpSettings = SmtpSettings()

    @field_validator("from_address")
    @classmethod
    def _from(cls, value: str) -> str:
        if value.endswith("@localhost") and MAIL_RE.match(value.replace("@localhost",
                                                                        "@localhost.nl")):
            return value  # the built-in default for trying the bot
        return check_mail(value)


class ConsoleSettings(Section):
    enabled: bool = True
    # Folder where alerts for console contacts are written (one JSON line per alert).
    alerts_folder: Path = Path("var/alerts")


class TelegramSettings(Section):
    enabled: bool = False
    token_env: EnvName = "SCHOOLWACHT_TELEGRAM_TOKEN"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = Field("127.0.0.1", min_length=1)
    webhook_port: PortNumber = 8443
    webhook_secret_env: EnvName | None = "SCHOOLWACHT_TELEGRAM_WEBHOOK_SECRET"
    admin_chat_id: int | None = None
    staff_user_ids: list[int] = []
    max_download_bytes: int = Field(10_000_000, gt=0)
    # Only for tests and self-hosted Bot API servers; the default is Telegram's own.
    base_url: str | None = None


    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("https://") and HTTP_URL_RE.match(value)):
            raise ValueError(f"{value!r} must be an https:// address (Telegram posts only there)")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is not None and not HTTP_URL_RE.match(value):
            raise ValueError(f"{value!r} is not an http(s) address")
        return value

    @model_validator(mode="after")
    def _webhook(self) -> TelegramSettings:
        if self.enabled and self.mode == "webhook" and not self.webhook_url:
            raise ValueError("mode = \"webhook\" needs webhook_url (the public https address "
                             "Telegram posts to)")
        return self


class MatrixSettings(Section):
    enabled: bool = False
    homeserver: str = "https://matrix.example.org"
    user_id: str = "@schoolwacht:example.org"
    access_token_env: EnvName | None = "SCHOOLWACHT_MATRIX_TOKEN"
    password_env: EnvName | None = "SCHOOLWACHT_MATRIX_PASSWORD"
    device_name: str = "schoolwacht"
    store_path: Path = Path("var/matrix-store")
    # Passphrase that encrypts the end-to-end key store at rest (recommended in production).
    store_key_env: EnvName | None = "SCHOOLWACHT_MATRIX_STORE_KEY"
    management_room: str | None = None
    staff: list[str] = []
    max_download_bytes: int = Field(10_000_000, gt=0)
    required_power_to_redact: int = Field(50, ge=0, le=100)


    @field_validator("homeserver")
    @classmethod
    def _homeserver(cls, value: str) -> str:
        if not HTTP_URL_RE.match(value):
            raise ValueError(f"{value!r} is not an http(s) address like https://matrix.school.nl")
        return value

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        if not MATRIX_USER_RE.match(value):
            raise ValueError(f"{value!r} is not a Matrix user id like @schoolwacht:school.nl")
        return value

    @field_validator("management_room")
    @classmethod
    def _room(cls, value: str | None) -> str | None:
        if value is not None and not MATRIX_ROOM_RE.match(value):
            raise ValueError(f"{value!r} is not a Matrix room id like !abc:school.nl")
        return value

    @field_validator("staff")
    @classmethod
    def _staff(cls, value: list[str]) -> list[str]:
        for item in value:
            if not MATRIX_USER_RE.match(item):
                raise ValueError(f"{item!r} is not a Matrix user id like @mentor:school.nl")
        return value


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

    @model_validator(mode="after")
    def _order(self) -> LessonSlot:
        if self.end <= self.start:  # "HH:MM" strings compare as times
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class GroupDigestSettings(Section):
    enabled: bool = False
    include: Literal["staff", "all"] = "staff"
    schedule: str = "daily 16:00"  # "daily HH:MM", "weekly fri HH:MM" or "immediate"
    consent_on_file: bool = False  # A.5: photos of people are only mailed with consent on file
    max_attachment_bytes: int = Field(5_000_000, ge=0)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from bot.digest.schedule import parse_schedule  # the digest package imports this module

        parse_schedule(value)  # ValueError: "must look like 'daily 16:00', ..."
        return value


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
        if platform == "telegram" and not TELEGRAM_ID_RE.match(rest):
            raise ValueError(f"{value!r}: a Telegram chat id is a number, like "
                             "telegram:-1001234567890")
        if platform == "matrix" and not MATRIX_ROOM_RE.match(rest):
            raise ValueError(f"{value!r}: a Matrix room id looks like matrix:!abc:school.nl")
        if platform == "console" and not CONSOLE_NAME_RE.match(rest):
            raise ValueError(f"{value!r}: a console group name is one word")
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
    listen: str = Field("127.0.0.1", min_length=1)
    port: PortNumber = 8080
    secret_env: EnvName = "SCHOOLWACHT_SECRET"
    important_tag: str = Field("#belangrijk", min_length=2, pattern=r"^#\S+$")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not HTTP_URL_RE.match(value):
            raise ValueError(f"{value!r} is not an http(s) address")
        return value


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
    # The folder relative paths in the file are resolved against (set by ``load_config``);
    # None for the built-in defaults, which stay relative to the working directory.
    _base_dir: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _unique_groups(self) -> AppConfig:
        seen: dict[str, int] = {}
        for index, group in enumerate(self.groups):
            if group.id in seen:
                raise ValueError(f"groups.{index}.id: duplicate group id {group.id!r} (also "
                                 f"groups.{seen[group.id]})")
            seen[group.id] = index
        return self

    @property
    def base_dir(self) -> Path | None:
        return self._base_dir

    def path(self, value: str | Path) -> Path:
        """A path from the config or a default (``var/...``): relative to the config file's
        folder when there is a file, else to the working directory."""
        path = Path(value).expanduser()
        if path.is_absolute() or self._base_dir is None:
            return path
        return self._base_dir / path

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
    loc = ".".join(str(p) for p in err["loc"])
    msg = err["msg"]
    if not loc:  # a rule across keys (AppConfig's validators name the key in the message)
        loc, _, msg = msg.removeprefix("Value error, ").partition(": ")
        if not msg:
            loc, msg = "(top level)", loc
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{source}: {loc}: {msg}{extra}"


def parse_config(data: dict[str, Any], source: str = "config") -> AppConfig:
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, source)) from None


def _sqlite_url(url: str, base: Path) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:") or Path(database).is_absolute():
        return url
    return parsed.set(database=str(base / database)).render_as_string(hide_password=False)


def resolve_paths(config: AppConfig, base: Path) -> AppConfig:
    """The config with every relative path (SQLite database, mail folder, alerts folder, Matrix
    store, model, the data key and install secret files) resolved against ``base``, the config
    file's folder, not the working directory (a bot started from another folder must not create a
    second, empty database)."""
    base = base.resolve()

    def p(value: Path | None) -> Path | None:
        if value is None:
            return None
        value = value.expanduser()
        return value if value.is_absolute() else base / value

    adapters = config.adapters
    resolved = config.model_copy(update={
        "storage": config.storage.model_copy(update={"url": _sqlite_url(config.storage.url, base)}),
        "mail": config.mail.model_copy(update={"folder": p(config.mail.folder)}),
        "adapters": adapters.model_copy(update={
            "console": adapters.console.model_copy(
                update={"alerts_folder": p(adapters.console.alerts_folder)}),
            "matrix": adapters.matrix.model_copy(
                update={"store_path": p(adapters.matrix.store_path)}),
        }),
        "models": config.models.model_copy(update={"path": p(config.models.path)}),
        "privacy": config.privacy.model_copy(update={"key_file": p(config.privacy.key_file),
                                                     "secret_file": p(config.privacy.secret_file)}),
    })
    resolved._base_dir = base
    return resolved


def startup_problems(config: AppConfig, environ: Mapping[str, str] | None = None) -> list[str]:
    """What stops ``schoolwacht run`` before anything connects: no adapter enabled, or a secret an
    enabled adapter needs missing from the environment. One line per problem, naming the key."""
    env = os.environ if environ is None else environ

    def unset(name: str | None) -> bool:
        return not name or not env.get(name)

    problems: list[str] = []
    adapters = config.adapters
    if not (adapters.console.enabled or adapters.telegram.enabled or adapters.matrix.enabled):
        problems.append("adapters: no adapter enabled (set enabled = true in "
                        "[adapters.telegram], [adapters.matrix] or [adapters.console])")
    telegram = adapters.telegram
    if telegram.enabled:
        if unset(telegram.token_env):
            problems.append(f"adapters.telegram.token_env: the environment variable "
                            f"{telegram.token_env} is not set (the token BotFather gave you)")
        if telegram.mode == "webhook" and unset(telegram.webhook_secret_env):
            problems.append(f"adapters.telegram.webhook_secret_env: webhook mode needs a secret "
                            f"token in the environment variable {telegram.webhook_secret_env}")
    matrix = adapters.matrix
    if matrix.enabled and unset(matrix.access_token_env) and unset(matrix.password_env):
        session = config.path(matrix.store_path) / "session.json"
        if not session.is_file():  # a saved login from an earlier start also works
            problems.append(f"adapters.matrix: set the environment variable "
                            f"{matrix.access_token_env or matrix.password_env} "
                            f"(access_token_env or password_env) for the bot's account")
    smtp = config.mail.smtp
    if config.mail.backend == "smtp":
        for key in ("username_env", "password_env"):
            name = getattr(smtp, key)
            if name and unset(name):
                problems.append(f"mail.smtp.{key}: the environment variable {name} is not set")
    return problems


def load_config(path: Path | None) -> AppConfig:
    """Load and validate a config file; ``None`` gives the embedded defaults.

    Relative paths in a file are resolved against the file's folder (``resolve_paths``)."""
    if path is None:
        return AppConfig()
    try:
        if path.exists() and not path.is_file():
            raise ConfigError(f"{path}: cannot read config (not a regular file)")
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return resolve_paths(parse_config(data, str(path)), path.parent)
