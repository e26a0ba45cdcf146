"""Composition of a whole Kefu: what ``make run`` does around the processes it starts.

* :mod:`bot.stack.launcher`: ``python -m bot run|prepare|train|customer-key`` — prepares, then
  starts and supervises the Rasa server(s), the action server and the web app;
* :mod:`bot.stack.prepare`: the database's preparation (migrations, demo accounts, demo shop,
  FAQ import), also the image's ``migrate`` role;
* :mod:`bot.stack.training`: the model named after its inputs' fingerprint, ``rasa train``, and
  the :class:`~bot.stack.training.RasaRetrainer` the web app hands the FAQ publisher.

This package may import every other; nothing below it imports it.
"""
