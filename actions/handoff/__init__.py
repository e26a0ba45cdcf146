"""Custom actions of the human handoff: hand over, and the rating after the agent is done."""
