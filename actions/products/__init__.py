"""Pre-sales answers from the shop's catalogue (issue 18): one action, ``action_product_answer``
(:mod:`actions.products.answer`), whose replies per kind of question live in
:mod:`actions.products.replies`; the product in focus is kept in slots (:mod:`actions.products.focus`)."""
