"""``python -m papertui`` runs the command line."""

from papertui.cli import main

raise SystemExit(main())
