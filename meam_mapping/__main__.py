"""Run the command line: ``python -m meam_mapping``."""

from meam_mapping.cli import main

raise SystemExit(main())
