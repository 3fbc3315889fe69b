"""Operator training sessions: scheduling, reminders, the session's Q&A log and its report."""
