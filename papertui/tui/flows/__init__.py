"""The bodies of the main screen's multi-step actions and background work (search, triage,
links, export, relevance, background jobs), one module per job."""
