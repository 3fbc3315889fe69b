"""Runbooks: escalation ladders and SOPs as data (`data/*.md`). `feature.install` plugs it in."""
