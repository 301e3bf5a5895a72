"""The language layer shared by the text rules: per-language constants (``languages``), lemmas
(``lemmas``), spelling tolerance (``spelling``) and clauses with separable verbs (``clauses``).

Everything language-specific is data in ``policies/lexicons/<code>/language.toml``; a third language
is a new folder there.
"""

from policies.language.clauses import Clause, Reader, Token
from policies.language.languages import Language, Vocabulary, vocabulary

__all__ = ["Clause", "Language", "Reader", "Token", "Vocabulary", "vocabulary"]
