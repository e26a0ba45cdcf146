"""Personal data out of texts that leave their conversation (FAQ drafts, suggested replies).

:func:`kefu.privacy.mask_pii` masks phone numbers, ID-card and e-mail addresses and street
addresses; what it keeps for the agents of the conversation itself (order numbers, the 4-digit
phone endings) is masked here too, and so are the names the conversation knows (the customer's
registered name, the agent's display name). An order number becomes the placeholder ``{order}``
and a customer's name ``{name}``: in a suggestion, they are filled with the new conversation's
verified data (:func:`assist.canned.fill`); in a draft, the editor sees where they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kefu.privacy import mask_pii

#: Order numbers (the demo's have 12 digits) and any other long number: 6 digits or more.
_LONG_NUMBER = re.compile(r"(?<![0-9０-９])[0-9０-９]{6,}(?![0-9０-９])")
#: Remaining digits of masked numbers and 4-digit endings after a phone word.
_PHONE_TAIL = re.compile(r"(?i)(尾号|尾號|后四位|後四位|last (?:4|four) digits?(?: of)?)\s*[:：是为為]?\s*[0-9０-９]{4}")
_MASKED_TAIL = re.compile(r"[+＋]?\*{2,}[*\s\-]*[0-9０-９]{1,4}(?![0-9０-９])")


def mask_personal(text: str, *, names: Iterable[str] = (), agent_names: Iterable[str] = ()) -> str:
    """``text`` without personal data (see the module docstring)."""
    masked = mask_pii(text) or ""
    masked = _MASKED_TAIL.sub("****", masked)
    masked = _PHONE_TAIL.sub(lambda m: f"{m.group(1)}****", masked)
    masked = _LONG_NUMBER.sub("{order}", masked)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        masked = masked.replace(name, "{name}")
    for name in sorted({n.strip() for n in agent_names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        masked = masked.replace(name, "***")
    return masked
