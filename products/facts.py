"""What a product question asks: which fact, which variant (colour, size, model), which measurements.

Facts are the catalogue's attribute keys (``battery_life``, ``waterproof`` ...), which mean the same
on every product. :data:`FACT_WORDS` lists the words shoppers use for the common ones (simplified
Chinese after :func:`kefu.text.normalize`, which also maps traditional and Cantonese writing, and
English); a product's own labels (``label_zh``/``label_en``: 蓬松度, 适配机型) are matched too. A fact
named here that the product does not hold is what the bot reports as unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kefu.text import normalize
from shop.adapter import ProductView, VariantView

#: fact key → words that ask for it (normalised Chinese, lower-case English). Longer, more specific
#: keys first: the first key whose word occurs wins.
FACT_WORDS: dict[str, tuple[str, ...]] = {
    "airline": ("飞机", "登机", "航空", "托运", "高铁", "plane", "flight", "airline", "carry-on", "carry on", "fly"),
    "battery_life": ("续航", "电池", "待机", "用多久", "能用多长", "听多久", "听多长", "几耐", "battery", "on one charge",
                     "hours"),
    "noise_cancelling": ("降噪", "隔音", "noise cancel", "anc"),
    "waterproof": ("防水", "进水", "淋雨", "游泳", "下雨", "下水", "游水", "waterproof", "water resist", "water-resist", "rain", "swim"),
    "wireless_charging": ("无线充", "wireless charg"),
    "charging": ("充电", "快充", "充满", "charging", "charge"),
    "compatibility": ("兼容", "适配", "安卓", "苹果手机", "华为", "机型", "compatible", "compatibility", "android"),
    "bluetooth": ("蓝牙", "连接", "bluetooth", "connect"),
    "ingredients": ("成分", "配料", "含什么", "ingredient"),
    "material": ("材质", "面料", "布料", "材料", "什么料", "咩料", "料子", "什么做的", "羊毛含量", "material", "fabric", "made of",
                 "made from"),
    "weight": ("重量", "多重", "重不重", "几斤", "多少克", "重唔重", "几重", "weight", "heavy", "weigh"),
    "care": ("洗护", "怎么洗", "清洗", "机洗", "水洗", "干洗", "洗衣机", "手洗", "wash", "care", "clean"),
    "origin": ("产地", "哪里产", "哪里生产", "哪产", "哪里做", "边度产", "边度整", "made in", "origin", "where is it made",
               "where are they made", "where is the", "where are the", "made where", "产自", "come from", "produced"),
    "warmth": ("保暖", "暖和", "冷不冷", "零下", "几多度", "多少度", "顶得住", "warm"),
    "voltage": ("电压", "伏", "110v", "220v", "voltage", "volt"),
    "power": ("功率", "瓦数", "费电", "watt", "wattage"),
    "capacity": ("容量", "毫升", "装多少", "capacity", "how much does it hold"),
    "shrinkage": ("缩水", "shrink"),
    "see_through": ("透不透", "透光", "会透", "see-through", "see through", "sheer"),
    "pilling": ("起球", "pilling", "pill"),
    "fit": ("版型", "偏大", "偏小", "正码", "宽松", "修身", "fit", "run large", "run small", "runs large", "runs small"),
    "length": ("衣长", "多长", "长度", "过膝", "length"),
    "dimensions": ("尺寸多大", "体积", "长宽", "多大个", "dimension"),
    "storage": ("保存", "储存", "存放", "冷藏", "冰箱", "store it", "storage", "keep it"),
    "shelf_life": ("保质期", "过期", "能放多久", "shelf life", "expir", "best before"),
    "warranty": ("保修", "质保", "warranty", "guarantee"),
    "age_range": ("几岁", "年龄", "多大的孩子", "多大小孩", "age", "years old", "how old"),
    "in_box": ("配件", "包装里", "有什么东西", "in the box", "comes with", "accessor"),
    "display": ("屏幕", "display", "screen"),
    "camera": ("摄像头", "拍照", "camera"),
    "skin_type": ("肤质", "敏感肌", "干皮", "油皮", "混油", "skin type", "sensitive skin", "oily skin", "dry skin"),
    "pregnancy": ("孕妇", "孕期", "怀孕", "哺乳", "pregnan", "breastfeed"),
    "texture": ("质地", "油腻", "黏", "texture", "greasy", "sticky"),
    "fill": ("填充", "填的", "含绒量", "鹅绒", "鸭绒", "filling", "filled with", "down content"),
    "fill_power": ("蓬松度", "fill power"),
    "author": ("作者", "谁写的", "author", "who wrote"),
    "publisher": ("出版社", "出版", "publisher"),
    "language": ("中文版", "英文版", "语言", "language"),
    "pieces": ("颗粒", "多少颗", "pieces"),
    "magnetic": ("磁吸", "magsafe", "magnet"),
    "stove": ("电磁炉", "燃气灶", "明火", "induction", "gas stove", "hob"),
    "lid": ("锅盖", "盖子", "lid"),
    "sim": ("sim卡", "插卡", "sim"),
    "flavour": ("口味", "味道", "酸", "苦不苦", "flavour", "flavor", "taste"),
    "roast": ("烘焙", "深烘", "浅烘", "roast"),
    "delivery": ("怎么发货", "冷链", "cold chain"),
    "odour": ("异味", "味道大", "smell", "odour", "odor"),
}


@dataclass(frozen=True)
class AskedFact:
    """The fact a question asks for: its key and the words that named it."""

    key: str
    words: str


def asked_fact(message: str, product: ProductView | None = None) -> AskedFact | None:
    """The fact the message asks about: the product's own label when the message names it, else
    the first key of :data:`FACT_WORDS` one of whose words occurs; ``None`` when none does."""
    text = normalize(message)
    if product is not None:  # the product's own name is not a question: 保温杯 names no 保温 fact
        for name in sorted((product.name_zh, product.name_en, *product.aliases_zh, *product.aliases_en),
                           key=len, reverse=True):
            key = normalize(name)
            if key:
                text = text.replace(key, " ")
        for fact in product.facts:
            for label in (normalize(fact.label_zh), normalize(fact.label_en)):
                if len(label) >= 2 and label in text:
                    return AskedFact(fact.key, label)
    for key, words in FACT_WORDS.items():
        for word in words:
            if _occurs(word, text):
                return AskedFact(key, word)
    return None


def _occurs(word: str, text: str) -> bool:
    """Chinese words anywhere; English words from a word's start, and short ones (age, fly, lid)
    as whole words only ("age" is not in "agent"); a longer stem may run on (pregnan → pregnancy)."""
    if word.isascii():
        end = r"(?![a-z])" if len(word) <= 4 else ""
        return re.search(rf"(?<![a-z]){re.escape(word)}{end}", text) is not None
    return word in text


# ------------------------------------------------------------------ variants

#: Sizes written as letters; "均码" and friends are not sizes to choose.
LETTER_SIZE = re.compile(r"(?<![a-z'’])(xxl|xl|l|m|s)(?![a-z])\s*(?:码|号|size)?")
NUMBER_SIZE = re.compile(r"(?<!\d)(\d{2,3})\s*(?:码|号|size|eu)")


@dataclass(frozen=True)
class Wanted:
    """The variant options a message names (each empty when it names none)."""

    colour: str = ""
    size: str = ""
    model: str = ""

    def any(self) -> bool:
        return bool(self.colour or self.size or self.model)


def wanted_options(message: str, variants: list[VariantView]) -> Wanted:
    """The colour, size and model of ``variants`` that the message names (values as the shop writes them)."""
    text = normalize(message)
    colour = ""
    for variant in variants:
        for name in ("colour_zh", "colour_en"):
            value = variant.option(name)
            key = normalize(value)
            short = key[:-1] if key.endswith("色") and len(key) >= 2 else key
            if key and (key in text or (short and short in text)) and len(value) > len(colour):
                colour = variant.option("colour_zh")
    sizes = {normalize(v.option("size")).replace("×", "x"): v.option("size") for v in variants if v.option("size")}
    size = ""
    for match in NUMBER_SIZE.finditer(text):
        size = sizes.get(match.group(1), size)
    if not size:
        for match in LETTER_SIZE.finditer(text):
            size = sizes.get(match.group(1), size)
    if not size:  # a bare number that is one of the sizes: 43, 220
        for match in re.finditer(r"(?<![\d.])(\d{2,3})(?![\d.])", text):
            if match.group(1) in sizes and not _is_measurement(text, match.end()):
                size = sizes[match.group(1)]
    model = ""
    for variant in variants:
        value = variant.option("model")
        if value and normalize(value) in text and len(value) > len(model):
            model = value
    return Wanted(colour, size, model)


def _is_measurement(text: str, end: int) -> bool:
    return re.match(r"\s*(cm|公分|厘米|kg|公斤|斤|mm|毫米)", text[end:]) is not None


def matching_variants(variants: list[VariantView], wanted: Wanted) -> list[VariantView]:
    """The variants with every option the shopper named."""
    return [v for v in variants
            if (not wanted.colour or v.option("colour_zh") == wanted.colour)
            and (not wanted.size or v.option("size") == wanted.size)
            and (not wanted.model or v.option("model") == wanted.model)]


# ------------------------------------------------------------------ measurements

_HEIGHT = (re.compile(r"(?:身高|高)?\s*(1\d{2})\s*(?:cm|公分|厘米)?"), 1.0)
_METRE = re.compile(r"1\s*(?:米|m)\s*(\d{1,2})")
_WEIGHT_KG = re.compile(r"(\d{2,3}(?:\.\d)?)\s*(?:kg|公斤|千克)")
_WEIGHT_JIN = re.compile(r"(\d{2,3}(?:\.\d)?)\s*斤")
_FOOT = re.compile(r"(?:脚长|foot)\D{0,6}(\d{3})\s*(?:mm|毫米)?|(\d{3})\s*(?:mm|毫米)")
_USUAL = re.compile(r"(?:平时|一般|通常|平常|平日|usually|normally|usual)\D{0,10}?(\d{2})(?:\s*(?:码|号|eu))?")
_UNDERBUST = re.compile(r"下胸围\D{0,3}(\d{2})")
_BUST = re.compile(r"(?<!下)胸围\D{0,3}(\d{2,3})")
_WAIST = re.compile(r"腰围\D{0,3}(\d{2,3})")
_CUP = re.compile(r"(?<!\d)(\d{2}[a-e])(?![a-z])")


def measurements(message: str) -> dict[str, float | str]:
    """Body measurements and usual sizes a message gives: ``height_cm``, ``weight_kg``,
    ``foot_length_mm``, ``underbust_cm``, ``bust_cm``, ``waist_cm``, ``usual`` (a usual size, e.g. 42 or 75B)."""
    text = normalize(message)
    found: dict[str, float | str] = {}
    metre = _METRE.search(text)
    if metre:
        found["height_cm"] = 100 + float(metre.group(1).ljust(2, "0"))
    kg = _WEIGHT_KG.search(text)
    jin = _WEIGHT_JIN.search(text)
    if kg:
        found["weight_kg"] = float(kg.group(1))
    elif jin:
        found["weight_kg"] = float(jin.group(1)) / 2
    foot = _FOOT.search(text)
    if foot:
        found["foot_length_mm"] = float(foot.group(1) or foot.group(2))
    for key, pattern in (("underbust_cm", _UNDERBUST), ("bust_cm", _BUST), ("waist_cm", _WAIST)):
        match = pattern.search(text)
        if match:
            found[key] = float(match.group(1))
    cup = _CUP.search(text)
    usual = _USUAL.search(text)
    if cup:
        found["usual"] = cup.group(1).upper()
    elif usual:
        found["usual"] = usual.group(1)
    if "height_cm" not in found:
        for match in _HEIGHT[0].finditer(text):
            if not _is_weight_or_length(text, match.end()):
                found["height_cm"] = float(match.group(1))
                break
    return found


def _is_weight_or_length(text: str, end: int) -> bool:
    return re.match(r"\s*(kg|公斤|千克|斤|mm|毫米|码|号)", text[end:]) is not None
