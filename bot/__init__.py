"""Kefu's Rasa process wiring: NLU components, response generation, stores, channels, launcher."""
