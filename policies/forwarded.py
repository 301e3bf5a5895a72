"""A.8: a message forwarded from a private person counts as shared private communication.

Platforms say where a forward came from (Telegram: a user, or a user who hides their account). A
forward from a channel or a group is public information and is left alone. The bot only reminds:
forwarding with consent is fine, and the bot cannot know whether there was consent.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from core.events import ForwardOrigin, GroupKind, MessageEvent
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import BasePolicy, PolicyContext, PolicySettings
from policies.registry import register
from policies.text import TextView


class ForwardedSettings(PolicySettings):
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {"low": [ActionKind.REMIND]}
    )


@register
class ForwardedPrivatePolicy(BasePolicy):
    name: ClassVar[str] = "forwarded"
    flag: ClassVar[str] = "forwarded_private"
    article: ClassVar[str] = articles.A8
    order: ClassVar[int] = 15
    synchronous: ClassVar[bool] = False
    settings_model: ClassVar[type[PolicySettings]] = ForwardedSettings
    kind_defaults: ClassVar = {GroupKind.STAFF: {"enabled": False}}

    def wants(self, event: MessageEvent) -> bool:
        return event.forward_origin is not None and event.forward_origin.is_private

    def not_applicable(self, event: MessageEvent) -> str:
        if event.forward_origin is None:
            return "not applicable: not forwarded"
        return f"not applicable: forwarded from a {event.forward_origin.value}, not a private chat"

    async def check(self, event: MessageEvent, text: TextView, ctx: PolicyContext) -> list[Finding]:
        origin = event.forward_origin
        if origin is None or not origin.is_private:
            return []
        evidence = ("doorgestuurd uit een privégesprek (afzender verborgen)"
                    if origin is ForwardOrigin.HIDDEN_USER
                    else "doorgestuurd uit een privégesprek")
        return [Finding(
            policy=self.name, flag=self.flag, article=self.article, score=0.6,
            severity=Severity.LOW, evidence=evidence, category=origin.value,
            data={"forward_origin": origin.value},
        )]
