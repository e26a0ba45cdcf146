"""Custom Rasa graph components of Kefu's NLU pipeline (see config.yml)."""
