"""Health: the SLA rule, state evaluation, probing and (later) the monitor loop and alert episodes."""
