"""Incidents: modal, numbered lifecycle, timeline, resolution time and MTTR. `feature.install` plugs it in."""
