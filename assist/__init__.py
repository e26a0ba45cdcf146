"""Tools for the agents: canned replies, handoff summaries, reply suggestions and FAQ drafts.

A domain package: it imports :mod:`kefu` and the domain packages (faq, handoff, analytics, shop)
only. Its web routes are in :mod:`assist.api`; the web app composes them.
"""
