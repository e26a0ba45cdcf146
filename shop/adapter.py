"""The shop adapter: the one interface between Kefu and a shop's orders and customers.

Kefu is store-neutral. Everything it reads from or writes to a shop goes through an object of
:class:`ShopAdapter`, chosen by the setting ``SHOP_ADAPTER=module:Class`` (default
:data:`DEMO_ADAPTER`, the demo shop over the app database, :mod:`shop.demo`) and built once per
process by :func:`load_adapter`. Its users: the order actions (``actions/orders/``), the handoff
action's customer lookup (``actions/human_handoff/``) and the console's customer panel
(``web/customers.py``). A shop connects Kefu to its own system by writing a class with these
methods over its database or API; no action, reply or rule changes.

The contract, in short:

* Every method takes keyword arguments only and returns the frozen value objects of
  :mod:`shop.views` (re-exported here), never ORM rows or the shop's own records; they hold
  nothing the bot must not show (the phone number and e-mail are only in :class:`CustomerView`,
  which only staff screens show, the phone masked to its last 4 digits).
* Statuses are the contract's eleven (:data:`shop.policy.STATUSES`); times are aware datetimes;
  amounts are :class:`~decimal.Decimal` yuan. The value objects refuse anything else with
  :class:`ShopContractError`, so a mapping mistake shows where it is made.
* When the shop's system cannot answer, raise :class:`ShopUnavailable`: the action fails, the
  shopper is told the service is unavailable and offered a human (``bot/faults.py``), nothing
  is changed.
* The identity rule (contract section 4) is Kefu's: who may see an order, counting wrong answers,
  locking a conversation. The adapter only answers two yes/no questions truthfully
  (:meth:`ShopOrders.check_order_owner`, :meth:`ShopOrders.check_order_customer`) and must give
  an unknown order the same ``False`` as a wrong answer.

Capabilities are Protocols of their own (:class:`ShopOrders`, :class:`ShopCustomers`);
:class:`ShopAdapter` is their union and what ``SHOP_ADAPTER`` must satisfy. The product
catalogue (pre-sales, :class:`ShopCatalogue`) is an optional part: an adapter that defines any of
its methods must define them all (checked at start, :func:`adapter_class`); one that defines none
still serves orders, and product questions are then answered "not in the product details" with a
human offered (:func:`catalogue_of`). :class:`ShopRefunds` (who had a refund lately, in one call) is
optional too: it only makes the console's at-risk list quicker.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

from kefu.settings import Settings, SettingsError
from shop.policy import STATUSES, OrderStatus
from shop.views import (
    AfterSalesKind,
    AfterSalesResult,
    AfterSalesView,
    CancelResult,
    CustomerView,
    MemberBenefitView,
    MemberLevel,
    OrderLine,
    OrderView,
    ProductFact,
    ProductView,
    PromotionView,
    SharedAlias,
    ShopContractError,
    ShopError,
    ShopUnavailable,
    SizeChart,
    SizeRow,
    VariantView,
)

__all__ = [
    "DEMO_ADAPTER",
    "SETTING",
    "STATUSES",
    "AfterSalesKind",
    "AfterSalesResult",
    "AfterSalesView",
    "CancelResult",
    "CustomerView",
    "MemberBenefitView",
    "MemberLevel",
    "OrderLine",
    "OrderStatus",
    "OrderView",
    "ProductFact",
    "ProductView",
    "PromotionView",
    "SharedAlias",
    "ShopAdapter",
    "ShopCatalogue",
    "ShopContractError",
    "ShopCustomers",
    "ShopError",
    "ShopOrders",
    "ShopUnavailable",
    "SizeChart",
    "SizeRow",
    "VariantView",
    "adapter_class",
    "catalogue_of",
    "conformance_problems",
    "load_adapter",
]

#: The environment variable that names the adapter class.
SETTING = "SHOP_ADAPTER"
#: The default adapter: the demo shop in the app database.
DEMO_ADAPTER = "shop.demo:DemoShop"


@runtime_checkable
class ShopOrders(Protocol):
    """A shop's orders and after-sales requests, as the order actions need them."""

    def get_order(self, *, order_id: str) -> OrderView | None:
        """The order with this number, or ``None`` when there is none.

        Called once the shopper proved the order is theirs (or for the staff console), so it
        returns the whole :class:`OrderView`. Kefu asks only for numbers its dialogue reads
        (:data:`shop.policy.ORDER_ID`, 12 digits); anything else is simply ``None``, never an error.
        """
        ...

    def list_customer_orders(self, *, customer_id: str, limit: int = 5) -> list[OrderView]:
        """The customer's most recent orders, newest first, at most ``limit`` of them (Kefu always
        passes it). An unknown customer has none: ``[]``.

        Used to offer a signed-in shopper their orders as buttons, and by the console.
        """
        ...

    def check_order_owner(self, *, order_id: str, phone_last4: str) -> bool:
        """Whether the order exists and the phone number on it ends with these 4 digits.

        An unknown order, a wrong phone and a malformed input all give the same ``False`` and
        should take the same time, so that the answer says nothing about the order. Only compare:
        Kefu counts wrong answers and stops guessing (:mod:`verification.failures`) itself.
        """
        ...

    def check_order_customer(self, *, order_id: str, customer_id: str) -> bool:
        """Whether the order exists and was placed by this customer (the shop's own customer
        number, the subject of a signed customer token). ``False`` for an unknown order."""
        ...

    def cancel_order(self, *, order_id: str) -> CancelResult:
        """Cancels the order if, at that moment, it has not shipped (status in
        :data:`shop.policy.CANCELLABLE`: pending_payment, paid, processing).

        Re-check the status in the same transaction (or API call) that changes it: an order
        that shipped since the shopper was asked is left alone and reported with its current
        status (``cancelled=False``). An order already cancelled: ``cancelled=False``,
        status ``cancelled``. ``was_paid`` says whether money goes back (the bot then tells the
        refund timing). An unknown order: ``CancelResult(False, None)``.
        """
        ...

    def request_after_sales(self, *, order_id: str, kind: AfterSalesKind, reason: str,
                            today: date) -> AfterSalesResult:
        """Files a return or exchange of a delivered order inside the 7-day no-reason window.

        Args:
            order_id: the order (already checked to be the shopper's).
            kind: ``return`` (refund) or ``exchange`` (another size or colour).
            reason: the shopper's words, at most 200 characters (keep them for the warehouse).
            today: the shop's current date; apply :func:`shop.policy.check_return` to the order
                as it is when the request is written (``OrderView.return_check(today)``).

        Returns:
            ``created=True`` with the new request's id and the SKUs it covers (the check's
            ``eligible``), the order now ``return_requested``. At most one request per order:
            when one exists, write nothing and return it (``created=False``, its id and kind,
            check outcome ``in_progress``). When the rules say no (or the status changed
            meanwhile), write nothing: ``created=False``, ``request_id=None``, the check saying
            why. An unknown order: outcome ``not_delivered``.
        """
        ...

    def get_after_sales_request(self, *, order_id: str) -> AfterSalesView | None:
        """The return or exchange filed for this order, or ``None``."""
        ...


@runtime_checkable
class ShopCustomers(Protocol):
    """A shop's customer records, for the console (the bot itself never shows them)."""

    def get_customer(self, *, customer_id: str) -> CustomerView | None:
        """The customer with this number, or ``None``: shown to agents in the console's customer
        panel (phone masked to its last 4 digits there)."""
        ...

    def list_customers(self) -> list[CustomerView]:
        """Customers by number: the demo storefront's login picker (only served while
        ``KEFU_DEMO_SHOP`` is on). A real shop, which leaves the demo login off, may return ``[]``."""
        ...


@runtime_checkable
class ShopRefunds(Protocol):
    """Optional: who had a refund lately, in one call (the at-risk list's ``refund`` signal).

    Without it Kefu asks :meth:`ShopOrders.list_customer_orders` about every customer it knows a
    conversation of, each time an agent opens the at-risk list (slow on a shop's remote API)."""

    def customers_with_refunds(self, *, since: datetime) -> list[str]:
        """Customer numbers with an order refunded, being refunded or with a return filed since
        ``since`` (UTC). More is harmless (Kefu still reads each one's orders), fewer is not."""
        ...


def refunds_of(adapter: object) -> ShopRefunds | None:
    """The adapter's batch refund lookup, or ``None`` when it defines none."""
    return adapter if isinstance(adapter, ShopRefunds) else None


@runtime_checkable
class ShopCatalogue(Protocol):
    """A shop's product knowledge, as pre-sales answers need it (optional; see the module docstring).

    Facts are only ever taken from here: what a :class:`ProductView` does not hold, the bot says
    it does not know. Names are the shop's own; the bot matches shoppers' words against
    ``name_*`` and ``aliases_*`` (:mod:`products.matcher`), rebuilding its matcher whenever
    :meth:`catalogue_version` changes, without retraining.
    """

    def list_products(self) -> list[ProductView]:
        """Every product on sale, by SKU."""
        ...

    def get_product(self, *, sku: str) -> ProductView | None:
        """The product with this SKU, or ``None``."""
        ...

    def find_products(self, *, name: str) -> list[ProductView]:
        """Products whose SKU, name or one of whose aliases is exactly ``name`` (case and
        simplified/traditional forms ignored); several when an alias is shared (耳机); ``[]`` for none."""
        ...

    def list_variants(self, *, sku: str) -> list[VariantView]:
        """The product's variants with their stock now, in the shop's order; ``[]`` for an unknown SKU."""
        ...

    def shared_aliases(self) -> list[SharedAlias]:
        """The names several products share, with the question that tells them apart."""
        ...

    def promotions_on(self, *, day: date) -> list[PromotionView]:
        """The promotions in force on ``day`` (shop's date): none that has ended or not yet begun."""
        ...

    def member_benefits(self, *, level: MemberLevel) -> MemberBenefitView | None:
        """What this membership tier gives, or ``None`` when the shop has no such tier."""
        ...

    def list_member_benefits(self) -> list[MemberBenefitView]:
        """Every tier, lowest first."""
        ...

    def catalogue_version(self) -> str:
        """A short string that changes whenever names or aliases change (e.g. a digest or the
        time of the last edit); the bot rebuilds its product matcher when it does."""
        ...


def catalogue_of(adapter: object) -> ShopCatalogue | None:
    """The adapter's product catalogue, or ``None`` when the shop connected none."""
    return adapter if isinstance(adapter, ShopCatalogue) else None


@runtime_checkable
class ShopAdapter(ShopOrders, ShopCustomers, Protocol):
    """Everything Kefu asks of a shop; what the class named by ``SHOP_ADAPTER`` implements.

    Kefu builds it once per process: ``Class.from_settings(settings)`` when the class defines
    that classmethod (it is given Kefu's :class:`~kefu.settings.Settings`, e.g. the app
    database's URL), else ``Class()``. Building it must not connect anywhere; the first call
    may. The methods are called from worker threads, possibly at the same time.
    """



def protocol_methods(protocol: type = ShopAdapter) -> dict[str, inspect.Signature]:
    """The methods a Protocol (with its bases) requires, with their signatures."""
    methods: dict[str, inspect.Signature] = {}
    for part in protocol.__mro__:  # the most derived definition of a name wins
        if part is object or not getattr(part, "_is_protocol", False) or part.__module__ == "typing":
            continue
        for name, member in vars(part).items():
            if inspect.isfunction(member) and not name.startswith("_"):
                methods.setdefault(name, inspect.signature(member))
    return methods


def _accepts(wanted: inspect.Signature, actual: inspect.Signature) -> str | None:
    """Why a method with signature ``actual`` cannot be called as Kefu calls ``wanted``, or None."""
    params = list(actual.parameters.values())[1:]  # without self
    by_name = {p.name: p for p in params}
    open_keywords = any(p.kind is p.VAR_KEYWORD for p in params)
    for name, param in list(wanted.parameters.items())[1:]:
        have = by_name.get(name)
        if have is None and not open_keywords:
            return f"takes no '{name}'"
        if have is not None and have.kind not in (have.KEYWORD_ONLY, have.POSITIONAL_OR_KEYWORD):
            return f"cannot take '{name}' by keyword"
    for param in params:
        if param.name not in wanted.parameters and param.default is param.empty \
                and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            return f"requires '{param.name}', which Kefu does not pass"
    return None


def conformance_problems(cls: type, protocol: type = ShopAdapter) -> list[str]:
    """What keeps ``cls`` from serving as a ``protocol`` (default: :class:`ShopAdapter`):
    missing methods, methods that cannot be called as Kefu calls them, a class Kefu cannot build.
    Empty when it conforms."""
    problems = []
    missing = []
    for name, wanted in protocol_methods(protocol).items():
        member = inspect.getattr_static(cls, name, None)
        if member is None:
            missing.append(name)
            continue
        if not callable(getattr(cls, name)) or isinstance(member, (staticmethod, classmethod)):
            problems.append(f"{name} is not a method")
            continue
        why = _accepts(wanted, inspect.signature(getattr(cls, name)))
        if why is not None:
            problems.append(f"{name} {why}")
    if missing:
        problems.insert(0, "missing " + ", ".join(missing))
    factory = getattr(cls, "from_settings", None)
    try:
        if factory is not None:
            inspect.signature(factory).bind(None)
        else:
            inspect.signature(cls).bind()
    except TypeError:
        problems.append("from_settings(settings) must take the settings alone" if factory is not None
                        else "it needs constructor arguments; give it a classmethod from_settings(settings)")
    except ValueError:  # no signature to read (a builtin): let the call tell
        pass
    return problems


def adapter_class(settings: Settings) -> type:
    """The adapter class ``SHOP_ADAPTER`` names, imported and checked against the Protocol.

    Every process calls this at start (through :func:`load_adapter` or directly), so a bad
    setting stops it with the fix instead of failing in a shopper's conversation.

    Raises:
        SettingsError: naming ``SHOP_ADAPTER``: not ``module:Class``, the module cannot be
            imported, no such class, not a class, or the class does not implement the Protocol.
    """
    spec = settings.shop_adapter  # its form (module:Class) is checked by load_settings
    where = f"{SETTING}={spec!r}"
    module_name, _, class_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # noqa: BLE001 - any failure to import the named module is a settings error
        raise SettingsError(f"{where}: module {module_name!r} cannot be imported ({type(error).__name__}: "
                            f"{error}); check the module path and that its package is installed.") from None
    found: Any = getattr(module, class_name, None)
    if found is None:
        raise SettingsError(f"{where}: module {module_name!r} has no {class_name!r}; name the adapter class.")
    if not inspect.isclass(found):
        raise SettingsError(f"{where}: {class_name!r} is a {type(found).__name__}, not a class; "
                            "name the adapter class.")
    problems = conformance_problems(found)
    catalogue = protocol_methods(ShopCatalogue)
    if any(inspect.getattr_static(found, name, None) is not None for name in catalogue):
        problems += [f"catalogue: {problem}" for problem in conformance_problems(found, ShopCatalogue)]
    if problems:
        raise SettingsError(f"{where}: {class_name} does not implement the ShopAdapter Protocol "
                            f"(shop/adapter.py): {'; '.join(problems)}.")
    return found


@functools.lru_cache(maxsize=8)
def load_adapter(settings: Settings) -> ShopAdapter:
    """The shop adapter of this deployment, built on first use and then shared by the process.

    Raises:
        SettingsError: as :func:`adapter_class`.
    """
    cls = adapter_class(settings)
    factory = getattr(cls, "from_settings", None)
    adapter: ShopAdapter = factory(settings) if factory is not None else cls()
    return adapter
