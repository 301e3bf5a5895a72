"""Composition: a finding is a TARGET × a HOSTILE PREDICATE read within one clause, minus the
MODALITY that clears it. Plain functions over ``policies.language`` clauses and the data of
``lexicon.py``; the policy (``__init__``) turns readings into findings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from core.findings import Severity
from policies.harassment.lexicon import Lexicon, Predicate, Term, fold_term
from policies.language import Clause
from policies.language.clauses import find_sequence, has_sequence
from policies.normalize import fold, normalize

# The characteristic of a group's places in targets.toml ("moskee", "synagogue"): threats only.
PLACES = "places"
# Target kinds that name one person directly (a lesson or a game never clears these by itself).
DIRECT = frozenset({"second", "name", "capital", "mention", "reply"})
# A name the list does not know, read from its capital ("Rosa"): a person like any name, but one
# that does not end lesson or game talk ("in history we read how Caesar was stabbed").
CAPITAL = "capital"
# Labels a game or a match never excuses: a body, sex or a group is no part of the play ("dikke
# walvis kan niet eens over de bok springen bij gym").
_NOT_GAME_TALK = frozenset({"body_shaming", "sexual", "discrimination"})
# Categories a lesson word never makes lesson content: swearing is cleared by the policy (only
# diseases), and leaving someone out of a project group or laughing at a talk is what happens at
# school, not what is taught ("zet hem niet in je groepje voor het project").
_NOT_LESSON_CONTENT = frozenset({"profanity", "exclusion", "humiliation"})
# Words that open an exclamation about someone ("wat een sukkel", "what an idiot").
_EXCLAMATION = (("wat", "een"), ("wat", "n"), ("what", "a"), ("what", "an"), ("such", "a"))
_QUOTES = frozenset("'\"‘’“”„«»`")
# A short stretch between quote marks: a word mentioned, not used ('"kankermongool" als scheldwoord').
_QUOTED = re.compile(r"[\"“”„«»‘’']([^\"“”„«»‘’'\n]{1,40})[\"“”„«»‘’']")
# An apostrophe inside a word ("i'm", "mum's", "zo'n") elides letters: it quotes nothing.
_ELISION = re.compile(r"(?<=[^\W\d_])['‘’`](?=[^\W\d_])")


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
    staff: bool = False  # a teacher or staff member wrote it (the trained model leaves it alone)
    scorn: bool = False  # a sign of mockery that is not laughter ("huilie 👶"), see language.toml
    affection: bool = False  # a friendly tease ("haha jij sukkel ❤️")
    inciting: bool = False  # a call on others: then a quote is a message to spread, not a report
    mentioned: frozenset[str] = frozenset()  # words standing between quote marks
    # Words of a statement between quote marks (two words or more: "'X zijn Y' is geen mening"):
    # a group named inside it is mentioned, not spoken of ("die 'vluchtelingen'" stays scare quotes).
    stated: frozenset[str] = frozenset()
    complete: bool = True  # False: not read (nothing hostile in the message)
    contrast: bool = False  # "…, maar …": what a disclaimer needs to count
    kitchen: bool = False  # cooking or eating: a knife is a tool ("een mes voor de taart")
    # The writer asks others to pass a message on ("zeg dat maar tegen haar", "tell her …"): a
    # threat sent through others is delivered, not reported.
    relay: bool = False
    cued: frozenset[str] = frozenset()  # classes whose ``cues`` stand in the message
    # The words of the hyperbole phrases that stand in the message ("van het lachen"): no hostile
    # word in their own right ("ik schiet me dood van het lachen om meneer 😂" mocks no one).
    hyperbole_words: frozenset[str] = frozenset()
    # The lesson words that made it a lesson, when no lesson phrase did: a lesson word that is the
    # hostile word itself ("X zijn dieren") makes no lesson of it.
    lesson_words: frozenset[str] = frozenset()
    # A report only by quote marks (no adult told, no victim, nothing received): with laughter
    # and mockery it is someone's words spread to laugh at, not reported.
    quote_only: bool = False
    received: bool = False  # a message the writer or their own received, passed on
    saying: bool = False  # a verb of saying or writing ("someone wrote '…'")
    # The writer insists they mean it ("ik meen het", "geen grap", "no joke"): a threat is then no
    # part of a game or a match, unless laughter or affection says otherwise.
    serious: bool = False
    # Words written with a capital in the middle of a sentence that name a people
    # (``[homonyms] peoples``: "hoe de Mongolen leefden"): a name, no slur.
    proper: frozenset[str] = frozenset()
    # The message opens with people named by what they do ("mensen die hun hond …", "ouders die
    # tot de deur rijden": ``[behaviour]``) and names no person: a complaint about behaviour.
    behaviour: bool = False
    # The writer names their own family ("mijn dochter", "our son"): a parent's question about
    # their own child ("…, is dat een probleem bij gym?") asks about a thing, not a group.
    family: bool = False


# A capitalised word inside a sentence: after a letter and a space.
_MID_CAPITAL = re.compile(r"(?<=[^\W\d_] )[^\W\d_a-z][^\W\d_]+")


def matches(lex: Lexicon, clause: Clause,
            phrases: Mapping[str, Sequence[Term]] | None = None) -> list[Match]:
    """Every predicate term standing in the clause (one-word terms by lemma, phrases when all their
    words are there in any order), plus Dutch curse compounds and label suffixes. ``phrases``: the
    lexicon's phrases by key, or only those that can stand in the clause's message
    (``phrases_in``)."""
    out: list[Match] = []
    for i, token in enumerate(clause.tokens):
        terms = lex.terms_of(token.lemmas)
        if not terms and len(token.word) >= 6 and token.word not in lex.common:
            terms = lex.compounds_of(token.word)
        if terms:
            at = frozenset({i})
            out.extend(Match(term, at) for term in terms)
    # A curse written apart from the person or group word it is glued to in speech ("kut joch",
    # "kk turken"): read as the compound ("kutjoch", "kkturken").
    profanity = lex.predicates.get("profanity")
    if profanity is not None and any(m.term.predicate is profanity for m in out):
        prefixes = profanity.words("prefixes")
        slurs = lex.predicates.get("slurs")
        for i in range(len(clause.tokens) - 1):
            word, following = clause.tokens[i].word, clause.tokens[i + 1]
            terms: list[Term] = []
            if word in prefixes:
                terms = [t for t in lex.compounds_of(word + following.word)
                         if t.predicate is not profanity]
            if (not terms and slurs is not None
                    and lex.groups.get(following.word, PLACES) != PLACES  # ("shit man",
                    # "kkr druk in de moskee": no slur)
                    and any(t.predicate is profanity for t in lex.terms_of(frozenset({word})))):
                # "kk turken", "fucking muslims": a curse on a group is a slur
                terms = [Term(f"{word} {following.word}", (frozenset({word}),
                                                           frozenset({following.word})),
                              "standalone", slurs)]
            out.extend(Match(term, frozenset({i, i + 1})) for term in terms)
    lemma_set = clause.lemma_set
    phrases = lex.phrases if phrases is None else phrases
    seen: set[int] = set()
    for key in sorted(lemma_set & phrases.keys()):  # a fixed order, never set order
        for term in phrases[key]:
            if (term.required <= lemma_set and id(term) not in seen
                    and all(not part.isdisjoint(lemma_set) for part in term.parts)):
                seen.add(id(term))
                if term.in_row:
                    start = _in_row(clause, term.parts)
                    if start is not None:
                        out.append(Match(term, frozenset(range(start, start + len(term.parts)))))
                    continue
                used = frozenset(i for part in term.parts for i in clause.find(part))
                # A feeling reaches into its "dat" clause ("gevoel dat ik verdwijn"); other
                # phrases stop there.
                if term.predicate.category == "self_harm_risk" or not _spans_a_break(
                        lex, clause, used):
                    out.append(Match(term, used))
    return out


def _spans_a_break(lex: Lexicon, clause: Clause, used: frozenset[int]) -> bool:
    """Whether a phrase's words stand on both sides of the start of a subordinate clause, its
    opening word before a subject ("ik wil benadrukken dat niemand wordt uitgesloten" is not
    "niemand wil"; "dat mes" opens nothing)."""
    words = clause.words
    vocab = lex.vocab
    opens = vocab.scope_breaks
    subjects = (vocab.second_person | vocab.first_person_subject | vocab.third_person
                | vocab.quantifiers)
    return any(words[i] in opens and i + 1 < len(words) and words[i + 1] in subjects
               for i in range(min(used) + 1, max(used)) if i not in used)
def _in_row(clause: Clause, parts: Sequence[frozenset[str]]) -> int | None:
    """Where the parts stand in a row, in order, each by lemma; None when they do not."""
    tokens = clause.tokens
    for i in range(len(tokens) - len(parts) + 1):
        if all(not tokens[i + k].lemmas.isdisjoint(part) for k, part in enumerate(parts)):
            return i
    return None


def phrases_in(lex: Lexicon, lemmas: frozenset[str]) -> dict[str, list[Term]]:
    """The phrases (by key, each key's in the lexicon's order) with every part among ``lemmas``,
    the lemmas of a whole message: a clause holds a subset of them, so the others cannot stand in
    any of its clauses. A paste tries each phrase once here instead of once per clause with its
    key."""
    out: dict[str, list[Term]] = {}
    for key in lemmas & lex.phrase_keys:
        kept = [t for t in lex.phrases[key]
                if t.required <= lemmas and all(not part.isdisjoint(lemmas) for part in t.parts)]
        if kept:
            out[key] = kept
    return out


def may_match(lex: Lexicon, clause: Clause) -> bool:
    """False when ``matches`` cannot find anything in the clause: no lexicon word, no unknown long
    word that may be a compound (one set test; most clauses of a paste stop here)."""
    return not clause.lemma_set.isdisjoint(lex.triggers) or any(
        len(w) >= 6 for w in set(clause.words) - lex.common)


def may_name(lex: Lexicon, clause: Clause, names: frozenset[str] = frozenset()) -> bool:
    """False when ``targets`` cannot find anyone in the clause: no word or lemma of its tests
    (``Lexicon.target_words``; a token's lemmas hold its word), no name written with a capital
    (``names``), no mention, no long word with a person suffix."""
    return not clause.lemma_set.isdisjoint(lex.target_words) or (
        bool(names) and not clause.lemma_set.isdisjoint(names)) or any(
        t.mention or (len(t.word) > 8 and t.word.endswith(lex.person_suffixes))
        or (t.word[-1:] == "s" and (t.word[:-1] in lex.names or t.word[:-1] in names))
        for t in clause.tokens)


class MessageReading:
    """One message read once for every rule that needs it (harassment, wellbeing, the trained
    model's clearing hook): its clauses, the predicate terms standing in each, and who each clause
    names (computed the first time a rule asks: a message without anything hostile never needs
    it)."""

    def __init__(self, lex: Lexicon, text: str, original: str = "") -> None:
        self.lexicon = lex
        self.original = original  # as written: its capitals say which unknown words are names
        self.clauses: tuple[Clause, ...] = lex.reader.read(text)
        lemmas = frozenset().union(*(c.lemma_set for c in self.clauses))
        # A clause proved empty by one set test is not read word by word, and a clause is tried
        # only for the phrases whose words all stand in the message (both pinned to reading every
        # clause by property tests, tests/test_language.py).
        phrases = phrases_in(lex, lemmas)
        self.found: tuple[tuple[Match, ...], ...] = tuple(
            tuple(matches(lex, clause, phrases)) if may_match(lex, clause) else ()
            for clause in self.clauses)
        self._named: tuple[tuple[Target, ...], ...] | None = None

    @property
    def named(self) -> tuple[tuple[Target, ...], ...]:
        if self._named is None:
            lex = self.lexicon
            names = capitalised_names(lex, self.original)
            self._named = tuple(tuple(targets(lex, c, names)) if may_name(lex, c, names) else ()
                                for c in self.clauses)
        return self._named


# The latest messages: the text rules of one message share its reading (kept small, as
# ``Reader.read``: every cached paste is objects the garbage collector walks).
@lru_cache(maxsize=2)
def read_message(lex: Lexicon, text: str, original: str = "") -> MessageReading:
    """``text``: the folded message; ``original``: as written (for names written with a
    capital)."""
    return MessageReading(lex, text, original)


# A capitalised word ("Rosa", "Zoë", "Elif's"): a capital, then only small letters.
_CAPITALISED = re.compile(r"(?<![\w'’@#/.-])([A-ZÀ-Þ][^\W\d_A-ZÀ-Þ]{2,})(?:['’]s)?(?![\w@'’-])")
_NAME_SCAN = 4000  # the first characters, as the word lists read them
_PREVIOUS_WORD = re.compile(r"(\w+)\W*$")


def capitalised_names(lex: Lexicon, original: str) -> frozenset[str]:
    """Names the list does not know, as the personal-data rule reads them: a word written with a
    capital in the middle of a sentence (after a word or a comma: "bij gym kiest niemand Rosa"),
    that is no ordinary word (wordfreq), no lexicon or group word and no place, brand, feast or
    subject (``Lexicon.not_names``), does not end like a place, a street or an adjective of
    origin ("Zaandam", "Kerkstraat", "Antilliaanse") and follows no place preposition ("in
    Ede"). A message written in title case (most of its words capitalised) says nothing by its
    capitals."""
    text = original[:_NAME_SCAN]
    if not text or text.islower():
        return frozenset()
    found = list(_CAPITALISED.finditer(text))
    if not found or (len(found) >= 3 and 2 * len(found) > text.count(" ") + 1):
        return frozenset()
    out: set[str] = set()
    known: dict[str, str | None] = {}  # as written -> the word when it may be a name
    for match in found:
        written = match.group(1)
        if written not in known:
            word = written.lower() if written.isascii() else fold_term(written)
            known[written] = None if (
                word in lex.names or word in lex.not_names or word in lex.triggers
                or word.endswith(lex.not_name_endings)) else word
        word = known[written]
        if word is None or word in out:
            continue
        at = match.start() - 1
        while at >= 0 and text[at].isspace():
            at -= 1
        if at < 0 or not (text[at].isalnum() or text[at] == ","):
            continue  # a sentence starts with a capital
        before = _PREVIOUS_WORD.search(text, max(0, at - 15), at + 1)
        if before is not None and before.group(1).casefold() in lex.place_before:
            continue
        out.add(word)
    return frozenset(out)


def compound_terms(lex: Lexicon, word: str) -> list[Term]:
    """``kankerlijer`` (a curse + a person word), ``kankerturk`` (+ a group: a slur),
    ``teringzooi`` (+ anything: a curse), ``aandachtshoer`` (anything + a label for a person)."""
    profanity = lex.predicates.get("profanity")
    if profanity is not None and word not in profanity.words("ordinary"):
        for prefix in sorted(profanity.words("prefixes"), key=len, reverse=True):
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                tail = word[len(prefix):]
                if lex.groups.get(tail, PLACES) != PLACES and "slurs" in lex.predicates:
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


def targets(lex: Lexicon, clause: Clause, names: frozenset[str] = frozenset()) -> list[Target]:
    """Who the clause names: you, a name or mention (``names``: names the list does not know,
    written with a capital, ``capitalised_names``), he/she, "die jongen", a protected group,
    "die soort X"."""
    vocab = lex.vocab
    out: list[Target] = []
    words = clause.words
    tokens = clause.tokens
    for i, token in enumerate(tokens):
        word = token.word
        if token.mention:
            out.append(Target("mention", "@" + word, i))
        elif word in vocab.second_person:
            out.append(Target("second", word, i))
        elif word in vocab.third_person:
            out.append(Target("third", word, i))
        elif word in lex.names:
            out.append(Target("name", word, i))
        elif (len(word) > 3 and word[-1] == "s" and word[:-1] in lex.names
              and word not in lex.common):
            out.append(Target("name", word, i))  # a possessive: "mila's", "jake's" folded
        elif word in lex.person_nouns and i > 0:
            out.append(Target("noun", f"{words[i - 1]} {word}", i))
        elif (i == 0 and word in lex.titles and len(words) > 2
              and (words[1] in lex.names or words[1] in lex.name_particles
                   or words[1] not in lex.common)):
            # "mevrouw de Wit heeft …", "meneer Bakker is …": a title and a name open the clause
            name = words[1:3] if words[1] in lex.name_particles else words[1:2]
            out.append(Target("noun", " ".join((word, *name)), i))
        elif (word in vocab.third_possessive and i + 1 < len(words)
              and words[i + 1] not in vocab.not_possessed):
            out.append(Target("owner", f"{word} {words[i + 1]}", i))
        elif word in vocab.kind_of and i + 1 < len(words):
            out.append(Target("kind_of", f"{word} {words[i + 1]}", i))
        elif (word in vocab.demonstratives and i + 1 < len(words) and len(words[i + 1]) >= 3
              and words[i + 1] not in lex.common and words[i + 1] not in vocab.second_person
              and tokens[i + 1].lemmas.isdisjoint(lex.triggers)
              and not lex.compounds_of(words[i + 1])  # "die kankerautomaat": a cursed thing
              # (people by what they do, a plural: "die tiktokkers", "die gamers")
              and not (len(words[i + 1]) > 5 and words[i + 1].endswith(lex.plural_endings))
              # (a thing is no name: "die kutlaptop", "die schoolcomputer")
              and not words[i + 1].endswith(_suffixes(lex.modality.get("objects_words",
                                                                         frozenset())))):
            # "die Shaquille": a name the list does not know, pointed at (an uncommon word
            # that is no lexicon word)
            out.append(Target("name", f"{word} {words[i + 1]}", i + 1))
        elif (word in vocab.demonstratives and i + 1 < len(words)
              and any(t.role == "standalone" and t.predicate.category in _LABELS
                      for t in lex.terms_of(frozenset({words[i + 1]})))):  # (one: "al die
            # pannenkoeken" are food)
            # "kunnen we die zeurpiet niet verwijderen": someone pointed at by a label
            out.append(Target("noun", f"{word} {words[i + 1]}", i + 1))
        else:
            group = next((lex.groups[lemma] for lemma in token.lemmas if lemma in lex.groups), None)
            if group is None and len(word) > 8 and word.endswith(lex.person_suffixes):
                # "hoofddoekjesmeisje", "moslimjongen": a person named by their group
                group = next((lex.groups[word[:k]] for k in range(3, len(word) - 3)
                              if word[:k] in lex.groups), None)
            if group is None and i + 1 < len(words) and (
                    words[i + 1] in lex.group_heads
                    or not tokens[i + 1].lemmas.isdisjoint(lex.group_heads)):
                # "die marokkaanse kinderen", "autistic kids": a group named by its adjective
                # (an inflected adjective the lemmatiser does not know: "antilliaanse")
                forms = token.lemmas | {word[:-1]} if word.endswith("e") else token.lemmas
                group = next((lex.group_adjectives[lemma] for lemma in forms
                              if lemma in lex.group_adjectives), None)
            if group == PLACES:
                out.append(Target("place", f"{word} ({group})", i))
            elif group is not None:
                out.append(Target("group", f"{word} ({group})", i))
            elif names and (word in names or (word[-1] == "s" and word[:-1] in names)):
                # a name the list does not know, written with a capital ("Rosa", "Elif's")
                out.append(Target(CAPITAL, word, i))
    return out


# Labels for a person that point someone out after "die" ("die zeurpiet", "die dikzak").
_LABELS = frozenset({"insult", "body_shaming"})
_REPEATED_LETTER = re.compile(r"(.)\1+")
_REPEATED_HA = re.compile(r"(?:ha){2,}h?")


@lru_cache(maxsize=4096)  # per word: a paste asks for most of its words
def _laugh(word: str) -> str:
    """A laugh stretched or repeated as typed, in the form the data lists: "lmaooo" -> "lmao",
    "hahahahahaha" -> "haha"."""
    return _REPEATED_HA.sub("haha", _REPEATED_LETTER.sub(r"\1", word))


def context(lex: Lexicon, words: frozenset[str], original: str, staff: bool,
            event_targets: Sequence[Target], clauses: Sequence[Clause]) -> Context:
    mod = lex.modality
    lemmas = frozenset().union(*(c.lemma_set for c in clauses)) if clauses else frozenset()
    every = tuple(w for c in clauses for w in c.words)
    laugh_initials = {w[0] for w in lex.vocab.laughter if w.isalpha()}

    def stands(p: tuple[str, ...]) -> bool:
        """The phrase stands in the message's words, in a row (a token's lemmas hold its word: a
        phrase with a word missing from the message is settled by one set test, no scan)."""
        return lemmas.issuperset(p) and has_sequence(every, p)

    def phrase(table: str) -> bool:  # modality is read for the whole message
        return any(not words.isdisjoint(p[:1]) and stands(p)
                   for p in lex.modality_phrases.get(table, ()))

    verbs = mod.get("report_verbs", frozenset())
    # A verb of saying in an idiom of the writer's own ("eerlijk gezegd", "kort gezegd") reports
    # nothing.
    idioms = mod.get("report_idioms", frozenset())
    saying = [(c, i) for c in clauses if not c.lemma_set.isdisjoint(verbs)
              for i, t in enumerate(c.tokens) if not t.lemmas.isdisjoint(verbs)
              and not (i and c.words[i - 1] in idioms)]
    report_verb = bool(saying)
    # Someone told: a teacher addressed at the start of the message or on their own ("juf, …",
    # "…, sir, can you help"), not a teacher talked about ("die mentor zegt …").
    addressees = mod.get("report_addressees", frozenset())
    told = any(c.words and c.words[0] in addressees and (i == 0 or len(c.words) <= 3)
               for i, c in enumerate(clauses))
    # A victim: the writer as the object of a report verb ("noemde me", "said to me"), not "eerlijk
    # gezegd … mijn zoon".
    victims = mod.get("report_victims", frozenset())
    # A sending verb whose subject is the reader ("what u sent me") is said to the one who sent it:
    # no report.
    sent = mod.get("report_sent", frozenset())
    # A saying the writer agrees with ("… zegt mijn pa ook", "dat zei mijn opa al"): the one after
    # the verb is who said it, not who was called something.
    endorsing = mod.get("report_endorsing", frozenset())
    victim = any(
        not victims.isdisjoint(c.words[i + 1 : i + 4])
        # (the reader as the sender, before the verb or after it: "wat je me stuurde", "stuurde
        # je me")
        and not (c.tokens[i].word in sent
                 and not lex.vocab.second_person.isdisjoint(c.words[max(0, i - 2) : i + 2]))
        and not (c.words[-1] in endorsing and i + 1 < len(c.words)
                 and c.words[i + 1] not in lex.vocab.first_person_object)
        for c, i in saying)
    # A message received and passed on: the writer or their own ("mijn dochter kreeg een bericht",
    # "I got a message") receives a message.
    received_verbs = mod.get("report_received", frozenset())
    messages = mod.get("report_messages", frozenset())
    received = any(
        not t.lemmas.isdisjoint(received_verbs)
        and lex.vocab.second_person.isdisjoint(c.words)  # "ik kreeg je bericht": an answer
        and not (victims | lex.vocab.first_person_subject).isdisjoint(c.words[max(0, i - 3) : i])
        for c in clauses
        if not c.lemma_set.isdisjoint(received_verbs) and not messages.isdisjoint(c.lemma_set)
        for i, t in enumerate(c.tokens))
    # Quote marks, not apostrophes inside words: "i'm gonna take all my mum's pills" quotes nothing.
    unelided = _ELISION.sub("", original)
    quoted = sum(unelided.count(q) for q in _QUOTES) >= 2
    # Counter-speech names what is wrong ("dat is racistisch"); a negated name is a disclaimer
    # ("ik ben geen racist, maar …").
    counter_words = mod.get("counter_speech_words", frozenset())
    counter = any(not t.lemmas.isdisjoint(counter_words)
                  # (not negated, nor the act of a call: "let's all report her account")
                  and (i == 0 or c.words[i - 1] not in lex.vocab.negators | lex.vocab.quantifiers)
                  for c in clauses if not c.lemma_set.isdisjoint(counter_words)
                  for i, t in enumerate(c.tokens)) or phrase("counter_speech")
    # Lesson words inside an idiom are no lesson ("dan kom ik verhaal halen").
    lesson_hits = lemmas & mod.get("lesson_words", frozenset())
    if lesson_hits:
        lesson_hits -= {w for p in lex.modality_phrases.get("lesson_idioms", ())
                        if stands(p) for w in p}
        # (nor a group taken up again: "… moslims … die religie is gevaarlijk")
        lesson_hits -= {w for p in lex.reference_subjects if stands(p) for w in p}
    relay = phrase("relay") or any(c.words and c.words[0] in mod.get("relay_words", ())
                                   for c in clauses)
    # (a cue may be an emoji: "🥵" beside "ik wil haar wel pakken")
    cued = frozenset(p.name for p in lex.predicates.values()
                     if p.words("cues") and (mentions_any(clauses, p.words("cues"), lemmas) or any(
                         e in original for e in p.words("cues") if not e.isalnum())))
    own = lex.vocab.first_person - lex.vocab.first_person_subject - lex.vocab.first_person_object
    peoples = mod.get("homonyms_peoples", frozenset())
    proper = frozenset(w for w in (fold(normalize(m)) for m in _MID_CAPITAL.findall(original))
                       if w in peoples) if not words.isdisjoint(peoples) else frozenset()
    return Context(
        proper=proper,
        behaviour=_behaviour(lex, clauses, event_targets),
        family=any(w in own and i + 1 < len(c.words) and c.words[i + 1] in lex.person_nouns
                   for c in clauses for i, w in enumerate(c.words)),
        # (a staff member relays an incident to colleagues: "leerling meldt dat …")
        report=received or (report_verb and (told or victim or quoted or counter))
        or (staff and not lemmas.isdisjoint(mod.get("report_staff_verbs", ()))),
        received=received,
        saying=report_verb,
        quote_only=report_verb and quoted and not (received or told or victim or counter),
        quoted=quoted,
        told=told,
        counter=counter,
        affection=not words.isdisjoint(mod.get("affection_words", ())) or phrase("affection")
        or any(e in original for e in mod.get("affection_words", ()) if not e.isalnum()),
        # A game word, or a compound ending in one ("zaalvoetbal", "schooltoernooi").
        game=not lemmas.isdisjoint(mod.get("game_words", ())) or phrase("game") or any(
            w.endswith(lex.game_suffixes) for w in words if len(w) > 7),
        lesson=bool(lesson_hits) or phrase("lesson"),
        medical=not words.isdisjoint(mod.get("lesson_medical", ())),
        laughter=(not words.isdisjoint(lex.vocab.laughter)
                  # (only a word that starts like a listed laugh: "lmaooo", "hahahah")
                  or any(_laugh(w) in lex.vocab.laughter for w in words
                         if len(w) > 3 and w[0] in laugh_initials)
                  or any(e in original for e in lex.vocab.laughter if not e.isalnum())),
        hyperbole=phrase("hyperbole") or not words.isdisjoint(mod.get("hyperbole_phrases", ())),
        scorn=(not words.isdisjoint(lex.vocab.scorn)
               or any(e in original for e in lex.vocab.scorn if not e.isalnum())
               or mentions_any(clauses, _phrases(lex.vocab.scorn), lemmas)),
        event_targets=tuple(event_targets),
        staff=staff,
        contrast=not words.isdisjoint(lex.vocab.contrast) or any(
            c.words and c.words[0] in lex.vocab.contrast_openers for c in clauses),
        kitchen=not lemmas.isdisjoint(mod.get("kitchen_words", ())),
        lesson_words=frozenset() if phrase("lesson") else frozenset(lesson_hits),
        mentioned=frozenset(w for span in _QUOTED.findall(unelided)
                            for w in fold(normalize(span)).split()),
        stated=frozenset(w for span in _QUOTED.findall(unelided)
                         if len(words_of := fold(normalize(span)).split()) >= 2
                         for w in words_of),
        relay=relay,
        serious=phrase("serious") or not words.isdisjoint(mod.get("serious_words", ())),
        cued=cued,
        hyperbole_words=frozenset(w for p in lex.modality_phrases.get("hyperbole", ())
                                  if stands(p) for w in p),
    )


def _behaviour(lex: Lexicon, clauses: Sequence[Clause], event_targets: Sequence[Target]) -> bool:
    """The message opens with people named by what they do ("mensen die …", "people who …") and
    names no one by name, mention, reply or a singular pronoun ("iedereen die haar …")."""
    mod = lex.modality
    if not clauses or len(clauses[0].words) < 3 or event_targets:
        return False
    first = clauses[0]
    one = lex.vocab.third_person - lex.vocab.plural_third
    return (first.words[0] in mod.get("behaviour_heads", ())
            and first.words[1] in mod.get("behaviour_relatives", ())
            and not any(t.mention or t.word in lex.names or t.word in one
                        for c in clauses for t in c.tokens))


def _in_order(words: Sequence[str], phrase: Sequence[str], span: int = 6) -> bool:
    """The phrase's words stand in the clause in order, at most ``span`` words apart in all
    ("maakt voor mij echt niks uit")."""
    for start, word in enumerate(words):
        if word != phrase[0]:
            continue
        at = start
        for part in phrase[1:]:
            at = next((j for j in range(at + 1, min(len(words), start + span + 1))
                       if words[j] == part), -1)
            if at < 0:
                break
        else:
            return True
    return False


def _accepted(lex: Lexicon, clause: Clause) -> bool:
    """The clause says it does not matter ("dat je X bent maakt niks uit")."""
    return any(_in_order(clause.words, p) for p in lex.modality_phrases.get("acceptance", ())
               if p[0] in clause.words)


def _writers_own(lex: Lexicon, clause: Clause, match: Match) -> bool:
    """The word is what the writer says they are: the writer as the subject of a copula, then only
    fillers before it ("ik ben echt zo lelijk op die foto", "ik ben een pot en trots erop")."""
    vocab = lex.vocab
    words = clause.words
    first = min(match.positions)
    fillers = lex.modality.get("self_fillers", frozenset())
    i = first - 1
    while i >= 0 and words[i] in fillers:
        i -= 1
    if i < 0 or words[i] not in vocab.copulas:
        return False
    return ((i > 0 and words[i - 1] in vocab.first_person_subject)
            or (i + 1 < first and words[i + 1] in vocab.first_person_subject)
            or (words[i] in vocab.first_person_copulas and i + 1 < len(words)
                and words[i + 1] not in vocab.second_person))


def _homonym(lex: Lexicon, clause: Clause, at: int, ctx: Context) -> bool:
    """The word at ``at`` is a homonym of a slur or insult: part of a proper name ("de rio
    negro"), a people written with a capital ("de Mongolen"), or a verb after the writer as its
    subject ("ik flikker bijna van de trap")."""
    if not 0 <= at < len(clause.words):
        return False
    mod = lex.modality
    word = clause.words[at]
    before = clause.words[at - 1] if at else ""
    after = clause.words[at + 1] if at + 1 < len(clause.words) else ""
    vocab = lex.vocab
    return (before in mod.get("homonyms_name_heads", ())
            or word in ctx.proper
            # (not with a person after it: "ik flikker je van de trap" throws someone)
            or (word in mod.get("homonyms_verbs", ()) and before in vocab.first_person_subject
                and after not in vocab.second_person | vocab.third_person))


# The reader's pronouns that also mean anyone ("waar kun je dat kopen?").
_GENERIC_YOU = frozenset({"je", "you"})


def _asked_of_anyone(lex: Lexicon, clause: Clause) -> bool:
    """The clause asks anyone in the group: a verb, then "iemand" or "anyone" ("weet iemand
    waar …", "does anyone know …")."""
    words = clause.words
    vocab = lex.vocab
    return (len(words) > 2 and words[1] in lex.modality.get("question_askees", ())
            and words[0] not in vocab.first_person | vocab.second_person | vocab.third_person
            and words[0] not in vocab.quantifiers)


# Categories said of people named by what they do that are a complaint, not harassment.
_BEHAVIOUR_CATEGORIES = frozenset({"insult", "exclusion"})
# Categories acceptance ("… maakt niks uit") clears: what is said of someone, not what is done.
_ACCEPTED_CATEGORIES = frozenset({"insult", "discrimination", "body_shaming"})
# Categories the writer may say of themself ("ik ben zo lelijk", "ik ben een pot").
_SELF_CATEGORIES = frozenset({"insult", "discrimination", "body_shaming"})


# How far a negator reaches: up to four words before what it negates ("ik ga je heus niet in elkaar
# trappen"), two after ("ik steek je morgen niet"), never past a subordinating word ("als je niet
# betaalt sla ik je": the "niet" belongs to the condition).
NEGATION_BEFORE = 4
NEGATION_AFTER = 2
# How far apart a phrase's words may stand for a negator between them to negate it.
_INSIDE_SPAN = 5


def reported_speech(lex: Lexicon, clause: Clause, at: int) -> bool:
    """The words at ``at`` are someone else's, reported: a report verb before them, then "dat" or
    "that", and not the writer as the verb's subject ("rosa schreef dat ik me moet ophangen",
    "someone wrote that everyone should …"; not "ik moet u zeggen dat ik me wil ophangen", not
    "iedereen 'stinkerd' roepen": the call's own act)."""
    verbs = lex.modality.get("report_verbs", frozenset())
    first = lex.vocab.first_person_subject
    words = clause.words
    return any(not t.lemmas.isdisjoint(verbs) and first.isdisjoint(words[:i])
               and not lex.vocab.scope_breaks.isdisjoint(words[i + 1 : at])
               for i, t in enumerate(clause.tokens[:at]))


def _denied(lex: Lexicon, clause: Clause, used: Iterable[int],
            skip: frozenset[int] = frozenset()) -> bool:
    """"niemand zegt dat je dom bent", "ik heb nooit gezegd dat ...": a denier right before a
    verb of saying or wanting, before the predicate (``skip``: deniers that are words of another
    phrase: "nobody wants you X" excludes, it denies no label)."""
    first = min(used, default=0)
    vocab = lex.vocab
    for i, token in enumerate(clause.tokens[:first]):
        if token.word in vocab.deniers and i not in skip and not (
                i == 1 and clause.words[0] in vocab.denial_not_after) and any(
                not t.lemmas.isdisjoint(vocab.denial_verbs)
                for t in clause.tokens[max(0, i - 2) : i + 4]):
            return True
    return False


def denials(lex: Lexicon, clause: Clause, found: Sequence[Match]) -> frozenset[int]:
    """Deniers that deny rather than exclude: "niemand wil jou uit de groep zetten" (the denier
    denies another reading of the clause), "niemand wil dat je doodgaat" (a denied wish, "dat"
    right after its verb). A reading that uses such a denier ("niemand willen") is denied too."""
    vocab = lex.vocab
    out: set[int] = set()
    in_phrase = phrase_words(found)
    for match in found:
        first = min(match.positions, default=0)
        for i, token in enumerate(clause.tokens[:first]):
            if (match.term.role == "standalone" and i in in_phrase
                    and i not in match.positions):
                continue  # "nobody wants you X": the denier excludes, it denies no label
            if token.word in vocab.deniers and not (
                    i == 1 and clause.words[0] in vocab.denial_not_after) and any(
                    not t.lemmas.isdisjoint(vocab.denial_verbs)
                    for t in clause.tokens[max(0, i - 2) : i + 4]):
                out.add(i)
    words = clause.words
    for i, word in enumerate(words):
        if word in vocab.deniers and any(
                not clause.tokens[j].lemmas.isdisjoint(vocab.denial_verbs)
                and j + 1 < len(words) and words[j + 1] in vocab.scope_breaks
                for j in range(i + 1, min(i + 3, len(words)))):
            out.add(i)
    return frozenset(out)


def phrase_words(found: Sequence[Match]) -> frozenset[int]:
    """The positions of the words of the clause's phrases (terms of several words)."""
    return frozenset(i for m in found if len(m.term.parts) > 1 for i in m.positions)


def negated(lex: Lexicon, clause: Clause, used: Iterable[int], after: int = NEGATION_AFTER,
            negators: frozenset[str] | None = None, inside: bool = False) -> bool:
    """Whether a negator stands in the scope of the words at ``used`` (``after``: how far after
    them it may stand; a noun is negated before it, "geen sukkel", a verb also after it). A
    negative command is no negation of what it commands: "doe niet zo achterlijk", "dont be so
    dumb". ``inside``: a negator between a phrase's words counts too ("we gooien je niet uit de
    groep")."""
    used = set(used)
    if not used:
        return False
    first, last = min(used), max(used)
    words = clause.words
    vocab = lex.vocab
    breaks = vocab.scope_breaks
    negators = vocab.negators if negators is None else negators
    for i, word in enumerate(words):
        if word not in negators or i in used:
            continue
        # (a filler may stand between: "doe ff nie zo dom", "doe nou niet zo raar")
        if not vocab.negation_not_after.isdisjoint(words[max(0, i - 2) : i]) or (
                i + 1 < len(words) and words[i + 1] in vocab.negation_not_before) or (
                i == 1 and words[0] in vocab.denial_not_after):  # ("zo niet, dan …": "if not")
            continue
        if first - NEGATION_BEFORE <= i < first:
            if (first + 1 < len(words) and words[first + 1] in vocab.first_person_subject
                    and not vocab.conditions.isdisjoint(words[:i])):
                # "als je niet betaalt sla ik je": the negator belongs to the condition; the verb
                # with its subject after it opens the main clause.
                continue
            between = words[i + 1 : first]
            if not vocab.subject_only.isdisjoint(between):
                continue
        elif inside and first < i < last and min(p for p in used if p > i) - i <= 2:
            # (close before the phrase's next word: "ik walg niet van X", not "X moet je niet
            # helpen je moet ze verzuipen")
            between = words[first + 1 : i]
        elif last < i <= last + after or (after and len(used) == 1 and i == len(words) - 1
                                          and i > last):
            # A verb is also negated by the clause's last word, however far ("ik haat homo's
            # helemaal niet"): Dutch puts "niet" at the end of a main clause.
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
    # "ik vind het vervelend dat X …": the word says something of "het", not of X after a
    # subordinating word ("the boys in that class are the problem": the target stands first).
    if max(positions) < target.position and not lex.vocab.scope_breaks.isdisjoint(
            words[max(positions) + 1 : target.position]):
        return False
    if not set(words).isdisjoint(lex.vocab.copulas | lex.vocab.possession):
        return True
    if not clause.lemma_set.isdisjoint(match_parts(lex)):
        return True
    if any(abs(target.position - p) <= 2 for p in positions):
        return True
    if target.kind in ("group", "kind_of") and 0 <= min(positions) - target.position <= 6:
        return True  # a group as the subject of its verb ("die X stinken altijd")
    return any(has_sequence(words, e) for e in _EXCLAMATION)


def _exclaimed(clause: Clause, positions: frozenset[int]) -> bool:
    """"wat een (domme) aap": an exclamation about someone, just before the word."""
    words = clause.words
    first = min(positions)
    return any(tuple(words[i : i + 2]) in _EXCLAMATION for i in range(max(0, first - 3), first))


def as_written(clause: Clause, match: Match) -> str:
    """The words a phrase with alternatives found, as the message has them ("wens … dood", not the
    whole list of alternatives), for evidence a mentor reads; other terms as the data lists them."""
    term = match.term
    if "|" not in term.text:
        return term.shown
    words, at = clause.words, sorted(match.positions)
    out = [words[at[0]]]
    for before, i in pairwise(at):
        out.append(words[i] if i == before + 1 else f"… {words[i]}")
    return " ".join(out)


def mentions_any(clauses: Sequence[Clause], entries: Iterable[str],
                 lemmas: frozenset[str] | None = None) -> bool:
    """Whether any entry stands in the message: a word by lemma (``lemmas``: every lemma of the
    message, when already known), several words in a row; ``a|b`` are alternatives."""
    return first_mention(clauses, entries, lemmas) is not None


def first_mention(clauses: Sequence[Clause], entries: Iterable[str],
                  lemmas: frozenset[str] | None = None, loose: bool = False) -> str | None:
    """The first entry (in sorted order) that stands in the message (see ``mentions_any``), as
    its words were found; ``loose``: the words of an entry may stand in any order within one
    clause, by lemma."""
    if lemmas is None:
        lemmas = frozenset().union(*(c.lemma_set for c in clauses)) if clauses else frozenset()
    compiled, starts = _compiled(entries if isinstance(entries, frozenset) else frozenset(entries))
    if lemmas.isdisjoint(starts):  # no entry's first word: the common case, one set test
        return None
    for parts, end in compiled:
        # An entry with a word that stands nowhere in the message stands in no clause (a token's
        # lemmas hold its word): most entries of a paste stop here, before the clauses are searched.
        if any(lemmas.isdisjoint(p) for p in parts):
            continue
        if len(parts) == 1:
            return min(lemmas & parts[0])
        for c in clauses:
            if c.lemma_set.isdisjoint(parts[0]):
                continue
            if loose:
                if all(not c.lemma_set.isdisjoint(p) for p in parts):
                    return " ".join(min(c.lemma_set & p) for p in parts)
            else:
                found = _alternatives_at(c.words, parts, end)
                if found is not None:
                    return found
    return None


@lru_cache(maxsize=16)
def _phrases(entries: frozenset[str]) -> frozenset[str]:
    """The entries of several words (a word list may hold phrases beside single words)."""
    return frozenset(e for e in entries if " " in e)


@lru_cache(maxsize=256)
def _compiled(entries: frozenset[str]
              ) -> tuple[tuple[tuple[tuple[frozenset[str], ...], bool], ...], frozenset[str]]:
    """Entries as their parts (each a set of alternatives; ``end``: the words end their clause,
    "kom alleen."), in sorted order, and every first word (a message without one holds none)."""
    out = []
    for entry in sorted(entries):
        parts = tuple(frozenset(p.split("|")) for p in entry.rstrip(".").split())
        if parts:
            out.append((parts, entry.endswith(".") and len(parts) > 1))
    return tuple(out), frozenset().union(*(parts[0] for parts, _ in out))


def _alternatives_at(words: Sequence[str], parts: Sequence[frozenset[str]],
                     end: bool = False) -> str | None:
    """The consecutive words of ``words`` that are, each, one of its part's alternatives (``end``:
    the last words of ``words``)."""
    n = len(parts)
    for i in range(len(words) - n, -1, -1) if end else range(len(words) - n + 1):
        if words[i] in parts[0] and all(words[i + k] in parts[k] for k in range(1, n)):
            return " ".join(words[i : i + n])
        if end:
            break
    return None


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
    denied = denials(lex, clause, found)
    in_phrase = phrase_words(found)
    # The writer as an object ("beter af zonder mij"), not as the one who permits ("van mij mag
    # hij …", "wat mij betreft").
    self_object = any(w in vocab.first_person_object and not (i and clause.words[i - 1]
                                                              in vocab.permission_before)
                      for i, w in enumerate(clause.words))
    readings: list[Reading] = []
    # A group named in another clause, for a pronoun or subject that takes it up.
    referred = [t for t in elsewhere if t.kind in ("group", "kind_of")]
    if referred:
        # A pronoun that takes up the group is the group for every class, those said of a group
        # only too ("ik zag X … ik weet dat ze daar kwamen om te jatten").
        named = [Target("group", f"{t.text} = {referred[0].text}", t.position)
                 if t.kind == "third" and t.text in lex.reference_pronouns else t for t in named]
    others_act = _in_relative(lex, clause, found)
    for match in found:
        pred = match.predicate
        term = match.term
        if pred.category == "self_harm_risk" or pred.name in ("incitement", "doxxing"):
            continue  # wellbeing, and modifiers read for the whole message
        if (pred.category in ("death_wish", "self_harm") and self_object
                and not any(t.kind in DIRECT | {"noun", "group", "kind_of"} for t in named)):
            continue  # "ze zijn beter af zonder mij": the writer about themself (wellbeing)
        kinds = pred.word_targets if term.role == "words" and pred.word_targets else pred.targets
        if (term.role == "words" and pred.word_targets and any(
                not clause.tokens[i].lemmas.isdisjoint(lex.groups) for i in match.positions)):
            # A group's own name said as a slur is said of the reader, never of another group
            # ("moslims en joden leven hier samen").
            kinds = kinds & DIRECT
        # A phrase may hold its own target ("nobody wants you"); a word is not its own target.
        candidates = [t for t in named
                      if (t.position not in match.positions or len(term.parts) > 1)
                      and not (pred.linked and t.kind == "owner")
                      and (not kinds or t.kind in kinds)
                      and (t.kind != "place" or pred.category == "threat")]
        if pred.name == "self_harm":
            # Encouragement: the reader is the one told to do it ("ga je ophangen", "kys"); the
            # writer speaking of themself is the wellbeing rule's.
            if not words.isdisjoint(vocab.first_person_object | vocab.first_person_subject):
                continue
            if pred.reflexive and term.role == "verbs" and words.isdisjoint(
                    vocab.second_person_reflexive):
                continue  # "you killed it" is praise; "kill yourself" is not
            if pred.reflexive and term.role == "verbs" and any(
                    not clause.tokens[i].lemmas.isdisjoint(pred.words("others"))
                    for i in range(min(match.positions))):
                continue  # "mag je een mens doden om vijf anderen te redden?": not the reader
        if term.role == "addressed":
            if (agent and words.isdisjoint(vocab.second_person)
                    and pred.category in ("death_wish", "self_harm")):
                continue  # "ik ga dood van de hitte": the writer about themself
            pool = [*candidates, Target("addressed", "aangesproken lezer")]
        elif term.role == "standalone" or pred.category == "profanity":
            pool = candidates or [fallback[0] if fallback else Target("none", "iemand")]
        else:
            # A group named in another clause is what a group-only class speaks of ("die X … die
            # horen hier niet"); other classes take a person from there, never a group.
            group_only = bool(kinds) and kinds <= {"group", "kind_of"}
            # (only looked through when the clause names no one: a paste names many elsewhere)
            others = [] if candidates or _own_object(lex, clause, match) else [
                t for t in elsewhere if group_only or t.kind != "group"]
            if pred.linked and not group_only:
                # Said of someone: only in its own clause, unless the writer carries it to a
                # person named elsewhere ("ik heb een mes gekocht, raad maar voor wie @kaan").
                carried = not clause.lemma_set.isdisjoint(pred.words("carry"))
                others = [t for t in others if carried and t.kind in DIRECT]
            pool = candidates or [t for t in [*fallback, *others]
                                  if not kinds or t.kind in kinds]
            if not pool and pred.linked and _exclaimed(clause, match.positions):
                pool = [Target("exclamation", "iemand (uitroep)")]
            if not pool and referred and (
                    any(has_sequence(clause.words, subject) for subject in lex.reference_subjects)
                    or (clause.words and clause.words[0] in lex.reference_openers)):
                # "vluchtelingen komen hier wonen. het zijn ratten"; "moslims, die ik haat, …"
                pool = [referred[0]]
            if not pool:
                continue
            if pred.agent and not agent and _normative(lex, clause):
                # "ze moeten die X in elkaar slaan": what a group should suffer, whoever acts.
                pool = sorted(pool, key=lambda t: t.kind not in ("group", "kind_of"))
        # "ik ben een trotse flikker": a group word the writer calls themself names no one else.
        own = self_only or (not words.isdisjoint(vocab.first_person_subject)
                            and not words.isdisjoint(vocab.copulas)
                            and all(t.position in match.positions for t in named))
        first: Reading | None = None
        for target in pool[:_TARGETS_TRIED]:
            if target.kind == "third" and target.text in lex.reference_pronouns and referred:
                # "ik ken veel moslims. ik haat ze": the pronoun takes up the group named before.
                target = Target("group", f"{target.text} = {referred[0].text}", target.position)
            why = ("wat anderen doen" if target.kind in ("group", "kind_of")
                   and target.position in others_act else
                   _cleared(lex, clause, match, target, ctx, agent, own, named, denied,
                            in_phrase))
            reading = Reading(match, target, clause, why)
            first = first or reading
            # A word not said of this target may be said of the next one named ("ik maak je af
            # jij vieze rat"); for a threat, the writer's own family lets the next one be the one
            # aimed at too ("ik neem mn broer zn mes mee voor die gast"), but a judgement of the
            # writer's own child is no judgement of a group named beside it ("mijn dochter …
            # een hoofddoek … kort"). Any other reason settles it.
            if why != _NOT_SAID_OF and (why not in _TARGET_REASONS
                                        or pred.category != "threat"):
                break
        else:
            reading = first
        readings.append(reading)
    return readings


# How many of the targets a clause names are tried in turn (a paste names many).
_TARGETS_TRIED = 4
# Reasons of ``_cleared`` that hold for one target only: another one named may still be aimed at.
_NOT_SAID_OF = "niet over iemand gezegd"
_TARGET_REASONS = frozenset({"over de eigen familie", _NOT_SAID_OF})


def _own_object(lex: Lexicon, clause: Clause, match: Match) -> bool:
    """The act has its own object in its clause, a thing pointed at before it that names no one
    ("ik ga die automaat slopen, hij heeft mn euro ingeslikt"): no one named elsewhere is its
    target (but "als ik die Ilias zie, breek ik zijn benen" has none)."""
    words = clause.words
    return any(words[i] in lex.vocab.demonstratives and words[i + 1] not in lex.vocab.third_person
               for i in range(min(match.positions) - 1))


def _own(lex: Lexicon, target: Target) -> bool:
    """A person noun the writer owns: "mijn zoon", "onze dochter", "our son"."""
    first = target.text.split(" ", 1)[0]
    vocab = lex.vocab
    return first in vocab.first_person and first not in (
        vocab.first_person_subject | vocab.first_person_object)


def about_writer(lex: Lexicon, words: Sequence[str]) -> bool:
    """The writer says who they are: a first-person subject beside a copula ("ik ben", "zijn
    wij", "i am"), not "ik heb buren die moslim zijn"."""
    vocab = lex.vocab
    subject, copulas = vocab.first_person_subject, vocab.copulas
    return any(w in copulas and ((i and words[i - 1] in subject)
                                 or (i + 1 < len(words) and words[i + 1] in subject)
                                 or w in vocab.first_person_copulas)
               for i, w in enumerate(words))


def _in_relative(lex: Lexicon, clause: Clause, found: Sequence[Match]) -> frozenset[int]:
    """Positions of words inside a relative clause of others who act, when that clause holds a
    hostile verb: "ik ben het niet eens met mensen die X haten", "people who hate X" (X is what
    others hate, not what the writer says); "ik haat mensen die moslim zijn" has none."""
    words = clause.words
    verbs = [min(m.positions) for m in found
             if len(m.positions) == 1 and m.predicate.category != "profanity"
             and any(t.role == "verbs" and t.predicate is m.predicate
                     for i in m.positions for t in lex.terms_of(clause.tokens[i].lemmas))]
    if not verbs:  # (most clauses: no hostile verb, no relative clause to look for)
        return frozenset()
    starts = [i for rel in lex.reference_relatives
              if (i := find_sequence(words, rel)) is not None]  # (only the first is used)
    if not starts:
        return frozenset()
    start = min(starts)
    if not any(v > start for v in verbs):
        return frozenset()
    return frozenset(range(start + 1, len(words)))


def _split_by_saying(lex: Lexicon, clause: Clause, match: Match) -> bool:
    """A phrase whose words before a subordinating word are only a verb of saying or wanting:
    "ik wil benadrukken dat niemand wordt uitgesloten" is no "niemand willen" (but "ik wil niet
    dat hij naast haar zit" keeps its "niet")."""
    vocab = lex.vocab
    words = clause.words
    first, last = min(match.positions), max(match.positions)
    cut = next((i for i in range(first + 1, last) if words[i] in vocab.scope_breaks), None)
    return cut is not None and all(not clause.tokens[i].lemmas.isdisjoint(vocab.denial_verbs)
                                   for i in match.positions if i < cut)


def _laughed_at(clause: Clause, match: Match) -> bool:
    """Laughing said in words, beside another mockery word: "lachen om aziz zn stem" (the "stem"
    counts; "lachen om de grap van de juf" has nothing else to mock)."""
    laughing = match.predicate.words("laughing")
    return (clause.lemma_set.isdisjoint(laughing) is False
            and all(clause.tokens[i].lemmas.isdisjoint(laughing) for i in match.positions))


def _normative(lex: Lexicon, clause: Clause) -> bool:
    """A modal of obligation or desert in the clause ("moeten", "zouden", "verdienen", "should")."""
    norm = lex.predicates.get("normative_harm")
    return norm is not None and not clause.lemma_set.isdisjoint(norm.words("modals"))


def _verbal(lex: Lexicon, clause: Clause, match: Match) -> bool:
    """Whether the match is read as a verb: a verb term, or a word that is also a verb of its class
    ("haat" is the noun and "ik haat": negated after it like the verb, "ik haat ze niet")."""
    if match.term.role == "verbs":
        return True
    return len(match.positions) == 1 and any(
        t.role == "verbs" and t.predicate is match.predicate
        for i in match.positions for t in lex.terms_of(clause.tokens[i].lemmas))


def earnest(ctx: Context, category: str) -> bool:
    """A threat the writer insists on, without laughter or affection: no game clears it ("ik maak
    je af bij gym, geen grap"; not "ik maak je af bij gym haha")."""
    return category == "threat" and ctx.serious and not (ctx.laughter or ctx.affection)


def _as_myself(lex: Lexicon, clause: Clause, target: Target) -> bool:
    """The clause opens with who the writer is and has the writer as its subject: "als trans
    meid noem ik mezelf travo", "as a gay student i'd like to join" (not "als ik die homo zie",
    "als die homo …")."""
    words = clause.words
    vocab = lex.vocab
    if len(words) < 3 or words[0] not in vocab.identity_openers:
        return False
    start = 2 if words[1] in vocab.articles else 1
    word = words[start]
    if start == 1 and any(len(lemma) < len(word) for lemma in clause.tokens[start].lemmas):
        return False  # a plural is others: "als moslims hier komen …"
    return (start <= target.position <= start + 2
            and words[start] not in vocab.demonstratives | vocab.third_person | vocab.second_person
            | vocab.first_person
            # (the writer's verb right after: "als trans meid noem ik", "as a gay student i'd")
            and not vocab.first_person_subject.isdisjoint(
                words[target.position + 1 : target.position + 4])
            and vocab.first_person_object.isdisjoint(words[target.position + 1 : target.position + 4]))


def _object_me(lex: Lexicon, clause: Clause, match: Match) -> bool:
    """Whether "me"/"mezelf" is not right after the violent verb (so the writer is not its
    object): "als een X me aanraakt sla ik hem", not "ik schiet me dood"."""
    me = lex.vocab.first_person_object - lex.vocab.first_person_subject
    first = min(match.positions)
    return me.isdisjoint(clause.words[first + 1 : first + 3])


def _dies_laughing(lex: Lexicon, clause: Clause, match: Match, ctx: Context) -> bool:
    """The writer dies or kills themself laughing, and the person named is what they laugh at
    ("ik schiet me dood van het lachen om jou", "ik ga dood van het lachen om je"): an idiom of
    laughter (a hyperbole phrase such as "van het lachen", or laughter itself) with the writer
    as the violent verb's object right after it ("schiet me"), or as the subject right before a
    dying that has no object ("ik ga dood"). "ik sla je dood 😂" stays a threat: the reader is
    the object."""
    if not (ctx.hyperbole or ctx.laughter):
        return False
    vocab = lex.vocab
    first = min(match.positions)
    me = vocab.first_person_object - vocab.first_person_subject
    if any(w in me for w in clause.words[first + 1 : first + 3]):
        return True
    return (match.predicate.category == "death_wish" and first > 0
            and clause.words[first - 1] in vocab.first_person_subject
            and vocab.second_person.isdisjoint(clause.words[first : max(match.positions) + 1]))


def _nobody_is(lex: Lexicon, clause: Clause, match: Match) -> bool:
    """The clause says nobody is it: "niemand in deze klas is een loser", "nobody here is
    stupid" (a denier that is a subject, a copula between it and the word); not a comparison
    ("niemand is zo dom als jij")."""
    words = clause.words
    vocab = lex.vocab
    first, last = min(match.positions), max(match.positions)
    subjects = vocab.deniers & vocab.quantifiers
    return (bool(words) and words[0] in subjects
            and not vocab.copulas.isdisjoint(words[1:first])
            and vocab.comparisons.isdisjoint(words[last + 1:]))


def object_at(lex: Lexicon, clause: Clause) -> int | None:
    """Where the clause names a thing ("deze stomme printer", "dat smartboard", "die kutlaptop"):
    the first word that is, or ends in, one of ``[objects]`` in modality.toml; None when none."""
    objects = lex.modality.get("objects_words", frozenset())
    if not objects:
        return None
    suffixes = _suffixes(objects)
    return next((i for i, t in enumerate(clause.tokens)
                 if not t.lemmas.isdisjoint(objects)
                 or (len(t.word) > 6 and t.word.endswith(suffixes))), None)


@lru_cache(maxsize=4)
def _suffixes(objects: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(w for w in objects if len(w) >= 5))  # ("handdoekkoppen" is no "pen")


def _cleared(lex: Lexicon, clause: Clause, match: Match, target: Target, ctx: Context,
             agent: bool, self_only: bool, named: Sequence[Target],
             denied: frozenset[int] = frozenset(), in_phrase: frozenset[int] = frozenset()
             ) -> str:
    pred = match.predicate
    vocab = lex.vocab
    words = set(clause.words)
    if ctx.report and not ctx.inciting and not (ctx.relay and pred.category == "threat"):
        return "geciteerd of gemeld"
    if pred.category != "profanity" and (
            (len(match.positions) == 1 and match.term.role in ("standalone", "words")
             and pred.category in ("discrimination", "insult")
             and _homonym(lex, clause, min(match.positions), ctx))
            or (target.kind in ("group", "kind_of") and _homonym(lex, clause, target.position, ctx))):
        return "een naam of werkwoord, geen scheldwoord"
    if (target.kind == "second" and target.text in _GENERIC_YOU and target.position > 1
            and match.term.role in ("phrases", "verbs") and _asked_of_anyone(lex, clause)):
        return "een vraag aan iedereen"  # "weet iemand waar je de boeken moet terugsturen?"
    if (ctx.family and target.kind in ("group", "kind_of") and target not in named
            and len(clause.words) > 2 and clause.words[0] in vocab.copulas
            and clause.words[1] in lex.modality.get("question_things", ())):
        return "een vraag over iets"  # "mijn dochter draagt een X, is dat een probleem bij gym?"
    if ctx.behaviour and pred.category in _BEHAVIOUR_CATEGORIES and (
            (target.kind not in ("group", "kind_of", "name", "mention", "reply", CAPITAL, "second"))
            or target.text in lex.modality.get("behaviour_addressed", ())
            # ("iedereen die anti-X dingen post": the relative pronoun is no "die Shaquille")
            or (target.kind == "name" and target.position == 2
                and clause.words[1] in lex.modality.get("behaviour_relatives", ()))):
        return "mensen om wat ze doen"  # "ouders die dubbel parkeren zijn asociaal"
    if (pred.category in _ACCEPTED_CATEGORIES and match.term.role in ("standalone", "words")
            and _accepted(lex, clause)):
        return "aanvaard"  # "dat je X bent maakt niks uit"
    if (pred.category in _SELF_CATEGORIES and match.term.role in ("standalone", "words")
            # (not what the writer feels about someone: "ik word misselijk van X")
            and pred.name != "hatred" and target.kind not in ("group", "kind_of")
            and (target.position > max(match.positions) or target.kind == "exclamation")
            and _writers_own(lex, clause, match)):
        return "over de schrijver zelf"  # "ik ben zo lelijk op die foto"
    if ctx.counter and pred.category != "threat" and not (
            match.term.role == "standalone" and target.kind in DIRECT
            and pred.category == "discrimination"):
        # (a slur thrown at the reader stays one beside "doe normaal": "je bent zo'n X, doe
        # normaal")
        return "tegenspraak"
    if ((match.term.role in ("standalone", "words") or ctx.lesson) and not ctx.inciting
            and ctx.mentioned
            and all(clause.tokens[i].word in ctx.mentioned for i in match.positions)):
        # (a quoted line in a lesson, any word: "in het gedicht staat 'ik zal je doden'")
        return "geciteerd"
    if (target.kind in ("group", "kind_of") and not ctx.inciting and ctx.stated
            and 0 <= target.position < len(clause.words)
            and clause.words[target.position] in ctx.stated
            # (a negator after the quote denies it: "die cijfers van '…' kloppen niet")
            and all(clause.tokens[i].word in ctx.stated or clause.words[i] in vocab.negators
                    for i in match.positions)):
        return "geciteerd"  # "'X zijn Y' is geen mening": a statement quoted, not made
    if _denied(lex, clause, match.positions,
               in_phrase if match.term.role == "standalone" else frozenset()) or (
            not denied.isdisjoint(match.positions)):
        return "ontkend (niemand zegt dat)"
    if pred.contrast and not ctx.contrast:
        return "voorbehoud zonder maar"
    if (ctx.affection and pred.category in ("insult", "body_shaming", "humiliation")
            and match.predicate.severity <= Severity.MEDIUM):
        return "vriendschappelijk geplaag"
    verbal = _verbal(lex, clause, match)
    # A negator between the words of a short phrase that holds none negates it too: "ik walg niet
    # van X", "ik heb nooit een hekel gehad aan X" (not the words of two statements: "X moet je
    # niet helpen, je moet ze ...").
    inside = (len(match.term.parts) > 1
              and max(match.positions) - min(match.positions) <= _INSIDE_SPAN
              and all(part.isdisjoint(vocab.negators | vocab.deniers)
                      for part in match.term.parts))
    if pred.negatable and negated(lex, clause, match.positions, NEGATION_AFTER if verbal else 0,
                                  vocab.negators | vocab.deniers if verbal or inside else None,
                                  inside=inside):  # (inside also by a denier: "ik wens niemand dood")
        return "ontkend"  # (a verb also by a denier: "niemand zou moslims moeten haten")
    if pred.negatable and not verbal and _nobody_is(lex, clause, match):
        return "ontkend"  # "niemand in deze klas is een loser"
    if not pred.negatable and len(match.term.parts) > 1 and _split_by_saying(lex, clause, match):
        return "niet in één zin"
    if (not pred.negatable and match.term.role in ("verbs", "phrases")
            and all(part.isdisjoint(vocab.negators | vocab.deniers) for part in match.term.parts)
            and negated(lex, clause, match.positions, NEGATION_AFTER,
                        vocab.negators | vocab.deniers, inside=True)):
        # A class that holds its own negations ("niet meer meedoen") is still negated where its
        # words hold none: "niemand wordt uitgesloten", "nobody is kicking you out".
        return "ontkend"
    if pred.words("cues") and pred.name not in ctx.cued:
        return "zonder tijd, voorwaarde of aanleiding"
    if pred.agent and not (target.kind in ("group", "kind_of") and _normative(lex, clause)):
        # (Violence a group "should" suffer is a normative threat, whoever would act: "X zouden
        # allemaal opgehangen moeten worden".)
        if not agent:
            return "niet door de schrijver"
        if (pred.category == "threat" and target.kind not in DIRECT | {"third"}
                and not words.isdisjoint(vocab.first_person_object - vocab.first_person_subject)
                and words.isdisjoint(vocab.second_person)
                # (not when the writer is part of the phrase: "ik heb een mes bij me", "i'll
                # deal with him myself"; the writer as the verb's own object, right after it, but
                # not "als een X me aanraakt sla ik hem", where "me" is the group's object)
                and all(clause.words[i] not in vocab.first_person_object
                        for i in match.positions)
                and not (target.kind == "group" and _object_me(lex, clause, match))):
            return "over de schrijver zelf"  # "ik schiet me dood van het lachen om meneer"
        if (words.isdisjoint(vocab.first_person_subject - vocab.plural_self)
                and target.kind not in ("group", "kind_of", "place")  # ("… we gooien er stenen naar")
                and all(t.kind == "third" and t.text in vocab.plural_third for t in named)):
            return "wij tegen zij (een wedstrijd)"
    # A game clears mockery between players ("prepare to cry 😂"), not laughing with others at
    # someone named ("sanne heeft bij gym in haar broek geplast 😭").
    if ctx.game and not earnest(ctx, pred.category) and (("game" in pred.cleared_by
                      and not (pred.mocking and target.kind in ("name", CAPITAL, "mention")))
                     or (match.term.role == "standalone" and target.kind not in DIRECT
                         and pred.category not in _NOT_GAME_TALK)):
        return "spel of sport"
    if ctx.kitchen and "kitchen" in pred.cleared_by:
        return "keukengerei"
    if (target.kind == "third" or (target.kind == "owner" and target not in named)) and (
            pred.category != "profanity") and (
            (thing := object_at(lex, clause)) is not None
            # (the thing is the verb's object: right after it, "ik haat deze stomme printer",
            # or right before it with the pronoun in another clause, "ik ga die automaat slopen,
            # hij …"; not "na de toets sla ik hem")
            and ((min(match.positions) < thing <= max(match.positions) + 3
                  and (target not in named or target.position > thing))
                 or (min(match.positions) - 3 <= thing < min(match.positions)
                     and target not in named))):
        # "ik haat deze stomme printer, hij doet het weer niet": "hij" is the printer.
        return "over een ding"
    if (ctx.lesson and (target.kind not in DIRECT or target.kind == CAPITAL or target not in named)
            and pred.category not in _NOT_LESSON_CONTENT
            # (a group called a label for a person, now, is no lesson content: "X zijn gewoon Y
            # met een diagnose"; history tells what was said: "werden Y genoemd")
            and not (target.kind in ("group", "kind_of") and match.term.role == "standalone"
                     and pred.category == "insult"
                     and not words.isdisjoint(vocab.present_copulas))
            # (a lesson word that is the hostile word itself is no lesson, "X zijn dieren", "in de
            # war"; but a group word said as history stays one: "als slaven behandeld")
            # (nor what a group "should" suffer: "X zouden als slaven moeten werken")
            and not ((pred.category != "discrimination" or _normative(lex, clause)
                      or match.term.role == "standalone")  # ("hitler had gelijk")
                     and ctx.lesson_words
                     and ctx.lesson_words <= frozenset().union(
                         *(clause.tokens[i].lemmas for i in match.positions)))
            and (not ctx.lesson_words or not clause.lemma_set.isdisjoint(ctx.lesson_words))):
        # (A clause without a lesson word is no lesson content because a subject is named
        # elsewhere: "X zijn walgelijk, ik zit niet naast haar bij bio", "… is seriously hot,
        # i'd book extra appointments".)
        return "lesstof"  # (a curse in a lesson: the policy clears only the diseases)
    if pred.category in ("threat", "death_wish") and _dies_laughing(lex, clause, match, ctx):
        return "overdrijving"  # "ik schiet me dood van het lachen om jou"
    if pred.hyperbole and ctx.hyperbole:  # laughter never excuses telling someone to hurt themself
        return "overdrijving"
    if ctx.hyperbole_words and all(clause.words[i] in ctx.hyperbole_words
                                   for i in match.positions):
        return "overdrijving"
    if pred.mocking and not (ctx.laughter or ctx.scorn) and not _laughed_at(clause, match):
        return "zonder spot"
    if target.kind in ("noun", "group") and _as_myself(lex, clause, target):
        return "over de schrijver zelf"  # "als trans meid noem ik mezelf …", "as a gay student i"
    if match.term.role == "standalone" and self_only and (
            pred.category != "discrimination" or about_writer(lex, clause.words)):
        # (a slur for a group is self-reference only when the writer says they are one: "ik
        # ben een trotse flikker"; not "why do we even let X in", "X mogen niet in onze app")
        return "over de schrijver zelf"
    if pred.linked and target.kind == "noun" and about_writer(lex, clause.words):
        return "over de schrijver zelf"  # "ik ben echt de slechtste moeder ooit"
    if target.kind == "noun" and _own(lex, target) and (
            pred.linked or pred.category == "threat"):
        # A parent about their own child ("our son is autistic", "mijn zoon is een chaoot"), a
        # child about a parent ("thuis slaat mn vader me weer"): the writer's family, not a
        # classmate put down or threatened (a threat still tries the next one named).
        return "over de eigen familie"
    if (pred.linked and match.term.role == "words"
            # (a weapon brought or carried is aimed at whoever the clause names: "ik neem mn
            # broer zn bom mee en gooi hem in je kluisje")
            and clause.lemma_set.isdisjoint(pred.words("carry"))
            and not _linked(lex, clause, target, match.positions)):
        return "niet over iemand gezegd"
    return ""
