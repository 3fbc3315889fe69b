"""Q&A capture: operators' questions, answers and confusing dashboard states (Linear tickets)."""
