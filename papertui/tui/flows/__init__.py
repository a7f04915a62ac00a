"""Multi-step flows the main screen delegates to (links, export): each owns one job."""
