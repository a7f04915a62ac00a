"""The bodies of the main screen's multi-step actions (links, export, triage), one module
per job."""
