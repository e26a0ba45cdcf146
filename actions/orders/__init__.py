"""Order actions: verified order status, cancel, 7-day returns and exchanges.

The dialogue (domain.yml, data/rules/orders.yml): an order intent starts ``order_lookup_form``
(order number, then the last 4 phone digits unless the widget vouches for a signed-in customer);
``validate_order_lookup_form`` checks ownership and counts wrong answers; once the lookup ends
verified, the task's action runs (``action_order_status``, ``action_cancel_order``,
``action_return_request``). The actions on the verified order re-check ownership on every turn
through one guard, :class:`actions.orders.base.OrderAction`; the shop is read through the adapter
``SHOP_ADAPTER`` names (:func:`actions.orders.access.shop`). Replies are responses of the domain,
filled with values formatted here for the ``language`` slot.
"""
