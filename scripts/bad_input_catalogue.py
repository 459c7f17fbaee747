"""Print the bad-input catalogue as a Markdown table for the README.

Runs every case in ``tests/catalogue/cases.py`` through the real loaders and
shows what the user did and the message MEAM Mapping shows them.

    python scripts/bad_input_catalogue.py > catalogue.md
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from catalogue.cases import CASES, run_case  # noqa: E402


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> int:
    print("| Case | What the user did | The message MEAM Mapping shows |")
    print("| --- | --- | --- |")
    failed = 0
    for case in CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                message = run_case(case)
            except AssertionError as exc:
                message, failed = f"(no message: {exc})", failed + 1
        print(f"| `{case.id}` | {_cell(case.what_user_did)} | {_cell(message)} |")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
