"""The bodies of the main screen's multi-step actions, one module per job."""
