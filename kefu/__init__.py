"""Kefu core: what every Kefu process shares (settings, text handling, database access).

The packages on top of it keep one direction of imports: ``bot`` (Rasa wiring and channels)
and ``actions`` may use ``handoff``; ``handoff`` and ``faq`` never import ``bot`` or ``actions``;
all of them may import ``kefu``.
"""
