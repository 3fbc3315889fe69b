"""Health: probing the integrations, the SLA rule, flap damping, the monitor and alert episodes.
`feature.install` plugs it into the Router."""
