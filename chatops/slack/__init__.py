"""Slack: the Bolt app that iterates the Router, and the Web API messenger."""
