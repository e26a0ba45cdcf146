"""Human handoff: the queue of conversations waiting for an agent, and what agents do with them.

The handoff record is the one truth of who holds a conversation: while a handoff is waiting or
active, the channels' gate (``bot/channels/gate.py``) records the customer's messages without a
bot reply; nothing else is kept in step.

* :mod:`handoff.states`      the status machine (bot → waiting → active → resolved; abandoned; callback)
* :mod:`handoff.models`      tables: handoffs, their transitions, complaint tickets
* :mod:`handoff.store`       the queue in the app database; :meth:`~handoff.store.HandoffStore.hold_of`
* :mod:`handoff.tickets`     complaint tickets
* :mod:`handoff.transcripts` what was said (transcripts, the live feed's changes)
* :mod:`handoff.service`     queue position, wait estimate, claim, agent messages, resolve, service hours
* :mod:`handoff.rasa_client` the two deliveries over Rasa's HTTP API: an agent's message, the rating question
* :mod:`handoff.upkeep`      the rating question (sent again until delivered), abandoning quiet waits
* :mod:`handoff.serialize`   the API's JSON shapes
* :mod:`handoff.api`         the ``/api/handoffs`` routes, their error table, the live feed and the console

Imports only :mod:`kefu`; the web app hands the API its auth and error helpers.
"""
