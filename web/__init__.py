"""Kefu's web app on port 8000: demo storefront, agent console, FAQ editor and JSON APIs."""
