"""Mail backends, swappable like Django's: ``smtp``, ``file`` (the embedded default), ``console``
and ``memory`` (tests). All share ``send_messages(messages) -> int``.

SMTP errors are sorted for the outbox: 4xx replies and network trouble are temporary (retried with
backoff), 5xx replies are permanent (the item is marked dead and a digest subscriber bouncing).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import TextIO

import aiosmtplib

from bot.config import MailSettings, secret
from core.delivery import MailPermanentError, MailTemporaryError
from core.files import FileSealer, write_private

log = logging.getLogger(__name__)
MAIL_CONTEXT = "file:mail"


class MemoryBackend:
    """Keeps messages in a list: tests assert on ``outbox``."""

    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []

    async def send_messages(self, messages: list[EmailMessage]) -> int:
        self.outbox.extend(messages)
        return len(messages)


class ConsoleBackend:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    async def send_messages(self, messages: list[EmailMessage]) -> int:
        for message in messages:
            self.stream.write(f"--- mail to {message['To']}: {message['Subject']}\n")
            body = message.get_body(("plain",))
            self.stream.write((body.get_content() if body else "") + "\n")
        self.stream.flush()
        return len(messages)


class FileBackend:
    """Writes each message as an ``.eml`` file (0600 in a 0700 folder), named after its Message-ID
    so a retry overwrites instead of duplicating. With a sealer (the data key) the file is sealed
    and named ``.eml.sealed``; ``schoolwacht privacy open FILE`` shows it."""

    def __init__(self, folder: Path, sealer: FileSealer | None = None) -> None:
        self.folder = folder
        self.sealer = sealer

    async def send_messages(self, messages: list[EmailMessage]) -> int:
        for message in messages:
            if not message["Message-ID"]:
                message["Message-ID"] = make_msgid()
            name = re.sub(r"[^A-Za-z0-9._-]", "_", message["Message-ID"].strip("<>"))
            data = message.as_bytes()
            if self.sealer is None:
                path = self.folder / f"{name}.eml"
            else:
                path = self.folder / f"{name}.eml.sealed"
                data = self.sealer.seal_bytes(data, MAIL_CONTEXT)
            await asyncio.to_thread(write_private, path, data)
        return len(messages)


class SmtpBackend:
    """Sends through the school's relay with aiosmtplib (STARTTLS or implicit TLS; login from the
    environment variables named in ``[mail.smtp]``).

    Only a refused *recipient* (5xx to RCPT TO) is the address's fault, so only then does
    ``MailPermanentError.recipients`` name it (a digest subscriber is then marked bouncing). A
    refused login or sender is the set-up's fault: it is retried (temporary) and logged, so fixing
    the configuration delivers the mail instead of losing it.
    """

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings.smtp

    def _credentials(self) -> tuple[str | None, str | None]:
        smtp = self.settings
        username, password = secret(smtp.username_env), secret(smtp.password_env)
        if (smtp.username_env or smtp.password_env) and not (username and password):
            log.error("smtp credentials missing from the environment",
                      extra={"username_env": smtp.username_env,
                             "password_env": smtp.password_env})
            raise MailTemporaryError("smtp credentials missing")
        return username, password

    async def send_messages(self, messages: list[EmailMessage]) -> int:
        smtp = self.settings
        username, password = self._credentials()
        client = aiosmtplib.SMTP(
            hostname=smtp.host, port=smtp.port, timeout=smtp.timeout_seconds,
            use_tls=smtp.security == "tls",
            start_tls=smtp.security == "starttls",
        )
        sent = 0
        try:
            await client.connect()
            if username and password:
                await client.login(username, password)
            for message in messages:
                errors, _ = await client.send_message(message)
                if errors:
                    refused = [addr for addr, (code, _) in errors.items() if code >= 500]
                    if refused:
                        raise MailPermanentError(f"recipients refused: {len(refused)}", refused)
                sent += 1
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if all(code >= 500 for code in codes):
                raise MailPermanentError(f"recipient refused ({codes[0]})",
                                         [r.recipient for r in exc.recipients]) from None
            raise MailTemporaryError("recipient temporarily refused") from None
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused) as exc:
            log.error("smtp relay refused the login or sender: check [mail] and [mail.smtp]",
                      extra={"code": exc.code})
            raise MailTemporaryError(f"smtp {exc.code} (login or sender refused)") from None
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise MailPermanentError(f"smtp {exc.code}") from None
            raise MailTemporaryError(f"smtp {exc.code}") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailTemporaryError(type(exc).__name__) from None
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except aiosmtplib.SMTPException:
                    client.close()
        return sent


def make_backend(
    settings: MailSettings, sealer: FileSealer | None = None,
) -> MemoryBackend | ConsoleBackend | FileBackend | SmtpBackend:
    if settings.backend == "smtp":
        return SmtpBackend(settings)
    if settings.backend == "console":
        return ConsoleBackend()
    if settings.backend == "memory":
        return MemoryBackend()
    return FileBackend(settings.folder, sealer)
