"""The app's screens: main, welcome, help and the modal prompts (import each from its module;
this package does not import them all, so that start-up loads only what it shows)."""
