"""Response generation in the customer's language.

Kefu's domain writes each response in simplified Chinese (default variation) and English
(``condition: language = en``). :class:`KefuNLG` is Rasa's templated generator plus two steps:
it fills the shop's own details (``{shop_name}``, ``{hotline}``, ``{return_address}`` from
``faq/shop.yml``) and
converts Chinese replies to traditional characters when the customer wrote in traditional
characters (``language`` slot ``zh-Hant``), in the forms of the customer's region (``script`` slot:
``hk`` Hong Kong, ``tw`` Taiwan, unset: Taiwan's character forms; :mod:`kefu.regional`).

FAQ answers (``utter_faq/<id>``) come from the published FAQ content (:mod:`faq.live`) when
there is one, so an edited answer is live as soon as it is published, and a new FAQ (answered
through the NLU's fast path) has an answer before the model knows it. The answers baked into
the model's domain are the fallback.
"""

from __future__ import annotations

import functools
import itertools
import logging
from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from faq.loader import load_shop_profile
from kefu.settings import ROOT
from kefu.text import detect_language, is_script_neutral, to_traditional

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"
SCRIPT_SLOT = "script"
FAQ_RESPONSE_PREFIX = "utter_faq/"
#: Keys an action may pass with a response to name its language and script (``bot.nlg`` only).
REPLY_LANGUAGE = "reply_language"
REPLY_SCRIPT = "reply_script"
LANGUAGES = ("zh-Hans", "zh-Hant", "en")


def _published_answer(faq_id: str, language: str | None) -> str | None:
    """The FAQ's answer in the published content (edited answers are live without retraining)."""
    from faq.live import live_content

    content = live_content()
    return content.answer(faq_id, language) if content is not None else None


@functools.lru_cache(maxsize=1)
def _shop_profile() -> dict[str, str]:
    return load_shop_profile(ROOT / "faq" / "shop.yml")


def shop_variables(language: str | None) -> dict[str, str]:
    """Template variables describing the shop, in the reply's language."""
    profile = _shop_profile()
    english = language == "en"
    return {
        "shop_name": profile["name_en"] if english else profile["name_zh"],
        "hotline": profile.get("hotline", ""),
        "return_address": profile.get("return_address_en" if english else "return_address_zh", ""),
    }


def localise(response: dict[str, Any], language: str | None, script: str | None = None) -> dict[str, Any]:
    """Converts the visible text of a Chinese response to traditional characters if needed.

    Args:
        response: the generated response (``text``, ``buttons``), changed in place.
        language: the ``language`` slot; only ``zh-Hant`` is converted.
        script: the ``script`` slot (``hk``, ``tw`` or unset), the region whose forms are used.
    """
    if language != "zh-Hant":
        return response
    if response.get("text"):
        response["text"] = to_traditional(response["text"], script)
    for button in response.get("buttons") or []:
        if button.get("title"):
            button["title"] = to_traditional(button["title"], script)
    return response


#: How many earlier messages a script-neutral message looks back through for the customer's script.
LOOKBACK = 20


def reply_language(tracker: DialogueStateTracker) -> str | None:
    """The ``language`` slot, except that a message both scripts write alike (好的, 不用了, 先不要:
    ``zh-Hans`` by detection) keeps the script of the customer's latest message that showed one,
    so a traditional-character writer who answers "不用了" is not answered in simplified characters."""
    language = tracker.get_slot(LANGUAGE_SLOT)
    if language != "zh-Hans":
        return language
    messages = itertools.islice((e for e in reversed(tracker.events) if isinstance(e, UserUttered)), LOOKBACK)
    latest = next(messages, None)
    if latest is None or not is_script_neutral(latest.text):
        return language
    for message in messages:
        if is_script_neutral(message.text):
            continue
        earlier = detect_language(message.text)
        if earlier is not None:
            return "zh-Hant" if earlier == "zh-Hant" else language
    return language


class KefuNLG(TemplatedNaturalLanguageGenerator):
    """Templated responses, filled with the shop's details and in the customer's script."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__(domain.responses if domain else {})

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        # an action that knows the reply's language better than the slots (the greeting of a known
        # customer, in their profile's language) names it; it also sets the slots, for what follows
        chosen = kwargs.pop(REPLY_LANGUAGE, None)
        chosen_script = kwargs.pop(REPLY_SCRIPT, None)
        language = chosen if chosen in LANGUAGES else reply_language(tracker)
        script = chosen_script if chosen in LANGUAGES else tracker.get_slot(SCRIPT_SLOT)
        if utter_action.startswith(FAQ_RESPONSE_PREFIX):
            published = _published_answer(utter_action[len(FAQ_RESPONSE_PREFIX):], language)
            if published is not None:
                return localise({"text": published}, language, script)
        variables = {**shop_variables(language), **kwargs}
        slots = {**tracker.current_slot_values(), LANGUAGE_SLOT: language, SCRIPT_SLOT: script}
        response = self.generate_from_slots(utter_action, slots, output_channel, **variables)
        return localise(response, language, script) if response else None
