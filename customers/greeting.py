"""In which language a known customer is greeted: their profile's, until they write in another.

A customer the conversation proves (signed in on the widget, or a passed order check in this
conversation; never a mere link of the channel identity) is greeted by name. The reply's language
is the shop profile's (``zh-CN``, ``zh-TW``, ``zh-HK``, ``en``) unless the message they wrote says
otherwise: English written by a Chinese-profile customer is answered in English, and Chinese in the
script it shows. Chinese that both scripts write alike (你好, 在吗) shows none, so the profile
decides the script and, for Hong Kong and Taiwan, the region's character forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.regional import Region, region_of_locale
from kefu.text import detect_language, is_script_neutral


@dataclass(frozen=True)
class ReplyLanguage:
    """The ``language`` slot's value (``zh-Hans``, ``zh-Hant``, ``en``) and, for traditional
    replies, the region whose character forms are used (``hk``, ``tw`` or ``None``)."""

    language: str
    script: Region | None = None


def profile_language(locale: str | None) -> ReplyLanguage | None:
    """The reply language of a profile's language tag; ``None`` for a tag Kefu does not answer in."""
    code = (locale or "").strip().lower().replace("_", "-")
    if code.startswith("en"):
        return ReplyLanguage("en")
    region = region_of_locale(code)
    if region is not None:
        return ReplyLanguage("zh-Hant", region)
    if code in ("zh", "zh-cn", "zh-sg", "zh-hans", "zh-hans-cn"):
        return ReplyLanguage("zh-Hans")
    return None


def greeting_language(locale: str | None, written: str | None, *, script: Region | None = None) -> ReplyLanguage | None:
    """The language to greet a known customer in.

    Args:
        locale: the customer's profile language (shop data).
        written: what they wrote (raw text); a payload such as ``/greet`` or a message without
            words says nothing.
        script: the conversation's ``script`` slot (how they wrote before), which wins over the
            profile's region for a traditional reply.

    Returns:
        The profile's language when the message says nothing else; the written language when it
        does; ``None`` when neither is known (the conversation's own language stands).
    """
    profile = profile_language(locale)
    text = (written or "").strip()
    said = None if text.startswith("/") else detect_language(text)
    if said is None or (profile is not None and profile.language != "en" and said != "en" and is_script_neutral(text)):
        return profile
    if profile is not None and said == profile.language:
        return ReplyLanguage(said, script or profile.script) if said == "zh-Hant" else profile
    return ReplyLanguage(said, script) if said == "zh-Hant" else ReplyLanguage(said)
