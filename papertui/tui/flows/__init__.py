"""Multi-step jobs of the main screen, each in its own module."""
