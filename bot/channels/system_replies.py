"""The sentences the channels say themselves, outside the bot's turns, in the customer's language.

Everything the bot says lives in ``domain.yml``'s responses; these few are what a channel says
when a message never reaches the bot (a flood, a blank message, a sticker, a failure) and the
name shown for an agent without one. Each has a Chinese text (traditional characters for
``zh-Hant`` customers through :func:`kefu.text.to_traditional`, as the bot's responses get) and an
English one.

The language is the conversation's when the channel knows it, else that of the customer's
message when it has words (what the conversation's ``language`` slot becomes with that message,
:func:`kefu.text.detect_language`); when neither tells, Chinese then English in one message.
"""

from __future__ import annotations

from kefu.text import detect_language, to_traditional

LANGUAGES = ("zh-Hans", "zh-Hant", "en")

#: name → (Chinese, English)
REPLIES: dict[str, tuple[str, str]] = {
    # a sender over the message rate limit (once per flood on the messengers, each refusal on REST)
    "too_fast": ("您发送消息太快了，请稍等片刻再发。", "You are sending messages too fast; please wait a moment and try again."),
    # a blank REST message with nothing waiting for the customer
    "blank": ("请输入您想咨询的问题。", "Please type your question."),
    # a sticker, photo, voice message, location ... on Telegram or WeChat
    "text_only": ("抱歉，我目前只能看懂文字消息。请用文字描述您的问题，我马上为您解答。",
                  "Sorry, I can only read text messages for now. Please type your question and I'll help right away."),
    # processing the message failed in the channel (the Rasa server's own faults: FAULT_REPLIES below)
    "failed": ("抱歉，系统开小差了，请稍后再试。", "Sorry, something went wrong; please try again."),
    # who wrote an agent's message when it names no agent (Telegram and WeChat prefix the text with it)
    "agent": ("客服", "Agent"),
}

#: What the Rasa server says when it cannot do its part (``bot.patches.faults``), by case and
#: language: name → {"zh-Hans", "zh-Hant", "en"} (written out: the quotes differ between the two
#: scripts, which a character conversion would not give).
FAULT_REPLIES: dict[str, dict[str, str]] = {
    # the database or Redis is unavailable
    "apology": {
        "zh-Hans": "抱歉，系统出了点技术问题，请稍后再试。",
        "zh-Hant": "抱歉，系統出了點技術問題，請稍後再試。",
        "en": "Sorry, we have a technical problem; please try again in a moment.",
    },
    # the action server is unreachable or failing: a human is offered (with a button)
    "actions_down": {
        "zh-Hans": "抱歉，这项服务暂时无法使用，请稍后再试。需要的话我可以为您转接人工客服：请说“转人工”。",
        "zh-Hant": "抱歉，這項服務暫時無法使用，請稍後再試。需要的話我可以為您轉接人工客服：請說「轉人工」。",
        "en": "Sorry, this service is unavailable right now; please try again in a moment. "
              "I can connect you with a human agent: say \"human\" (转人工).",
    },
    # the button's title and payload
    "human_button": {"zh-Hans": "转人工", "zh-Hant": "轉人工", "en": "human"},
    # even the handoff cannot be queued (no human to offer then)
    "handoff_down": {
        "zh-Hans": "抱歉，人工客服暂时无法接入，请稍后再试。",
        "zh-Hant": "抱歉，人工客服暫時無法接入，請稍後再試。",
        "en": "Sorry, I can't reach our agents right now; please try again in a few minutes.",
    },
}


def system_reply(name: str, language: str | None = None, *, text: str | None = None) -> str:
    """The reply ``name`` of :data:`REPLIES`.

    Args:
        language: ``zh-Hans``, ``zh-Hant`` or ``en`` (the conversation's, when known).
        text: the customer's message, whose language is used when ``language`` is not given.

    Returns:
        The reply in that language; Chinese then English when no language is known.
    """
    chinese, english = REPLIES[name]
    language = language if language in LANGUAGES else detect_language(text)
    if language == "en":
        return english
    if language == "zh-Hant":
        return to_traditional(chinese)
    if language == "zh-Hans":
        return chinese
    return f"{chinese}{english}" if chinese[-1] in "。！？" else f"{chinese} {english}"


def reply_language(*, conversation: str | None, hint: str | None = None) -> str:
    """``zh-Hans``, ``zh-Hant`` or ``en`` for a channel's own replies.

    Args:
        conversation: the conversation's ``language`` slot (the language of the customer's
            latest message), which wins when known.
        hint: a messenger's language code for the user (Telegram ``language_code``).
    """
    if conversation in LANGUAGES:
        return conversation
    code = (hint or "").lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh-Hant" if code in ("zh-hant", "zh-tw", "zh-hk", "zh-mo") or "hant" in code else "zh-Hans"
    if code:
        return "en"
    return "zh-Hans"


def text_please(language: str) -> str:
    """The polite reply to a sticker, photo, voice message, location ... in ``language``."""
    return system_reply("text_only", language)
