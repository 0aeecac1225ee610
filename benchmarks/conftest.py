"""The benchmarks import the installed kmodel (the build `pip install` made, as the tests do) and a few of the
tests' strategies (`tests.strategies`): the repository root goes at the *end* of the import path, so that it is
only the fallback for `kmodel` and `invariants`."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.append(ROOT)
