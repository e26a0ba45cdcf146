"""Human handoff: the queue of conversations waiting for an agent, and what agents do with them.

* :mod:`handoff.states`  the status machine (bot → waiting → active → resolved; abandoned; callback)
* :mod:`handoff.models`  tables: handoffs, their transitions, complaint tickets
* :mod:`handoff.store`   persistence (``HandoffStore.create(config)``; SQL is the real one)
* :mod:`handoff.service` queue position, wait estimate, claim, agent messages, resolve, service hours
* :mod:`handoff.api`     the ``/api/handoffs`` blueprint, the live feed and the agent console

Imports only :mod:`kefu`; the web app hands the API its auth and error helpers.
"""
