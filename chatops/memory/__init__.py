"""Memory: the team's decision log. `log` is the leaf every feature writes to; `feature.install` adds
`/occ memory`."""
