"""Human handoff actions (owned by the handoff work; see request.py)."""
