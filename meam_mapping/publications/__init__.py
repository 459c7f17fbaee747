"""Known publications, recognised by their headings.

Deprivation, population, Census, Fingertips, homelessness, treatment and justice tables:
see :mod:`.registry`.
"""

from __future__ import annotations

from meam_mapping.publications.registry import (
    Publication,
    annotate,
    get_publication,
    publications,
    recognise,
)

__all__ = ["Publication", "annotate", "get_publication", "publications", "recognise"]
