"""The demo storefront's page (``/``), with its policy figures from the shop's own content.

The page (``web/pages/storefront.html``) does not state a policy of its own: its free-shipping
threshold, dispatch time, 假一赔N, return days and service hours are ``{{name}}`` placeholders
filled here from ``faq/shop.yml`` (the same file the bot's greetings read) and the agents' hours
the handoff uses (``HANDOFF_SERVICE_HOURS``). The FAQ answers state the same figures;
``tests/unit/web/test_storefront.py`` fails when one of the two is edited alone.

The page is rendered once, when the app is built: its inline script's CSP hash is taken from the
rendered page (``web.security``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from faq.loader import load_shop_profile
from kefu.settings import Settings

PAGE = Path(__file__).resolve().parent / "pages" / "storefront.html"

#: the policy figures of ``faq/shop.yml`` the page shows (each a positive whole number)
NUMBER_FACTS = ("free_shipping_from", "dispatch_within_hours", "counterfeit_compensation", "no_reason_return_days")
_ZH_NUMERALS = "零一二三四五六七八九十"
_EN_TIMES = {2: "two", 3: "three", 4: "four", 5: "five", 10: "ten"}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class StorefrontError(ValueError):
    """faq/shop.yml lacks a figure the page needs, or the page names one nobody provides."""


def hours_text(span: str) -> str:
    """``"09:00-22:00"`` (the settings' form) → ``"9:00–22:00"``, as the FAQ answers write hours."""
    match = _SPAN.match(span.strip().replace(" ", ""))
    if not match:
        raise StorefrontError(f"service hours {span!r}: expected the form 09:00-22:00")
    oh, om, ch, cm = match.groups()
    return f"{int(oh)}:{om}–{int(ch)}:{cm}"


def policy_facts(profile: dict[str, str], agent_hours: str) -> dict[str, str]:
    """The page's placeholders: the shop profile's name, hotline and policy figures, the agents' hours.

    Raises:
        StorefrontError: a figure is missing or not a positive whole number (naming it and the file).
    """
    facts: dict[str, str] = {}
    for key in NUMBER_FACTS:
        raw = str(profile.get(key, "")).strip()
        if not raw.isdigit() or int(raw) <= 0:
            raise StorefrontError(f"faq/shop.yml: '{key}' must be a positive whole number (it is {raw or 'missing'})")
        facts[key] = raw
    times = int(facts["counterfeit_compensation"])
    if times > 10:
        raise StorefrontError("faq/shop.yml: 'counterfeit_compensation' above 10 cannot be written as 假一赔N")
    facts["counterfeit_zh"] = f"假一赔{_ZH_NUMERALS[times]}"
    facts["counterfeit_en"] = f"{_EN_TIMES.get(times, str(times))}-times"
    facts["hotline"] = str(profile.get("hotline", ""))
    facts["hotline_hours"] = hours_text(str(profile.get("hotline_hours", "")))
    facts["agent_hours"] = hours_text(agent_hours)
    return {key: html.escape(value) for key, value in facts.items()}


def render(template: str, facts: dict[str, str]) -> str:
    """Fills the ``{{name}}`` placeholders of the page.

    Raises:
        StorefrontError: the page names a placeholder ``facts`` does not have.
    """
    unknown = sorted({name for name in _PLACEHOLDER.findall(template) if name not in facts})
    if unknown:
        raise StorefrontError(f"web/pages/storefront.html: unknown placeholder(s) {', '.join(unknown)}")
    return _PLACEHOLDER.sub(lambda match: facts[match.group(1)], template)


def storefront_page(settings: Settings, *, page: Path = PAGE) -> str:
    """The storefront's HTML for these settings (shop profile from ``faq/shop.yml``)."""
    profile = load_shop_profile(settings.root / "faq" / "shop.yml")
    facts = policy_facts(profile, settings.handoff_service_hours)
    return render(page.read_text(encoding="utf-8"), facts)
