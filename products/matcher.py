"""Product mentions in a shopper's message, recognised with spaCy over the shop's catalogue.

The matcher is a spaCy :class:`~spacy.matcher.PhraseMatcher` (attribute ``LOWER``) whose patterns are
every product's SKU, names and aliases (``name_*``, ``aliases_*``) from the adapter's catalogue. Text
is first normalised by :func:`kefu.text.normalize` (full-width → half-width, traditional →
simplified through OpenCC, lower case), so one simplified pattern also matches traditional and
Cantonese writing (智能手錶 → 智能手表). Tokens come from a jieba tokenizer of the matcher's own
(a :class:`jieba.Tokenizer`, not the global one) into which every name and alias is added as a
word, so that a name is one token sequence wherever it stands in a sentence; English words are
jieba's too (it splits on spaces and punctuation). The spaCy ``Doc`` is built over those tokens
in a blank ``xx`` pipeline, which carries no model.

Overlapping matches keep the longest (头戴式耳机 over 耳机). A match whose name several products
share (耳机, 手表, 外套: the catalogue's ``shared_aliases`` or any alias two products list) is
reported with all of them, for the disambiguating question.

:func:`matcher_for` keeps one matcher per catalogue and rebuilds it when
:meth:`~shop.adapter.ShopCatalogue.catalogue_version` changes: a product added or renamed in the shop
is recognised on the next message, without retraining the bot.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from kefu.text import normalize
from shop.adapter import ProductView, ShopCatalogue

#: SKUs written out (LM-AP-001, lm-sh-005-bk-43): matched as such, before names.
SKU = re.compile(r"\b[a-z]{2}-[a-z]{2}-\d{3}(?:-[a-z0-9]+)*\b")

#: words Taiwan (and Hong Kong) shoppers use for a mainland catalogue word, after the traditional →
#: simplified step: a name containing the word is also matched with the regional one
#: (行動電源 → 行动电源 for 移动电源). A catalogue written in either usage is found by both.
REGIONAL_WORDS: dict[str, tuple[str, ...]] = {
    "移动电源": ("行动电源",),
    "充电宝": ("行动电源",),
    "智能手表": ("智慧手表", "智慧型手表"),
    "u盘": ("随身碟",),
}


@dataclass(frozen=True)
class Mention:
    """Words of the message that name a product: one SKU, or several when the name is shared."""

    text: str
    skus: tuple[str, ...]
    start: int

    @property
    def ambiguous(self) -> bool:
        return len(self.skus) > 1


class ProductMatcher:
    """Finds the catalogue's products in a message (see the module docstring)."""

    def __init__(self, products: list[ProductView], shared: dict[str, tuple[str, ...]] | None = None) -> None:
        import jieba
        import spacy
        from spacy.matcher import PhraseMatcher

        self.products = {p.sku: p for p in products}
        names: dict[str, set[str]] = {}
        for product in products:
            for name in (product.name_zh, product.name_en, *product.aliases_zh, *product.aliases_en):
                key = _plain(name)
                if key:
                    names.setdefault(key, set()).add(product.sku)
        for name, skus in (shared or {}).items():
            key = _plain(name)
            if key:
                names.setdefault(key, set()).update(skus)
        for name, named in list(names.items()):
            for word, variants in REGIONAL_WORDS.items():
                if word in name:
                    for variant in variants:
                        names.setdefault(name.replace(word, variant), set()).update(named)
        self._skus = {name: tuple(sorted(skus)) for name, skus in names.items()}
        self._tokenizer = jieba.Tokenizer()
        for name in self._skus:
            if not name.isascii():
                self._tokenizer.add_word(name.replace(" ", ""), freq=200000)
        self._nlp = spacy.blank("xx")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        for name in self._skus:
            self._matcher.add(name, [self._doc(name)])

    def _tokens(self, text: str) -> list[str]:
        return [t for t in self._tokenizer.lcut(text, HMM=False) if t.strip()]

    def _doc(self, text: str) -> Any:  # a spacy.tokens.Doc
        from spacy.tokens import Doc

        return Doc(self._nlp.vocab, words=self._tokens(text) or [" "])

    def mentions(self, message: str) -> list[Mention]:
        """The products the message names, in the order it names them (each SKU once)."""
        from spacy.util import filter_spans

        text = _plain(message)
        found: list[Mention] = []
        for match in SKU.finditer(text):
            sku = "-".join(match.group(0).upper().split("-")[:3])
            if sku in self.products:
                found.append(Mention(match.group(0), (sku,), match.start()))
        text = SKU.sub(" ", text)
        doc = self._doc(text)
        spans = filter_spans([doc[start:end] for _, start, end in self._matcher(doc)])
        for span in spans:
            key = _span_key(span.text, self._skus)
            if key is not None:
                found.append(Mention(span.text, self._skus[key], span.start_char))
        seen: set[tuple[str, ...]] = set()
        unique = []
        for mention in sorted(found, key=lambda m: m.start):
            if mention.skus not in seen:
                seen.add(mention.skus)
                unique.append(mention)
        return unique


def _plain(text: str) -> str:
    """Normalised text without apostrophes: kids' phone watch = kids phone watch."""
    return normalize(text).replace("'", "").replace("’", "")


def _span_key(text: str, names: dict[str, tuple[str, ...]]) -> str | None:
    """The pattern a matched span stands for (jieba tokens joined back, with or without spaces)."""
    if text in names:
        return text
    squashed = text.replace(" ", "")
    return next((name for name in names if name.replace(" ", "") == squashed), None)


_lock = threading.Lock()
_cache: dict[int, tuple[str, ProductMatcher]] = {}


def matcher_for(catalogue: ShopCatalogue) -> ProductMatcher:
    """The matcher over this catalogue, rebuilt when its version changed since the last call."""
    version = catalogue.catalogue_version()
    with _lock:
        cached = _cache.get(id(catalogue))
        if cached is not None and cached[0] == version:
            return cached[1]
    shared: dict[str, tuple[str, ...]] = {}
    for group in catalogue.shared_aliases():
        for alias in (*group.aliases_zh, *group.aliases_en):
            shared[alias] = group.skus
    matcher = ProductMatcher(catalogue.list_products(), shared)
    with _lock:
        _cache[id(catalogue)] = (version, matcher)
    return matcher
