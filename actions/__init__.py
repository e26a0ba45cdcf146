"""Kefu's custom actions (rasa-sdk), one action per module, grouped by topic.

rasa-sdk imports every module of this package at start: nothing here may connect to a
database, read files or start work at import time.
"""
