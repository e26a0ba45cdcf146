"""Customers across channels: who a conversation's shopper is, their churn signals and follow-ups.

Imports ``kefu``, ``shop``, ``handoff`` and ``analytics`` only (docs/design.md, the direction of
imports). Tables: :mod:`customers.models` (migration 0009).
"""
