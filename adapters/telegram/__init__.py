"""Telegram adapter (python-telegram-bot 22): ``adapter.TelegramAdapter``; docs/telegram.md."""

from adapters.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
