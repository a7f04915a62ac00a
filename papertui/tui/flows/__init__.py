"""The bodies of the main screen's multi-step actions and background work (search, triage,
links, export, imports, relevance, background jobs), one module per job."""
