"""Harassment (protocol A.10), read by composition rather than by lists of sentences.

A finding is a TARGET × a HOSTILE PREDICATE read within one clause, minus the MODALITY that clears
it:

1. ``policies.language`` splits the normalised message into clauses of tokens, each carrying every
   lemma it may stand for (simplemma, regular inflections, separable verbs joined to their particle,
   spelling tolerance guarded by word frequencies).
2. ``compose.matches`` finds the predicate classes of ``lexicons/<lang>/predicates.toml`` in each
   clause (violence, death wish, dehumanisation, hatred, contempt, exclusion, sexual, self-harm
   encouragement, …); ``compose.targets`` finds who the clause names (you, a name or mention, he/she,
   a protected group, "die soort X"), and the replied-to member stands in when the clause names
   nobody.
3. ``compose`` clears what is negated in its clause, quoted or reported, said of a game or a match,
   lesson content, hyperbole or self-mockery.
4. Message-wide combinations: sextortion (a picture + spreading + a demand), incitement (a call to
   others raises a finding to high), doxxing (another person's data found by the personal-data rule +
   mockery or a call).

Untargeted swearing is its own low ``profanity`` finding (principle P.3), never A.10.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from itertools import accumulate
from typing import Any, ClassVar, NamedTuple

from pydantic import Field

from core.events import GroupKind, MessageEvent, Role
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import PolicyContext, PolicySettings, TextPolicy
from policies.harassment.compose import (
    CAPITAL,
    DIRECT,
    Context,
    Match,
    MessageReading,
    Reading,
    Target,
    about_writer,
    as_written,
    context,
    earnest,
    first_mention,
    mentions_any,
    object_at,
    read_clause,
    read_message,
    reported_speech,
)
from policies.harassment.lexicon import Lexicon, Predicate, categories, fold_term, lexicon
from policies.language import Clause
from policies.registry import register
from policies.text import TextView

__all__ = ["HarassmentPolicy", "HarassmentSettings", "Lexicon", "clearing_modality", "lexicon"]

_STAFF_ROLES = frozenset(role for role in Role if role.is_staff)
_SCORE = {Severity.LOW: 0.55, Severity.MEDIUM: 0.75, Severity.HIGH: 0.9, Severity.CRITICAL: 0.97}
# How near a negator must stand to deny the act of a call on others ("niet geslagen").
_ACT_NEGATION = 2
# Said of a protected group, these categories are discrimination.
_GROUP_DISCRIMINATION = frozenset({"insult", "humiliation", "exclusion", "body_shaming"})


class HarassmentSettings(PolicySettings):
    """``allow``: words this group may use (for example ``kanker`` in a biology class group)."""

    allow: list[str] = Field(default_factory=list)
    # Report untargeted profanity as its own low finding (flag "profanity", principle P.3).
    profanity: bool = True
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {
            "low": [ActionKind.REMIND],
            "medium": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY],
            "high": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY, ActionKind.ESCALATE],
            "critical": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY,
                         ActionKind.ESCALATE],
        }
    )


def _quoted_call(clause: Clause, match: Match, ctx: Context) -> bool:
    """A call whose words are partly inside a quoted statement that someone said or wrote
    ("someone wrote 'all X should die'"): the quote's words, not the writer's call (but "comment
    allemaal '…' onder haar post" is the writer's)."""
    return ctx.saying and bool(ctx.stated) and any(clause.words[i] in ctx.stated
                                                   for i in match.positions)


def _category_label(category: str) -> str:
    return categories()[category].label


def event_targets(event: MessageEvent) -> list[Target]:
    out = [Target("reply", "antwoord aan een lid")] if event.reply_to_sender_id else []
    out += [Target("mention", f"@{m}") for m in event.mentions]
    return out


def vocatives(named: Sequence[Sequence[Target]], clauses: Sequence[Clause]) -> list[Target]:
    """A clause that only names someone ("sem," / "jij daar,") addresses the clauses after it."""
    out: list[Target] = []
    for clause, who in zip(clauses, named, strict=True):
        if who and len(clause.tokens) <= 2 and all(t.kind in DIRECT for t in who):
            out.extend(who)
    return out


def _most_specific(counted: list[tuple[Reading, str, Severity]]
                   ) -> list[tuple[Reading, str, Severity]]:
    """Of two readings of one class on the same words, the more specific: the longer term
    ("verrotslaan" over "slaan"), unless the shorter is the word as written ("mes", not "messen")."""
    def rank(reading: Reading) -> tuple[bool, int]:
        written = {reading.clause.words[i] for i in reading.match.positions}
        return reading.match.term.text in written, len(reading.match.term.text)

    # Readings compete only within their clause and class: grouped first, a paste's hundreds of
    # readings are not compared pair by pair (pinned to the all-pairs version by a property test).
    rivals: dict[tuple[int, int], list[Reading]] = {}
    for reading, _, _ in counted:
        rivals.setdefault((id(reading.clause), id(reading.match.predicate)), []).append(reading)
    out = []
    for item in counted:
        reading = item[0]
        if not any(other is not reading and reading.match.positions <= other.match.positions
                   and rank(other) > rank(reading)
                   for other in rivals[id(reading.clause), id(reading.match.predicate)]):
            out.append(item)
    return out


class Analysis(NamedTuple):
    """What ``HarassmentPolicy.readings`` read in one message."""

    readings: list[Reading]
    modifiers: list[Match]  # incitement and doxxing calls, read for the whole message
    context: Context
    clauses: tuple[Clause, ...]
    named: Sequence[Sequence[Target]]  # who each clause names (empty when nothing was found)
    words: frozenset[str]
    original: str
    message: MessageReading  # the shared reading (clauses, matches, targets)


@register
class HarassmentPolicy(TextPolicy):
    """A.10: bullying, threats, sexting, discrimination, exclusion, self-harm encouragement."""

    name: ClassVar[str] = "harassment"
    flag: ClassVar[str] = "harassment"
    article: ClassVar[str] = articles.A10
    order: ClassVar[int] = 20  # after personal data (doxxing reads its findings)
    settings_model: ClassVar[type[PolicySettings]] = HarassmentSettings
    # Swearing is reported in class and parent groups (a staff member's low finding there never
    # reaches the group: the planner keeps it out). Colleagues talking among themselves in a staff
    # group are not recorded for their language: that is not the bot's to keep (data minimisation).
    kind_defaults: ClassVar[Mapping[GroupKind, Mapping[str, Any]]] = {
        GroupKind.STAFF: {"profanity": False},
    }

    def __init__(self, env: Any = None, lex: Lexicon | None = None) -> None:
        super().__init__(env)
        self.lexicon = lex or lexicon()

    def readings(self, text: TextView, event: MessageEvent, staff: bool = False) -> Analysis:
        """Every predicate read in the message (cleared ones with the reason), the message-wide
        modifiers (incitement, doxxing, sextortion parts) and the message's context."""
        lex = self.lexicon
        message = read_message(lex, text.folded or text.normalized, text.original)
        clauses, found = message.clauses, message.found
        anything = any(found)
        # Who each clause names (only read when something hostile stands in the message).
        named = message.named if anything else tuple(() for _ in clauses)
        if anything:
            ctx = context(lex, text.word_set, text.original, staff, event_targets(event), clauses)
        else:  # nothing hostile to clear: the message's context is not needed
            ctx = Context(report=False, quoted=False, told=False, counter=False, game=False,
                          lesson=False, medical=False, laughter=False, hyperbole=False,
                          event_targets=tuple(event_targets(event)), staff=staff, complete=False)
        # A call on others, unless it is someone else's call reported ("iemand schreef dat
        # iemand hem moet slaan").
        if any(m.predicate.name == "incitement"
               and not reported_speech(lex, clause, max(m.positions, default=0))
               and clause.lemma_set.isdisjoint(m.predicate.words("selves"))
               and not _quoted_call(clause, m, ctx)
               for clause, ms in zip(clauses, found, strict=True) for m in ms):
            ctx = replace(ctx, inciting=True)
        if ctx.quote_only and ctx.laughter and any(m.predicate.mocking for ms in found
                                                   for m in ms):
            # "jullie raden nooit wat X schreef: '…' 😂": quoting to laugh, not to report
            ctx = replace(ctx, report=False)
        fallback = [*ctx.event_targets, *vocatives(named, clauses)]
        # Every clause's targets for the others; a group only from a clause that is not the
        # writer saying who they are ("ik ben moslim" names no one to judge; "ik heb moslims in
        # mn klas. ik haat ze" does). In clause order, so a clause's own are cut out by two
        # slices (``starts[i]``: where clause i's begin), not a scan per clause.
        given = [[t for t in ts if t.kind != "group" or not about_writer(lex, clauses[j].words)]
                 for j, ts in enumerate(named)]
        everyone = [t for ts in given for t in ts]
        starts = list(accumulate(map(len, given), initial=0))
        readings = []
        for i, (clause, clause_matches) in enumerate(zip(clauses, found, strict=True)):
            if clause_matches:
                elsewhere = everyone[: starts[i]] + everyone[starts[i + 1] :]
                readings += read_clause(lex, clause, list(clause_matches), ctx, fallback,
                                        elsewhere, named[i])
        # Calls on others; a call told as a story ("we moesten allemaal lachen") calls for nothing,
        # nor one on whoever acts on themself ("wie dat zegt moet zich schamen"), nor, in a game,
        # the writer's own move ("bij trefbal gooi ik jullie er allemaal uit").
        modifiers = [m for clause, ms in zip(clauses, found, strict=True) for m in ms
                     if m.predicate.name in ("incitement", "doxxing")
                     and clause.lemma_set.isdisjoint(m.predicate.words("story"))
                     and clause.lemma_set.isdisjoint(m.predicate.words("selves"))
                     and not _quoted_call(clause, m, ctx)
                     and not (ctx.game and not earnest(ctx, "threat")
                              and m.predicate.name == "incitement"
                              and not (lex.vocab.first_person_subject - lex.vocab.plural_self)
                              .isdisjoint(clause.words[:4]))
                     # ("iedereen die X post wordt verwijderd": the opening names people by what
                     # they do, it calls on no one)
                     and not (ctx.behaviour and clause is clauses[0]
                              and min(m.positions) == 0)]
        return Analysis(readings, modifiers, ctx, clauses, named, text.word_set, text.original,
                        message)

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        settings = ctx.settings
        if not isinstance(settings, HarassmentSettings):
            settings = HarassmentSettings.model_validate(settings.model_dump())
        if not settings.enabled or not text.words:
            return []
        analysis = self.readings(text, event, ctx.sender_role in _STAFF_ROLES)
        readings, mctx = analysis.readings, analysis.context
        allow = {fold_term(w) for w in settings.allow}
        counted: list[tuple[Reading, str, Severity]] = []
        profanity: list[Reading] = []
        cleared: list[str] = []
        for reading in readings:
            words = {reading.clause.tokens[i].word for i in reading.match.positions}
            if reading.match.term.text in allow or not words.isdisjoint(allow):
                cleared.append(f"'{reading.match.term.text}' toegestaan in deze groep")
                continue
            if reading.cleared:
                cleared.append(f"'{reading.match.term.text}' ({reading.cleared})")
                continue
            pred = reading.match.predicate
            if pred.category == "profanity":
                # Swearing is reported for everyone (staff too: the planner keeps a staff
                # member's low finding out of the group); a disease named in a lesson or about
                # family is no curse ("mijn opa heeft kanker"), a quoted word is not used.
                if not (mctx.report or mctx.quoted
                        or ((mctx.medical or mctx.lesson) and self._disease(reading))):
                    profanity.append(reading)
                continue
            category, severity = pred.category, pred.severity
            if reading.target.kind in ("group", "kind_of") and category in _GROUP_DISCRIMINATION:
                category, severity = "discrimination", max(severity, Severity.HIGH)
            counted.append((reading, category, severity))
        counted = _most_specific(counted)
        extra = self._combinations(analysis, ctx, counted)
        if counted or extra:
            return [self._finding(counted, extra, cleared, event)]
        if profanity and settings.profanity:
            terms = sorted({r.match.term.text for r in profanity})
            return [Finding(
                policy=self.name, flag="profanity", article=articles.P3, score=0.5,
                severity=Severity.LOW, category="profanity",
                evidence=f"vloeken, niet gericht aan iemand: {', '.join(terms)}",
                data={"terms": terms})]
        return []

    def _disease(self, reading: Reading) -> bool:
        """A curse that is also a disease ("kanker", "tering", "tyfus"), named as a disease ("mijn
        opa heeft kanker", "hoe kanker ontstaat"), not as an exclamation opening its clause
        ("kanker, mn sleutel is kwijt", "tering wat was die toets moeilijk")."""
        pred = reading.match.predicate
        diseases, after = pred.words("diseases"), pred.words("disease_after")
        words = reading.clause.words
        return any(words[i].startswith(d) and (
            i > 0 or (i + 1 < len(words) and words[i + 1] in after))
            for i in reading.match.positions for d in diseases)

    def _combinations(self, analysis: Analysis, ctx: PolicyContext,
                      counted: list[tuple[Reading, str, Severity]]
                      ) -> list[tuple[str, Severity, str]]:
        """Message-wide findings: sextortion, incitement, doxxing (category, severity, note)."""
        mctx, modifiers, clauses = analysis.context, analysis.modifiers, analysis.clauses
        lex = self.lexicon
        doxx = lex.predicates.get("doxxing")
        # Someone else's data that lets people reach or find them (not a grade or a diagnosis:
        # laughing about those is humiliation, not doxxing).
        reachable = doxx.words("data") if doxx is not None else frozenset()
        personal = any(f.flag == "personal_data" and (not f.category or f.category in reachable)
                       for f in ctx.prior_findings)
        doxx_call = personal and any(m.predicate.name == "doxxing" for m in modifiers)
        lemmas = frozenset().union(*(c.lemma_set for c in clauses)) if clauses else frozenset()
        # A call composed of its parts ("bel hem allemaal", "zaterdag gaan we erheen"); unlike the
        # phrases it does not overrule a report (a leak told to a teacher quotes the call).
        composed = personal and doxx is not None and self._doxx_composed(
            clauses, doxx, lemmas, any(f.flag == "personal_data" and f.category == "home_address"
                                       for f in ctx.prior_findings))
        # A report, unless it hands out someone's data to act on or calls on the group itself
        # ("let's all report her account and comment 'ugly'": the quote is the call's words)
        if mctx.report and not doxx_call and not (mctx.inciting and not (
                mctx.told or mctx.received or mctx.counter)):
            # (or a threat the writer asks others to pass on: "zeg maar tegen haar …")
            return self._all_of(analysis, lemmas, reported=True)
        out = self._all_of(analysis, lemmas)
        named = [t for ts in analysis.named for t in ts]
        aimed = bool(mctx.event_targets) or any(t.kind in DIRECT for t in named)
        sext = lex.predicates.get("sextortion")
        if sext is not None and all(mentions_any(clauses, sext.words(k), lemmas)
                                    for k in ("media", "spread", "demand")) and (
                aimed or any(t.kind in DIRECT for ts in analysis.message.named for t in ts)) and (
                mctx.complete or not context(lex, analysis.words, analysis.original, False,
                                             mctx.event_targets, clauses).report):
            out.append(("sextortion", sext.severity,
                        f"{categories()['sextortion'].label}: foto + verspreiden + eis"))
        incitement = [m for m in modifiers if m.predicate.name == "incitement"]
        # A call on others: it raises what was found, or is harassment itself when it names a
        # person and an act against them ("iedereen blokkeer jesse").
        acting = bool(incitement) and (bool(mctx.event_targets) or any(
            t.kind in DIRECT | {"third", "noun"} or (  # "his account", not "zijn een" (a verb)
                t.kind == "owner" and t.text.split(" ", 1)[0] not in lex.vocab.copulas)
            for t in named)) and self._acted(
            clauses, incitement[0].predicate.words("actions"), lemmas)
        if incitement and (counted or acting):
            pred = incitement[0].predicate
            out.append(("incitement", pred.severity,
                        f"{categories()['incitement'].label}: '{incitement[0].term.shown}'"))
        if doxx is not None and personal and (counted or doxx_call or composed):
            out.append(("doxxing", doxx.severity,
                        f"{categories()['doxxing'].label}: persoonsgegevens + spot of oproep"))
        return out

    def _doxx_composed(self, clauses: Sequence[Clause], doxx: Predicate,
                       lemmas: frozenset[str], home: bool = False) -> bool:
        """A call to act on someone's data, read in one clause from its parts: an act that reaches
        the person (``reach``) with a call on many or a shared intention (``calls``), or a grudge
        (``grudges``) with an offer to whoever wants it (``offers``); with a home address
        (``home``), going there together (``visits``). Not negated in its clause, not told as a
        story, not an invitation (``welcome``: "kom allemaal langs op het feest")."""
        reach, grudges = doxx.words("reach"), doxx.words("grudges")
        visiting = home and mentions_any(clauses, doxx.words("visits"), lemmas)
        if (lemmas.isdisjoint(reach | grudges) and not visiting) or mentions_any(
                clauses, doxx.words("welcome"), lemmas):
            return False
        negators, story = self.lexicon.vocab.negators, doxx.words("story")
        for clause in clauses:
            own = clause.lemma_set
            if not negators.isdisjoint(clause.words) or not own.isdisjoint(story):
                continue
            if visiting and mentions_any([clause], doxx.words("visits"), own):
                return True
            if own.isdisjoint(reach | grudges):
                continue
            calls = mentions_any([clause], doxx.words("calls"), own)
            if (calls and not own.isdisjoint(reach)) or (not own.isdisjoint(grudges) and (
                    calls or mentions_any([clause], doxx.words("offers"), own))):
                return True
        return False

    def _acted(self, clauses: Sequence[Clause], actions: frozenset[str],
               lemmas: frozenset[str]) -> bool:
        """An act of a call on others stands in the message, not negated right before or after it
        ("mijn zoon heeft hem niet geslagen. laten we het uitpraten" calls for no act; "niet
        lullen, gewoon gooien" does)."""
        words = frozenset(a for a in actions if " " not in a)
        negators = self.lexicon.vocab.negators
        return mentions_any(clauses, actions - words, lemmas) or (
            not lemmas.isdisjoint(words) and any(
                not t.lemmas.isdisjoint(words)
                and negators.isdisjoint(c.words[max(0, i - _ACT_NEGATION) : i + _ACT_NEGATION + 1])
                for c in clauses for i, t in enumerate(c.tokens)))

    def _all_of(self, analysis: Analysis, lemmas: frozenset[str], reported: bool = False
                ) -> list[tuple[str, Severity, str]]:
        """Message-wide classes (``all_of``): each of their lists stands somewhere in the message
        and, when the class names target kinds, the message names such a target ("mijn broer" +
        "wacht op je": a threat through others). In a message read as a report (``reported``)
        only a threat the writer asks to pass on counts, or a class whose grievance looks like
        one (``grievance``: "the people who laughed at me will see")."""
        clauses = analysis.clauses
        found: list[tuple[Predicate, list[str | None]]] = []
        for pred in self.lexicon.predicates.values():
            if not pred.all_of:
                continue
            words: list[str | None] = []
            for key in pred.all_of:  # the first list missing settles it (most messages: the first)
                words.append(first_mention(clauses, pred.words(key), lemmas, key in pred.loose))
                if words[-1] is None:
                    break
            else:
                found.append((pred, words))
        if not found:
            return []
        mctx = analysis.context
        if not mctx.complete:  # nothing else was hostile: the context was not read yet
            mctx = context(self.lexicon, analysis.words, analysis.original, mctx.staff,
                           mctx.event_targets, clauses)
            reported = reported or mctx.report
        kinds = {t.kind for t in mctx.event_targets} | {
            t.kind for ts in analysis.message.named for t in ts}
        out: list[tuple[str, Severity, str]] = []
        for pred, words in found:
            if reported and not ((mctx.relay and pred.category == "threat")
                                 or "grievance" in pred.all_of):
                continue
            if pred.targets and kinds.isdisjoint(pred.targets):
                continue
            if pred.category == "discrimination" and (mctx.counter or mctx.lesson):
                continue  # (an insinuation named to reject it, or history told)
            if (mctx.game and "game" in pred.cleared_by
                    and not earnest(mctx, pred.category)) or (
                    mctx.kitchen and "kitchen" in pred.cleared_by):
                continue
            shown = " + ".join(f"'{w}'" for w in words if w)
            out.append((pred.category, pred.severity,
                        f"{_category_label(pred.category)}: {shown} ({pred.label})"))
        return out

    def _finding(self, counted: list[tuple[Reading, str, Severity]],
                 extra: list[tuple[str, Severity, str]], cleared: list[str],
                 event: MessageEvent) -> Finding:
        labels = categories()
        notes = []
        ranked: list[tuple[Severity, str]] = []
        for reading, category, severity in counted:
            term = reading.match.term
            found = as_written(reading.clause, reading.match)
            notes.append(f"{labels[category].label}: '{reading.target.text}' + '{found}' "
                         f"({term.predicate.label})")
            ranked.append((severity, category))
        for category, severity, note in extra:
            notes.append(note)
            ranked.append((severity, category))
        # Of equal severity, doxxing names what was done (data handed out with a call) more
        # precisely than the call itself or a word said of the person.
        severity, category = max(ranked, key=lambda sc: (sc[0], sc[1] == "doxxing"))
        if any(c == "incitement" for _, c in ranked) and severity < Severity.HIGH:
            severity, category = Severity.HIGH, "incitement"
        evidence = "; ".join(dict.fromkeys(notes))
        if cleared:
            evidence += "; niet meegeteld: " + ", ".join(dict.fromkeys(cleared))
        direct = any(r.target.kind in DIRECT for r, _, _ in counted)
        return Finding(
            policy=self.name, flag=self.flag, article=self.article,
            score=min(0.99, _SCORE[severity] + (0.02 if direct else 0.0)),
            severity=severity, evidence=evidence, category=category,
            targets=tuple(t for t in (event.reply_to_sender_id, *event.mentions) if t),
            data={"hits": [{"term": r.match.term.text, "class": r.match.predicate.name,
                            "category": c, "severity": s.label, "target": r.target.text}
                           for r, c, s in counted],
                  "combinations": [c for c, _, _ in extra]},
        )


# The reasons a reading is cleared (compose._cleared) as the modality names the trained model reads.
_MODALITY = {
    "ontkend": "negation", "ontkend (niemand zegt dat)": "negation",
    "geciteerd of gemeld": "report", "geciteerd": "quotation", "tegenspraak": "counter_speech",
    "spel of sport": "game", "wij tegen zij (een wedstrijd)": "game", "lesstof": "lesson",
    "over de schrijver zelf": "self", "vriendschappelijk geplaag": "affection",
    "wat anderen doen": "counter_speech",
    "overdrijving": "hyperbole", "over een ding": "object",
    "aanvaard": "counter_speech", "een naam of werkwoord, geen scheldwoord": "homonym",
    "mensen om wat ze doen": "behaviour",
}


# The modalities that settle a message for the trained model: each changes what the hostile words
# mean (they are denied, quoted, opposed, meant in friendship, exaggerated, said of a thing). A
# reading the rules cleared for a weaker reason, that it was a game, a lesson or about the writer,
# or because a part of a rule was missing ("zonder spot", "niet in één zin"), leaves the message to
# the model: measured on unseen splits, the model was right on almost every such message it was
# sure of ("bij gym kiest niemand X", "ik gooi het in de kluisjes van die tyfuslijers").
_SETTLING = frozenset({"negation", "report", "quotation", "counter_speech", "affection",
                       "hyperbole", "object", "homonym", "behaviour"})


_THIRD_PERSONS = frozenset({"name", "mention", "noun", "owner"})
# (a name read from its capital is a person, but does not end lesson or game talk: "Caesar")
_PERSONS = (DIRECT | _THIRD_PERSONS) - {CAPITAL}


# Reasons a reading does not count that say nothing of the message's context.
_NOT_MODAL = frozenset({"niet over iemand gezegd"})


@lru_cache(maxsize=1)
def _reader() -> HarassmentPolicy:
    return HarassmentPolicy()


def clearing_modality(text: TextView, ctx: PolicyContext, event: MessageEvent) -> str | None:
    """Why the rules would clear this message by its context, or None: for the trained model
    (policies/harassment_model.py), which must not overrule a cleared message. A report or
    counter-speech clears the message; so does a message whose every hostile reading was cleared
    for a reason that changes what the words mean (``_SETTLING``: negation, quotation, a tease,
    exaggeration, a thing; a game between writer and reader); a lesson or a game clears a message
    that names no person; a staff member's message is theirs to judge."""
    staff = ctx.sender_role in _STAFF_ROLES
    analysis = _reader().readings(text, event, staff)
    mctx = analysis.context
    if not mctx.complete:  # nothing hostile was read; the model still needs the context
        mctx = context(_shared_lexicon(), text.word_set, text.original, staff,
                       mctx.event_targets, analysis.clauses)
    if mctx.report and not mctx.inciting:
        return "report"
    if mctx.counter:
        return "counter_speech"
    # (a word read but said of no one, "typical of those people …", leaves the message to the
    # model: only a clearing modality settles it)
    hostile = [r for r in analysis.readings if r.match.predicate.category != "profanity"
               and r.cleared not in _NOT_MODAL]
    modalities = {_MODALITY.get(r.cleared) for r in hostile}
    settling = _SETTLING
    if not any(t.kind in _THIRD_PERSONS for ts in analysis.message.named for t in ts):
        settling |= {"game"}  # "ik maak je af met fifa", not "zag je Sara d'r broek bij gym"
    if hostile and modalities <= settling:
        return sorted(modalities)[0]
    if staff:
        return "staff"
    # (someone named as a person, "die docent", "Sara d'r broek", is no game or lesson talk)
    addressed = bool(mctx.event_targets) or any(
        t.kind in _PERSONS for ts in analysis.message.named for t in ts)
    if not addressed and mctx.lesson:
        return "lesson"
    if not addressed and mctx.game:
        return "game"
    # A thing as the subject, nobody named ("die kutlaptop valt elke les uit", "die app van
    # school is een ramp").
    lex = analysis.message.lexicon
    determiners = lex.modality.get("objects_determiners", frozenset())
    if not mctx.event_targets and not any(analysis.message.named) and any(
            (at := object_at(lex, c)) is not None and 0 < at <= 2
            and c.words[at - 1 if at == 1 else 0] in determiners for c in analysis.clauses):
        return "object"
    return None


def _shared_lexicon() -> Lexicon:
    return _reader().lexicon
