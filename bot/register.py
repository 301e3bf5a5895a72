"""The processing register (AVG art. 30) and the facts for a DPIA, from the live config and schema.

``schoolwacht privacy report`` prints this in Dutch, ready to paste. What is stored and which
columns are encrypted come from the database schema itself (``storage.sealing.encrypted_columns``),
how long from ``[storage.retention]``, who can read it from the configured roles (``readers``: the
hook where the permission model plugs in once it lands), where it lives from ``[storage]``, ``[mail]``
and the adapters.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import AppConfig
from storage.db import redact_url
from storage.sealing import encrypted_columns


@dataclass(frozen=True)
class Activity:
    table: str
    what: str
    why: str
    retention: str
    readers: str


def _days(n: int) -> str:
    return f"{n} dagen" if n % 365 else f"{n // 365} jaar"


def readers(config: AppConfig) -> dict[str, str]:
    """Who can read what, per kind of data, from the roles in the config.

    Hook: when the permission model (core/permissions.py) is on main, this reads from it instead.
    """
    moderators = sorted({m.name for g in config.groups for m in g.moderators}) or ["(geen)"]
    adviser = config.school.confidential_adviser.name if config.school.confidential_adviser \
        else "(geen vertrouwenspersoon ingesteld)"
    tiers = [c.name for c in config.school.team_leaders] + [c.name for c in config.school.leadership]
    admins = [c.name for c in config.school.admins] or ["(geen beheerders ingesteld)"]
    server = "de beheerder van de server (met de gegevenssleutel)"
    return {
        "group": f"de moderatoren van de groep ({', '.join(moderators)}); bij opschaling "
                 f"ook {', '.join(tiers) or 'niemand anders (geen teamleiders/schoolleiding)'}; "
                 f"{server}",
        "confidential": f"alleen de vertrouwenspersoon ({adviser}) en {server}",
        "admin": f"beheerders ({', '.join(admins)}) en {server}",
        "mail": f"de ontvanger van de samenvatting en {server}",
        "server": server,
    }


def activities(config: AppConfig) -> list[Activity]:
    r = config.storage.retention
    who = readers(config)
    return [
        Activity("findings", "gemarkeerde berichten: afzender (versleuteld id), regel, artikel, "
                 "ernst, bewijs; de berichttekst alleen als het bewijs die nodig heeft, anders "
                 "met persoonsgegevens gemaskeerd of zonder tekst",
                 "handhaving van het protocol (A.6-A.11, B.2), bewijs bij een incident",
                 _days(r.findings_days), who["group"]),
        Activity("incidents", "incidenten en stille meldingen: betrokken leden, artikelen, de "
                 "gemarkeerde berichten; van omstanders alleen een aantal, tenzij een moderator "
                 "een bericht bewaart", "zorgplicht en sanctieladder (B.5), stil melden (A.11)",
                 _days(r.incidents_days) + " na openen, en pas als het is afgesloten",
                 who["group"] + "; stille meldingen: " + who["confidential"]),
        Activity("members", "deelname aan een groep: versleuteld id, rol, weergavenaam "
                 "(versleuteld); leden zonder bevindingen worden vergeten als ze de groep verlaten",
                 "herkennen van herhaling, namen in meldingen", "zolang het lid in de groep is",
                 who["group"]),
        Activity("actions", "wat de bot deed (verwijderen, aanspreken, melden)",
                 "verantwoording", _days(r.findings_days), who["admin"]),
        Activity("outbox", "meldingen en e-mails in bezorging (versleuteld)",
                 "betrouwbare bezorging", _days(r.outbox_days) + " na bezorging", who["server"]),
        Activity("digest_items", "berichten voor de e-mailsamenvatting (B.3), versleuteld; "
                 "gemarkeerde berichten nooit", "leerlingen zonder de app informeren",
                 f"tot verzending, uiterlijk {_days(r.digest_days)}", who["mail"]),
        Activity("subscribers", "e-mailadressen van ontvangers van de samenvatting (versleuteld), "
                 "met dubbele bevestiging", "de samenvatting bezorgen",
                 "tot afmelden", who["admin"]),
        Activity("feedback", "oordelen van moderatoren; voor gemiste berichten de tekst "
                 "(versleuteld)", "de bot verbeteren (lokaal hertrainen)",
                 _days(r.findings_days), who["admin"]),
        Activity("audit", "logboek van beslissingen (wie, wat, wanneer; versleuteld)",
                 "verantwoording, AVG-verzoeken", _days(r.audit_days), who["admin"]),
        Activity("image_hashes", "vingerafdrukken van gemarkeerde afbeeldingen, geen afbeeldingen",
                 "het opnieuw delen van een gelekte screenshot herkennen (A.8)",
                 _days(r.findings_days), who["server"]),
    ]


def _where(config: AppConfig) -> list[str]:
    places = [f"database: {redact_url(config.storage.url)} (bestand 0600, map 0700)",
              f"gegevenssleutel: ${config.privacy.key_env} of {config.privacy.key_file} "
              "(buiten de datamap; apart back-uppen)"]
    if config.adapters.console.enabled:
        places.append(f"meldingen (console): {config.adapters.console.alerts_folder}/alerts.jsonl "
                      "(per regel versleuteld)")
    if config.mail.backend == "file":
        places.append(f"e-mail (bestand): {config.mail.folder} (versleuteld, .eml.sealed)")
    places.append(f"inzageverzoeken: {config.privacy.export_folder} (0600)")
    places.append("logbestanden: alleen ids, aantallen en pseudoniemen, nooit berichttekst of namen")
    return places


def _flows(config: AppConfig) -> list[str]:
    flows = ["Alle herkenning (regels, beeldherkenning, OCR"
             + (", het ML-model" if config.models.enabled else "")
             + ") draait lokaal op de server van de school; er gaan geen berichten naar een "
             "externe dienst voor analyse."]
    channels = []
    if config.adapters.telegram.enabled:
        channels.append("Telegram (de groepen zelf en meldingen aan moderatoren)")
    if config.adapters.matrix.enabled:
        channels.append(f"Matrix ({config.adapters.matrix.homeserver})")
    if config.mail.backend == "smtp":
        channels.append(f"e-mail via de eigen SMTP-server van de school ({config.mail.smtp.host})")
    if channels:
        flows.append("Meldingen en samenvattingen gaan alleen naar de ontvangers die de school "
                      "instelt, via: " + "; ".join(channels) + ".")
    else:
        flows.append("Geen gegevens verlaten de server: er is geen chatplatform of SMTP ingesteld.")
    return flows


def report(config: AppConfig) -> str:
    """The register of processing activities and the DPIA facts, in Dutch (Markdown)."""
    sealed = encrypted_columns()
    r = config.storage.retention
    out = [
        f"# Verwerkingsregister schoolwacht — {config.school.name}",
        "",
        "Doel: handhaving van het sociale-mediaprotocol van de school in de goedgekeurde klas- en "
        "oudergroepen (pesten, bedreiging, sexting, discriminatie, gelekte screenshots, "
        "persoonsgegevens), stil melden bij de vertrouwenspersoon, en de e-mailsamenvatting.",
        "Grondslag: gerechtvaardigd belang en de wettelijke zorgplicht van de school voor een "
        "veilige omgeving; betrokkenen: leerlingen (minderjarig), ouders, medewerkers.",
        "Werkt alleen in groepen die de school goedkeurde (B.1).",
        "",
        "## Wat, waarom, hoe lang, wie kan het lezen",
        "",
        "| gegevens | wat | waarom | bewaartermijn | wie kan het lezen | versleuteld |",
        "|---|---|---|---|---|---|",
    ]
    for a in activities(config):
        cols = ", ".join(sealed.get(a.table, [])) or "—"
        out.append(f"| {a.table} | {a.what} | {a.why} | {a.retention} | {a.readers} | {cols} |")
    out += [
        "",
        f"Verwerkte updates (alleen ids, tegen dubbel verwerken): 7 dagen. Automatisch verwijderd "
        f"elke nacht om 03:30 (bevindingen {_days(r.findings_days)}, incidenten "
        f"{_days(r.incidents_days)}, samenvatting {_days(r.digest_days)}, bezorging "
        f"{_days(r.outbox_days)}, logboek {_days(r.audit_days)}).",
        "Niet opgeslagen: berichten die niets overtreden (alleen even in het geheugen, voor de "
        "context van een incident; behalve in groepen met de e-mailsamenvatting, tot verzending), "
        "afbeeldingen zelf, berichten in niet-goedgekeurde groepen.",
        "",
        "## Waar het staat",
        "",
        *[f"- {p}" for p in _where(config)],
        "",
        "## Beveiliging",
        "",
        "- Elke opgeslagen tekst en naam is versleuteld met AES-256-GCM (geauthenticeerd); "
        "ids waarop gezocht wordt met AES-SIV (een sleutel-afhankelijke vaste waarde).",
        f"- Sleutel uit ${config.privacy.key_env} of {config.privacy.key_file}; wisselen met "
        "`schoolwacht privacy rotate-key`. Zonder sleutel start de bot niet op een versleutelde "
        "database.",
        "- Alle bestanden die de bot schrijft: alleen leesbaar voor de bot (0600, mappen 0700).",
        "- Logbestanden: ids en aantallen, leden als niet-terug te rekenen pseudoniem.",
        "",
        "## Gegevens die de server verlaten",
        "",
        *[f"- {f}" for f in _flows(config)],
        "",
        "## Rechten van betrokkenen",
        "",
        "- Inzage: `schoolwacht privacy export --person ID` (JSON en een leesbare samenvatting).",
        "- Verwijderen: `schoolwacht privacy erase --person ID`"
        + (" (incidenten die de school moet bewaren blijven, gepseudonimiseerd)."
           if config.privacy.keep_incidents_on_erase else " (ook incidenten worden verwijderd)."),
        "- Beide worden zonder inhoud in het logboek vastgelegd.",
        "",
    ]
    return "\n".join(out)
