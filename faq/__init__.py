"""FAQ content: the editor-owned source files in ``faq/content/`` and their compiler.

``python -m faq build`` validates the content and generates the Rasa training data
(retrieval intent ``faq/<id>``) and responses (``utter_faq/<id>``) in ``data/nlu/faq.yml``.
"""
