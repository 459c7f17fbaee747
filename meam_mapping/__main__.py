"""Run the command line: ``python -m meam_mapping``."""

from meam_mapping.cli import run

raise SystemExit(run())
