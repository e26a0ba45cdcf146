"""Pre-sales product knowledge: recognising products in shoppers' words and answering from the catalogue.

A domain package (imports :mod:`kefu` and :mod:`shop` only). Every fact it hands on comes from the
shop adapter's catalogue (:class:`shop.adapter.ShopCatalogue`); what the catalogue does not hold is
reported as unknown, never filled in.

* :mod:`products.matcher` — product mentions with a spaCy ``PhraseMatcher`` over the catalogue's names
  and aliases on jieba tokens, rebuilt when the catalogue's version changes (no retraining).
* :mod:`products.facts` — which fact a question asks for (battery life, waterproof ...), which variant
  (colour, size) and which body measurements it gives.
* :mod:`products.advice` — stock lines, size advice, comparisons, recommendations, promotions in force.
"""
