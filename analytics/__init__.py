"""Analytics of the conversations and the inbox of questions the bot could not answer.

* :mod:`analytics.models`: query-friendly tables (one row per conversation session, per FAQ
  answer, per unanswered customer message) filled from ``conversation_events``.
* :mod:`analytics.ingest`: the incremental ingester (high-water mark, safe with several web replicas),
  reading the events through :mod:`analytics.events`, counting them into sessions in
  :mod:`analytics.sessions` and copying handoffs onto them in :mod:`analytics.handoffs`.
* :mod:`analytics.grouping`: similar questions grouped (character n-gram TF-IDF, cosine).
* :mod:`analytics.inbox`: the editors' inbox (groups, resolve, dismiss) and the FAQ source.
* :mod:`analytics.report`: the dashboard's figures.
* :mod:`analytics.api`: ``/api/analytics``, ``/api/inbox`` and the ``/dashboard`` page on the web app.

Nothing here connects or reads files at import time.
"""
