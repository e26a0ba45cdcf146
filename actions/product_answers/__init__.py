"""Pre-sales answers from the shop's catalogue (issue 18): one action, ``action_product_answer``
(:mod:`actions.product_answers.answer`), whose replies per kind of question live in
:mod:`actions.product_answers.replies`; the product in focus is kept in slots (:mod:`actions.product_answers.focus`)."""
