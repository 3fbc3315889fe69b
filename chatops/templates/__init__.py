"""Reply templates: the library synced with Chatwoot's canned responses, daily reviews logged in
Memory `ops`, and manager-only publishing through the outbox (draft → review → publish)."""
