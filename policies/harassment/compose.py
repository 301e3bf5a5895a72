"""Composition: a finding is a TARGET × a HOSTILE PREDICATE read within one clause, minus the
MODALITY that clears it. Plain functions over ``policies.language`` clauses and the data of
``lexicon.py``; the policy (``__init__``) turns readings into findings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.findings import Severity
from policies.harassment.lexicon import Lexicon, Predicate, Term
from policies.language import Clause
from policies.language.clauses import has_sequence
from policies.normalize import fold, normalize

# Target kinds that name one person directly (a lesson or a game never clears these by itself).
DIRECT = frozenset({"second", "name", "mention", "reply"})
# Words that open an exclamation about someone ("wat een sukkel", "what an idiot").
_EXCLAMATION = (("wat", "een"), ("wat", "n"), ("what", "a"), ("what", "an"), ("such", "a"))
_QUOTES = frozenset("'\"‘’“”„«»`")
# A short stretch between quote marks: a word mentioned, not used ('"kankermongool" als scheldwoord').
_QUOTED = re.compile(r"[\"“”„«»‘’']([^\"“”„«»‘’'\n]{1,40})[\"“”„«»‘’']")


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # second, name, mention, reply, third, noun, group, kind_of, addressed, none
    text: str  # as the mentor reads it
    position: int = -1  # token index in the clause (-1: from the event or the message)


@dataclass(frozen=True, slots=True)
class Match:
    term: Term
    positions: frozenset[int]  # tokens of the clause the term used

    @property
    def predicate(self) -> Predicate:
        return self.term.predicate


@dataclass(frozen=True, slots=True)
class Reading:
    """One predicate read in one clause: aimed at ``target``, or cleared with ``cleared``."""

    match: Match
    target: Target
    clause: Clause
    cleared: str = ""  # why it does not count ("ontkend", "spel of sport", …)


@dataclass(frozen=True, slots=True)
class Context:
    """What holds for the whole message."""

    report: bool  # quoting or reporting someone else's words
    quoted: bool  # quote marks around words
    told: bool  # a teacher or other adult is addressed ("juf, …", "meneer, …")
    counter: bool  # rejecting what others say
    game: bool
    lesson: bool
    medical: bool
    laughter: bool
    hyperbole: bool
    event_targets: tuple[Target, ...]  # the replied-to member, mentions
    staff: bool = False  # a teacher or staff member wrote it (their swearing is not reported)
    affection: bool = False  # a friendly tease ("haha jij sukkel ❤️")
    inciting: bool = False  # a call on others: then a quote is a message to spread, not a report
    mentioned: frozenset[str] = frozenset()  # words standing between quote marks
    complete: bool = True  # False: not read (nothing hostile in the message)


def matches(lex: Lexicon, clause: Clause) -> list[Match]:
    """Every predicate term standing in the clause (one-word terms by lemma, phrases when all their
    words are there in any order), plus Dutch curse compounds and label suffixes."""
    out: list[Match] = []
    if clause.lemma_set.isdisjoint(lex.triggers) and not any(
            len(w) >= 6 and w not in lex.common for w in clause.words):
        return out  # no lexicon word, no unknown long word that may be a compound
    for i, token in enumerate(clause.tokens):
        terms = lex.terms_of(token.lemmas)
        if not terms and len(token.word) >= 6 and token.word not in lex.common:
            terms = lex.compounds_of(token.word)
        if terms:
            at = frozenset({i})
            out.extend(Match(term, at) for term in terms)
    lemma_set = clause.lemma_set
    seen: set[int] = set()
    for key in lemma_set & lex.phrase_keys:
        for term in lex.phrases[key]:
            if id(term) not in seen and all(not part.isdisjoint(lemma_set) for part in term.parts):
                seen.add(id(term))
                used = frozenset(i for part in term.parts for i in clause.find(part))
                out.append(Match(term, used))
    return out


def compound_terms(lex: Lexicon, word: str) -> list[Term]:
    """``kankerlijer`` (a curse + a person word), ``kankerturk`` (+ a group: a slur),
    ``teringzooi`` (+ anything: a curse), ``aandachtshoer`` (anything + a label for a person)."""
    profanity = lex.predicates.get("profanity")
    if profanity is not None and word not in profanity.words("ordinary"):
        for prefix in sorted(profanity.words("prefixes"), key=len, reverse=True):
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                tail = word[len(prefix):]
                if tail in lex.groups and "slurs" in lex.predicates:
                    return [Term(word, (frozenset({word}),), "standalone", lex.predicates["slurs"])]
                labels = [t for t in lex.single.get(tail, ()) if t.role == "standalone"]
                if labels:
                    return labels
                if tail in profanity.words("insult_tails") and "insult_labels_strong" in lex.predicates:
                    return [Term(word, (frozenset({word}),), "standalone",
                                 lex.predicates["insult_labels_strong"])]
                return [Term(word, (frozenset({word}),), "words", profanity)]
    body = lex.predicates.get("body")
    for start in range(3, len(word) - 3):
        head, tail = word[:start], word[start:]
        labels = [t for t in lex.single.get(tail, ()) if t.role == "standalone"]
        if labels:
            return labels
        if (body is not None and "body_labels" in lex.predicates and head in body.words("heads")
                and tail in body.words("parts") and word not in body.words("ordinary")):
            return [Term(word, (frozenset({word}),), "standalone", lex.predicates["body_labels"])]
    return []


def targets(lex: Lexicon, clause: Clause) -> list[Target]:
    """Who the clause names: you, a name or mention, he/she, "die jongen", a protected group,
    "die soort X"."""
    vocab = lex.vocab
    out: list[Target] = []
    words = clause.words
    for i, token in enumerate(clause.tokens):
        word = token.word
        if token.mention:
            out.append(Target("mention", "@" + word, i))
        elif word in vocab.second_person:
            out.append(Target("second", word, i))
        elif word in vocab.third_person:
            out.append(Target("third", word, i))
        elif word in lex.names:
            out.append(Target("name", word, i))
        elif word in lex.person_nouns and i > 0:
            out.append(Target("noun", f"{words[i - 1]} {word}", i))
        elif word in vocab.third_possessive and i + 1 < len(words):
            out.append(Target("owner", f"{word} {words[i + 1]}", i))
        elif word in vocab.kind_of and i + 1 < len(words):
            out.append(Target("kind_of", f"{word} {words[i + 1]}", i))
        else:
            group = next((lex.groups[lemma] for lemma in token.lemmas if lemma in lex.groups), None)
            if group is None and len(word) > 8 and word.endswith(lex.person_suffixes):
                # "hoofddoekjesmeisje", "moslimjongen": a person named by their group
                group = next((lex.groups[word[:k]] for k in range(3, len(word) - 3)
                              if word[:k] in lex.groups), None)
            if group is not None:
                out.append(Target("group", f"{word} ({group})", i))
    return out


def context(lex: Lexicon, words: frozenset[str], original: str, staff: bool,
            event_targets: Sequence[Target], clauses: Sequence[Clause]) -> Context:
    mod = lex.modality
    lemmas = frozenset().union(*(c.lemma_set for c in clauses)) if clauses else frozenset()
    every = tuple(w for c in clauses for w in c.words)

    def phrase(table: str) -> bool:  # modality is read for the whole message
        return any(not words.isdisjoint(p[:1]) and has_sequence(every, p)
                   for p in lex.modality_phrases.get(table, ()))

    verbs = mod.get("report_verbs", frozenset())
    report_verb = not lemmas.isdisjoint(verbs)
    # Someone told: a teacher addressed at the start of the message or on their own ("juf, …",
    # "…, sir, can you help"), not a teacher talked about ("die mentor zegt …").
    addressees = mod.get("report_addressees", frozenset())
    told = any(c.words and c.words[0] in addressees and (i == 0 or len(c.words) <= 3)
               for i, c in enumerate(clauses))
    # A victim: the writer as the object of a report verb ("noemde me", "said to me"), not "eerlijk
    # gezegd … mijn zoon".
    victims = mod.get("report_victims", frozenset())
    victim = report_verb and any(  # (only when a report verb is there)
        not t.lemmas.isdisjoint(verbs) and not victims.isdisjoint(c.words[i + 1 : i + 4])
        for c in clauses for i, t in enumerate(c.tokens))
    quoted = sum(original.count(q) for q in _QUOTES) >= 2
    counter = (not lemmas.isdisjoint(mod.get("counter_speech_words", ()))
               or phrase("counter_speech"))
    return Context(
        report=report_verb and (told or victim or quoted or counter),
        quoted=quoted,
        told=told,
        counter=counter,
        affection=not words.isdisjoint(mod.get("affection_words", ())) or phrase("affection")
        or any(e in original for e in mod.get("affection_words", ()) if not e.isalnum()),
        # A game word, or a compound ending in one ("zaalvoetbal", "schooltoernooi").
        game=not lemmas.isdisjoint(mod.get("game_words", ())) or any(
            w.endswith(lex.game_suffixes) for w in words if len(w) > 7),
        lesson=not lemmas.isdisjoint(mod.get("lesson_words", ())) or phrase("lesson"),
        medical=not words.isdisjoint(mod.get("lesson_medical", ())),
        laughter=(not words.isdisjoint(lex.vocab.laughter)
                  or any(e in original for e in lex.vocab.laughter if not e.isalnum())),
        hyperbole=phrase("hyperbole") or not words.isdisjoint(mod.get("hyperbole_phrases", ())),
        event_targets=tuple(event_targets),
        staff=staff,
        mentioned=frozenset(w for span in _QUOTED.findall(original)
                            for w in fold(normalize(span)).split()),
    )


# How far a negator reaches: up to four words before what it negates ("ik ga je heus niet in elkaar
# trappen"), two after ("ik steek je morgen niet"), never past a subordinating word ("als je niet
# betaalt sla ik je": the "niet" belongs to the condition).
NEGATION_BEFORE = 4
NEGATION_AFTER = 2


def _denied(lex: Lexicon, clause: Clause, used: Iterable[int]) -> bool:
    """"niemand zegt dat je dom bent", "ik heb nooit gezegd dat ...": a denier right before a
    verb of saying or wanting, before the predicate."""
    first = min(used, default=0)
    vocab = lex.vocab
    for i, token in enumerate(clause.tokens[:first]):
        if token.word in vocab.deniers and any(
                not t.lemmas.isdisjoint(vocab.denial_verbs)
                for t in clause.tokens[max(0, i - 2) : i + 4]):
            return True
    return False


def negated(lex: Lexicon, clause: Clause, used: Iterable[int], after: int = NEGATION_AFTER
            ) -> bool:
    """Whether a negator stands in the scope of the words at ``used`` (``after``: how far after
    them it may stand; a noun is negated before it, "geen sukkel", a verb also after it)."""
    used = set(used)
    if not used:
        return False
    first, last = min(used), max(used)
    words = clause.words
    breaks = lex.vocab.scope_breaks
    for i, word in enumerate(words):
        if word not in lex.vocab.negators or i in used:
            continue
        if first - NEGATION_BEFORE <= i < first:
            between = words[i + 1 : first]
        elif last < i <= last + after:
            between = words[last + 1 : i]
        else:
            continue
        if breaks.isdisjoint(between):
            return True
    return False


def _linked(lex: Lexicon, clause: Clause, target: Target, positions: frozenset[int]) -> bool:
    """The predicate is said *of* the target: a copula in the clause ("je bent dom"), the target
    right beside it ("domme jij", "jij aap"), or an exclamation ("wat een aap ben jij")."""
    if target.position < 0:
        return True
    words = clause.words
    if not set(words).isdisjoint(lex.vocab.copulas | lex.vocab.possession):
        return True
    if not clause.lemma_set.isdisjoint(match_parts(lex)):
        return True
    if any(abs(target.position - p) <= 2 for p in positions):
        return True
    return any(has_sequence(words, e) for e in _EXCLAMATION)


def _exclaimed(clause: Clause, positions: frozenset[int]) -> bool:
    """"wat een (domme) aap": an exclamation about someone, just before the word."""
    words = clause.words
    first = min(positions)
    return any(tuple(words[i : i + 2]) in _EXCLAMATION for i in range(max(0, first - 3), first))


def mentions_any(clauses: Sequence[Clause], entries: Iterable[str],
                 lemmas: frozenset[str] | None = None) -> bool:
    """Whether any entry stands in the message: a word by lemma (``lemmas``: every lemma of the
    message, when already known), several words in a row."""
    if lemmas is None:
        lemmas = frozenset().union(*(c.lemma_set for c in clauses)) if clauses else frozenset()
    for entry in entries:
        if " " not in entry:
            if entry in lemmas:
                return True
        elif any(has_sequence(c.words, entry.split()) for c in clauses):
            return True
    return False


def match_parts(lex: Lexicon) -> frozenset[str]:
    """Body parts: "jesse has the ugliest teeth" links the judgement to its owner."""
    body = lex.predicates.get("body")
    return body.words("parts") if body is not None else frozenset()


def read_clause(lex: Lexicon, clause: Clause, found: Sequence[Match], ctx: Context,
                fallback: Sequence[Target], elsewhere: Sequence[Target] = (),
                named: Sequence[Target] | None = None) -> list[Reading]:
    """Every predicate of the clause (``found``: its matches) with the target it is aimed at, or
    why it is cleared. ``fallback``: the replied-to member, mentions and a name said on its own
    ("sem, ..."); ``elsewhere``: who other clauses of the message name (for what is done *to*
    someone, not said *of* them: "als ik die Ilias zie, breek ik zijn benen")."""
    if not found:
        return []
    vocab = lex.vocab
    words = set(clause.words)
    named = targets(lex, clause) if named is None else named
    # The writer acts ("ik sla je"), or calls on others to act ("wie durft hem te slaan").
    agent = not words.isdisjoint(vocab.first_person_subject) or any(
        m.predicate.name == "incitement" for m in found)
    self_only = (agent or not words.isdisjoint(vocab.first_person)) and not named
    readings: list[Reading] = []
    for match in found:
        pred = match.predicate
        term = match.term
        if pred.category == "self_harm_risk" or pred.name in ("incitement", "doxxing"):
            continue  # wellbeing, and modifiers read for the whole message
        if (pred.category in ("death_wish", "self_harm")
                and not words.isdisjoint(vocab.first_person_object)
                and not any(t.kind in DIRECT | {"noun", "group", "kind_of"} for t in named)):
            continue  # "ze zijn beter af zonder mij": the writer about themself (wellbeing)
        kinds = pred.word_targets if term.role == "words" and pred.word_targets else pred.targets
        # A phrase may hold its own target ("nobody wants you"); a word is not its own target.
        candidates = [t for t in named
                      if (t.position not in match.positions or len(term.parts) > 1)
                      and not (pred.linked and t.kind == "owner")
                      and (not kinds or t.kind in kinds)]
        if pred.name == "self_harm":
            # Encouragement: the reader is the one told to do it ("ga je ophangen", "kys"); the
            # writer speaking of themself is the wellbeing rule's.
            if not words.isdisjoint(vocab.first_person_object | vocab.first_person_subject):
                continue
            if pred.reflexive and term.role == "verbs" and words.isdisjoint(
                    vocab.second_person_reflexive):
                continue  # "you killed it" is praise; "kill yourself" is not
        if term.role == "addressed":
            if agent and words.isdisjoint(vocab.second_person):
                continue  # "ik ga dood van de hitte": the writer about themself
            target = candidates[0] if candidates else Target("addressed", "aangesproken lezer")
        elif term.role == "standalone" or pred.category == "profanity":
            target = candidates[0] if candidates else (
                fallback[0] if fallback else Target("none", "iemand"))
        else:
            pool = candidates or [t for t in [*fallback, *([] if pred.linked else elsewhere)]
                                  if not kinds or t.kind in kinds]
            if not pool and pred.linked and _exclaimed(clause, match.positions):
                pool = [Target("exclamation", "iemand (uitroep)")]
            if not pool:
                continue
            target = pool[0]
        reading = Reading(match, target, clause, _cleared(lex, clause, match, target, ctx,
                                                          agent, self_only, named))
        readings.append(reading)
    return readings


def _cleared(lex: Lexicon, clause: Clause, match: Match, target: Target, ctx: Context,
             agent: bool, self_only: bool, named: Sequence[Target]) -> str:
    pred = match.predicate
    vocab = lex.vocab
    words = set(clause.words)
    if ctx.report and not ctx.inciting:
        return "geciteerd of gemeld"
    if ctx.counter and pred.category != "threat":
        return "tegenspraak"
    if (match.term.role in ("standalone", "words") and not ctx.inciting and ctx.mentioned
            and all(clause.tokens[i].word in ctx.mentioned for i in match.positions)):
        return "geciteerd"
    if _denied(lex, clause, match.positions):
        return "ontkend (niemand zegt dat)"
    if (ctx.affection and pred.category in ("insult", "body_shaming", "humiliation")
            and match.predicate.severity <= Severity.MEDIUM):
        return "vriendschappelijk geplaag"
    if pred.negatable and negated(lex, clause, match.positions,
                                  NEGATION_AFTER if match.term.role == "verbs" else 0):
        return "ontkend"
    if pred.agent:
        if not agent:
            return "niet door de schrijver"
        if (words.isdisjoint(vocab.first_person_subject - vocab.plural_self)
                and all(t.kind == "third" and t.text in vocab.plural_third for t in named)):
            return "wij tegen zij (een wedstrijd)"
    if ctx.game and ("game" in pred.cleared_by
                     or (match.term.role == "standalone" and target.kind not in DIRECT)):
        return "spel of sport"
    if ctx.lesson and target.kind not in DIRECT:
        return "lesstof"
    if pred.hyperbole and ctx.hyperbole:  # laughter never excuses telling someone to hurt themself
        return "overdrijving"
    if pred.mocking and not ctx.laughter:
        return "zonder spot"
    if match.term.role == "standalone" and self_only:
        return "over de schrijver zelf"
    if pred.linked and match.term.role == "words" and not _linked(lex, clause, target,
                                                                   match.positions):
        return "niet over iemand gezegd"
    return ""
