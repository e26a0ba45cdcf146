"""Order verification bookkeeping kept outside the conversation: wrong answers to the order check.

A conversation's tracker can be rewound (``/back``), reset (``/restart``) or started afresh (a new
session), so nothing that limits guessing may live in it. :class:`verification.failures.FailureCounter`
counts wrong answers per conversation (sender id) and per order number in the app database, each
one with a single atomic statement. Imports :mod:`kefu` only.
"""
