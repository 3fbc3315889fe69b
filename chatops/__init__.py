"""occ: Slack chat-ops for the Operator Control Center's support and reliability people."""
