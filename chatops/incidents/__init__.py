"""Incidents: modal, numbered lifecycle, timeline, resolution time and MTTR."""
