"""FAQ content validation: every problem names file, line, entry, field and a fix."""

from pathlib import Path

import pytest

from faq.loader import load_catalogue
from kefu.settings import ROOT

CATALOGUE = Path("/work/shared/catalogue/faq.yml")

GOOD = """\
category: shipping
title_zh: 配送
title_en: Shipping
faqs:
  - id: shipping_fee
    question_zh: 运费怎么算？
    question_en: How is the shipping fee calculated?
    examples_zh: [运费多少, 包邮吗, 满多少包邮]
    examples_en: [Is shipping free?, how much is delivery, free shipping minimum]
    answer_zh: 满99元包邮。
    answer_en: Free shipping from ¥99.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    directory = tmp_path / "content"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def errors(problems):
    return [p for p in problems if p.level == "error"]


def test_project_content_holds_the_whole_catalogue_with_identical_answers():
    import yaml

    catalogue, problems = load_catalogue(ROOT / "faq" / "content", ROOT)
    assert errors(problems) == []
    store = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8")) if CATALOGUE.exists() else None
    if store is None:
        pytest.fail(f"the store catalogue {CATALOGUE} is missing")
    ours = {faq.id: faq for faq in catalogue.faqs}
    for entry in store["faqs"]:
        faq = ours[entry["id"]]
        assert faq.category == entry["category"]
        assert faq.answer_zh == entry["answer_zh"].strip()
        assert faq.answer_en == entry["answer_en"].strip()
        assert faq.question_zh == entry["question_zh"]
    assert len(ours) == len(store["faqs"])


def test_good_file_loads(tmp_path):
    catalogue, problems = load_catalogue(write(tmp_path, "shipping.yml", GOOD))
    assert problems == []
    faq = catalogue.get("shipping_fee")
    assert faq.category == "shipping" and faq.intent == "faq/shipping_fee"
    assert faq.training_examples()[0] == "运费怎么算？"


def test_empty_answer_names_file_line_entry_field_and_fix(tmp_path):
    directory = write(tmp_path, "shipping.yml", GOOD.replace("answer_en: Free shipping from ¥99.", "answer_en: ''"))
    _, problems = load_catalogue(directory, tmp_path)
    [problem] = errors(problems)
    assert (problem.file, problem.line, problem.entry, problem.field) == ("content/shipping.yml", 11, "shipping_fee", "answer_en")
    text = str(problem)
    assert "content/shipping.yml:11" in text and "answer_en" in text and "Fix:" in text and "English answer" in text


def test_yaml_syntax_error_gives_line(tmp_path):
    directory = write(tmp_path, "shipping.yml", GOOD.replace("    question_en: How", "   question_en How"))
    _, problems = load_catalogue(directory, tmp_path)
    [problem] = errors(problems)
    assert problem.line > 0 and "not valid YAML" in problem.message and "indentation" in problem.fix


def test_misspelt_field_is_named_with_a_suggestion(tmp_path):
    directory = write(tmp_path, "shipping.yml", GOOD.replace("answer_zh:", "answer_cn:"))
    problems = errors(load_catalogue(directory)[1])
    messages = " | ".join(f"{p.field}: {p.message} {p.fix}" for p in problems)
    assert "unknown field 'answer_cn'" in messages and "did you mean 'answer_zh'" in messages
    assert any(p.field == "answer_zh" and "missing" in p.message for p in problems)


def test_duplicate_id_across_files(tmp_path):
    write(tmp_path, "shipping.yml", GOOD)
    other = GOOD.replace("category: shipping", "category: payment").replace("运费多少", "付款方式")
    other = other.replace("包邮吗", "能刷卡吗").replace("满多少包邮", "支持花呗吗").replace("运费怎么算？", "怎么付款？")
    other = other.replace("How is the shipping fee calculated?", "How can I pay?")
    other = other.replace("[Is shipping free?, how much is delivery, free shipping minimum]", "[card ok?, paypal?, alipay?]")
    directory = write(tmp_path, "payment.yml", other)
    problems = errors(load_catalogue(directory)[1])
    assert any(p.field == "id" and "used twice" in p.message for p in problems)


def test_same_question_under_two_entries_is_refused(tmp_path):
    two = GOOD + GOOD.split("faqs:\n")[1].replace("shipping_fee", "free_shipping").replace(
        "运费怎么算？", "包邮门槛？").replace("How is the shipping fee calculated?", "Free shipping threshold?")
    problems = errors(load_catalogue(write(tmp_path, "shipping.yml", two))[1])
    assert any("also a question of entry 'shipping_fee'" in p.message for p in problems)


def test_bad_id_and_wrong_category(tmp_path):
    text = GOOD.replace("id: shipping_fee", "id: Shipping-Fee").replace("category: shipping", "category: payment")
    problems = errors(load_catalogue(write(tmp_path, "shipping.yml", text))[1])
    fields = {p.field for p in problems}
    assert {"id", "category"} <= fields


def test_few_examples_is_a_warning_not_an_error(tmp_path):
    text = GOOD.replace("[运费多少, 包邮吗, 满多少包邮]", "[运费多少]")
    problems = load_catalogue(write(tmp_path, "shipping.yml", text))[1]
    assert errors(problems) == [] and any(p.level == "warning" and p.field == "examples_zh" for p in problems)


@pytest.mark.parametrize("category", ["../../endpoints", "a/b", "Shipping", "x", "shipping\n", "after-sales", ""])
def test_a_category_that_is_not_snake_case_is_an_error(category):
    from faq.loader import parse_entry

    raw = {"id": "gift_card_cash", "question_zh": "礼品卡能换钱吗？", "question_en": "Gift card for cash?",
           "examples_zh": ["a", "b", "c"], "examples_en": ["d", "e", "f"], "answer_zh": "不能。", "answer_en": "No."}
    _faq, problems = parse_entry(raw, category=category, file="api")
    assert any(p.field == "category" and p.level == "error" for p in problems), problems
    _faq, problems = parse_entry(raw, category="after_sales", file="api")
    assert not errors(problems)


def test_an_id_with_a_trailing_newline_is_not_snake_case(tmp_path):
    from faq.loader import parse_entry

    _faq, problems = parse_entry({"id": "shipping_fee\n"}, category="shipping", file="api")
    assert any(p.field == "id" for p in errors(problems))


def test_a_clash_with_an_editor_entry_names_its_question_not_a_file_line():
    """Entries of the editor's working copy have no file line: the message names the entry by its
    question instead of "(api:0)" (issue 22.9)."""
    from faq.codec import API_FILE
    from faq.loader import check_catalogue
    from faq.model import Catalogue, Category, Faq

    def entry(faq_id: str, question: str, examples: list[str]) -> Faq:
        return Faq(id=faq_id, category="all", file=API_FILE, line=0, question_zh=question, question_en=f"{faq_id}?",
                   examples_zh=examples, examples_en=[], answer_zh="答", answer_en="A.")

    catalogue = Catalogue(categories=[Category("all", "", "", faqs=[
        entry("invoice_request", "怎么开发票？", ["要发票"]), entry("shipping_fee", "运费怎么算？", ["怎么开发票？"])])])
    [problem] = [p for p in check_catalogue(catalogue) if p.entry == "shipping_fee"]
    assert problem.message == ("'怎么开发票？' is also a question of entry 'invoice_request' "
                               "(its question '怎么开发票？').")
