"""Human handoff actions: hand over to the agent queue, ask for and store the rating."""
