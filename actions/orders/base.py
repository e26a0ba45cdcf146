"""``OrderAction``: the base of the actions that act on the verified order of the conversation.

Every such action starts with the same guard (the identity rule, :mod:`actions.orders.access`):

* the order in slot ``order_id``, when this shopper may see it now (a signed-in shopper's own
  order, or an anonymous shopper's order whose phone check still counts): the action goes on
  with it (:meth:`OrderAction.act`);
* the phone digits asked again, keeping the order number and the task, when an anonymous
  shopper's check of that order lapsed (older than ``KEFU_VERIFICATION_MINUTES``, another
  channel, an earlier session);
* otherwise (never verified, the wrong digits, another customer's order, a locked conversation)
  ``utter_order_verification_failed``, which says nothing about the order.

A subclass names its :attr:`~OrderAction.task`, says what it does with the order in
:meth:`~OrderAction.act`, and may answer before the guard (:meth:`~OrderAction.before`), insist on
a particular order (:meth:`~OrderAction.expected_order`) and clear slots when it refuses
(:meth:`~OrderAction.cleared`). One action per module still: the subclasses live in their own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from shop.adapter import OrderView, ShopAdapter


class OrderAction(Action, ABC):
    """An action on the conversation's verified order (see the module docstring).

    Abstract (rasa-sdk registers only concrete actions): a subclass defines ``name`` and :meth:`act`.
    """

    #: what the order lookup carries on with once the digits match again: status, cancel or return
    task: ClassVar[str]

    def before(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
        """An answer that needs no order (returned at once), or ``None`` to go on to the guard."""
        return None

    def expected_order(self, tracker: Tracker) -> str | None:
        """The order this turn is about when it must be one in particular (``None``: any)."""
        return None

    def cleared(self) -> list[EventType]:
        """Slot events returned with a refusal or a new phone question (the action's own state)."""
        return []

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderView,
            shop: ShopAdapter) -> list[EventType]:
        """What the action does with the order the shopper may see (``shop`` is the adapter it came from)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        early = self.before(dispatcher, tracker)
        if early is not None:
            return early
        shop = access.shop()
        order = access.authorised_order(tracker, shop)
        expected = self.expected_order(tracker)
        if order is not None and (expected is None or order.order_id == expected):
            return self.act(dispatcher, tracker, order, shop)
        again = access.recheck(tracker, self.task) if order is None else None
        if again is not None:  # verified earlier: the digits again, then the task carries on
            return self.cleared() + again
        dispatcher.utter_message(response="utter_order_verification_failed")
        return self.cleared()
