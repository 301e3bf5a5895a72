"""A tiny HTTP endpoint for the links in digest mails: confirm (double opt-in) and unsubscribe.

GET shows a page with one button and changes nothing, because mail scanners open links on their own;
POST does the change. ``POST /digest/unsubscribe?token=…`` with the body
``List-Unsubscribe=One-Click`` is the RFC 8058 one-click unsubscribe that mail apps send. Put it
behind the school's HTTPS reverse proxy; ``[digest].public_url`` is the address people see.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.digest.service import DigestService
from bot.i18n import t

log = logging.getLogger(__name__)

HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex",
           "Referrer-Policy": "no-referrer"}


class DigestWeb:
    def __init__(self, service: DigestService, host: str, port: int) -> None:
        self.service = service
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024)
        app.router.add_get("/digest/confirm", self.confirm_page)
        app.router.add_post("/digest/confirm", self.confirm)
        app.router.add_get("/digest/unsubscribe", self.unsubscribe_page)
        app.router.add_post("/digest/unsubscribe", self.unsubscribe)
        app.router.add_get("/healthz", self.health)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.application(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        log.info("digest link endpoint listening", extra={"host": self.host, "port": self.port})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- pages ----------------------------------------------------------------------------------
    def _page(self, lang: str, title: str, message: str, *, action: str | None = None,
              button: str | None = None, status: int = 200) -> web.Response:
        html = self.service.renderer.page(lang=lang, title=title, message=message, action=action,
                                          button=button)
        return web.Response(text=html, content_type="text/html", charset="utf-8",
                            status=status, headers=HEADERS)

    def _invalid(self) -> web.Response:
        lang = self.service.config.school.language
        return self._page(lang, t("digest.page.confirm_title", lang),
                          t("digest.page.invalid", lang), status=400)

    @staticmethod
    def _token(request: web.Request) -> str:
        return request.query.get("token", "")

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def confirm_page(self, request: web.Request) -> web.Response:
        token = self._token(request)
        sub = await self.service.subscriber_for("confirm", token)
        if sub is None:
            return self._invalid()
        lang = self.service.language(sub.group_key)
        group = self.service.title(sub.group_key)
        return self._page(lang, t("digest.page.confirm_title", lang),
                          t("digest.page.confirm_question", lang, group=group, email=sub.email),
                          action=f"/digest/confirm?token={token}",
                          button=t("digest.confirm.button", lang))

    async def confirm(self, request: web.Request) -> web.Response:
        sub = await self.service.confirm_link(self._token(request))
        if sub is None:
            return self._invalid()
        lang = self.service.language(sub.group_key)
        return self._page(lang, t("digest.page.confirm_title", lang),
                          t("digest.page.confirmed", lang,
                            group=self.service.title(sub.group_key)))

    async def unsubscribe_page(self, request: web.Request) -> web.Response:
        token = self._token(request)
        sub = await self.service.subscriber_for("unsubscribe", token)
        if sub is None:
            return self._invalid()
        lang = self.service.language(sub.group_key)
        group = self.service.title(sub.group_key)
        return self._page(lang, t("digest.page.unsubscribe_title", lang),
                          t("digest.page.unsubscribe_question", lang, group=group,
                            email=sub.email),
                          action=f"/digest/unsubscribe?token={token}",
                          button=t("digest.unsubscribe", lang))

    async def unsubscribe(self, request: web.Request) -> web.Response:
        # RFC 8058 one-click (body "List-Unsubscribe=One-Click") and the page's own button both
        # land here; the signed token is what authorises it.
        sub = await self.service.unsubscribe_link(self._token(request))
        if sub is None:
            return self._invalid()
        lang = self.service.language(sub.group_key)
        return self._page(lang, t("digest.page.unsubscribe_title", lang),
                          t("digest.page.unsubscribed", lang,
                            group=self.service.title(sub.group_key)))
