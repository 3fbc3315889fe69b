"""Transports: HTTP (waitress), Socket Mode, and the console — the same handlers behind each."""
