"""Pure Block Kit builders: domain objects in, Slack message/view dicts out. No I/O here."""
