"""Bench of ``GET /api/care/at-risk``: CPU time and shop-adapter calls.

``python -m bench.care [--linked 500]``: a fresh SQLite database with the customers' scripted history
(tests/unit/customers/history.py: C1004 with every kind of signal) and ``linked`` more linked
conversations (the demo shop's other customers, then customers the shop does not know), none with a
signal of its own; the demo shop counts the calls. Side by side: the list as it was made before
(every candidate's whole signals, as the customer record computes them, the shop asked about each)
and :meth:`customers.care.Care.at_risk` (the shop asked only about the customers with a signal of
Kefu's own tables). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEMO_CUSTOMERS = ["C1001", "C1002", "C1003", "C1005", "C1006", "C1007", "C1008", "C1009", "C1010", "C1011", "C1012"]


def at_risk(linked: int, days: int = 60) -> dict[str, Any]:
    from customers.care import Care
    from customers.links import CustomerLinks
    from shop.demo import DemoShop
    from tests.databases import migrated_sqlite
    from tests.unit.customers.history import day, script

    class CountingShop(DemoShop):
        calls = 0

        def list_customer_orders(self, **kwargs: Any) -> Any:
            self.calls += 1
            return super().list_customer_orders(**kwargs)

        def get_after_sales_request(self, **kwargs: Any) -> Any:
            self.calls += 1
            return super().get_after_sales_request(**kwargs)

        def get_customer(self, **kwargs: Any) -> Any:
            self.calls += 1
            return super().get_customer(**kwargs)

    with tempfile.TemporaryDirectory() as tmp:
        url = migrated_sqlite(Path(tmp) / "app.db")
        script(url)
        links = CustomerLinks(url)
        for n in range(linked):
            customer_id = DEMO_CUSTOMERS[n] if n < len(DEMO_CUSTOMERS) else f"C{3000 + n}"
            links.link(customer_id, channel="telegram", sender_id=f"tg:bench{n}", by="order_check", at=day(1))
        shop = CountingShop(url)
        care = Care(url, shop, clock=lambda: day(6))

        def before() -> list[str]:
            listed = []
            for customer_id in care.candidates():
                if care.signals(customer_id, care.links.identities(customer_id), days=days):
                    listed.append(customer_id)
                    shop.get_customer(customer_id=customer_id)
                    care.follow_ups.of_customer(customer_id)
            return listed

        result: dict[str, Any] = {"candidates": len(care.candidates()), "days": days}
        for name, work in (("before", before), ("now", lambda: [r["customer_id"] for r in care.at_risk(days=days)])):
            shop.calls = 0
            started = time.process_time()
            listed = work()
            result[name] = {"cpu_ms": round((time.process_time() - started) * 1000, 1), "shop_calls": shop.calls,
                            "listed": listed}
        return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.care", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--linked", type=int, default=500)
    args = parser.parse_args()
    json.dump(at_risk(args.linked), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
