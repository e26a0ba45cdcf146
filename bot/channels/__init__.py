"""Kefu's Rasa input/output channels: REST, site widget (Socket.IO), Telegram, WeChat."""
