"""The demo storefront's product page, ``/product/<sku>`` (contract section 7, issue 18.6).

The page states the catalogue's name, description, price (the list price struck while on sale) and
each variant's stock, read through the shop adapter on every request, and carries the chat widget
with ``data-product-sku``: the widget sends the SKU with each message (metadata ``product_sku``),
so "这款有黑色吗" on this page is about this product. Every value is HTML-escaped. The page has no
inline script; its policy is the storefront's (``web.security``). An unknown SKU, or a shop adapter
without a catalogue, is a 404 page.
"""

from __future__ import annotations

import html
import re

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from shop.adapter import ProductView, catalogue_of
from shop.views import VariantView

bp = Blueprint("product_page")

_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
#: the most pieces a variant line calls "only N left" (as the bot's answers do)
LOW_STOCK = 5

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name_zh} · 明镜商城 Lumen Mall</title>
<link rel="icon" href="data:,">
<style>
  body {{ margin: 0; font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
         color: #1f2328; background: #f6f7f9; }}
  main {{ max-width: 860px; margin: 24px auto; background: #fff; padding: 24px 28px; border-radius: 8px; }}
  .price strong {{ color: #c0392b; font-size: 26px; }} .price s {{ color: #888; margin-left: 8px; }}
  .en {{ color: #5f6b76; }} li.out {{ color: #b35900; }} a {{ color: #1d6fd8; }}
</style>
</head>
<body>
<main data-product-sku="{sku}">
<p><a href="/">← 明镜商城 Lumen Mall</a></p>
<h1 data-product="name">{name_zh}</h1>
<p class="en">{name_en}</p>
<p class="price" data-product="price"><strong>{price}</strong>{list_price}</p>
<p>{description_zh}</p>
<p class="en">{description_en}</p>
<h2>款式与库存 · Options and stock</h2>
<ul data-product="variants">
{variants}
</ul>
<p>对这款商品有疑问？点右下角“在线客服”问我们。 · Questions about it? Ask us in the chat.</p>
</main>
<script src="/widget.js" defer data-title="明镜商城客服" data-title-en="Lumen Mall support" data-product-sku="{sku}"></script>
</body>
</html>
"""

NOT_FOUND = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>没有这件商品 · Not found</title></head>
<body><main><h1>没有这件商品 · No such product</h1><p><a href="/">← 明镜商城 Lumen Mall</a></p></main></body></html>
"""


def _money(amount: object) -> str:
    return f"¥{amount:,.2f}"


def _variant_line(variant: VariantView) -> str:
    label = " ".join(part for part in (variant.option("model"), variant.option("colour_zh"), variant.option("spec_zh"),
                                       variant.option("size"), variant.option("bed_width")) if part) or "标准"
    if variant.stock == 0:
        back = f"，预计{variant.restock_date.isoformat()}到货" if variant.restock_date else ""
        state, css = f"暂时缺货{back} · out of stock", "out"
    elif variant.stock <= LOW_STOCK:
        state, css = f"仅剩{variant.stock}件 · only {variant.stock} left", "low"
    else:
        state, css = "有货 · in stock", "in"
    return (f'<li class="{css}" data-variant="{html.escape(variant.variant_sku)}">'
            f"{html.escape(label)}：{html.escape(state)}</li>")


def render(product: ProductView, variants: list[VariantView]) -> str:
    e = html.escape
    list_price = f"<s>{e(_money(product.list_price_cny))}</s>" if product.list_price_cny is not None else ""
    return PAGE.format(sku=e(product.sku), name_zh=e(product.name_zh), name_en=e(product.name_en),
                       price=e(_money(product.price_cny)), list_price=list_price,
                       description_zh=e(product.description_zh), description_en=e(product.description_en),
                       variants="\n".join(_variant_line(v) for v in variants))


@bp.get("/product/<sku:str>")
async def product_page(request: Request, sku: str) -> HTTPResponse:
    shop = catalogue_of(request.app.ctx.shop)
    if shop is None or not _SKU.fullmatch(sku):
        return response.html(NOT_FOUND, status=404)
    product = await request.app.loop.run_in_executor(None, lambda: shop.get_product(sku=sku.upper()))
    if product is None:
        return response.html(NOT_FOUND, status=404)
    variants = await request.app.loop.run_in_executor(None, lambda: shop.list_variants(sku=product.sku))
    return response.html(render(product, variants))
