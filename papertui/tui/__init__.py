"""The Textual app. Import :func:`papertui.tui.app.create_app` to build it."""
