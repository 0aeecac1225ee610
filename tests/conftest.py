"""Hypothesis profiles for the whole suite, and the `swap` fixture.

`dev` (default) is quick; `ci` extends Hypothesis's built-in `ci` profile (derandomized, no deadline, active
whenever the CI environment variable is set); `thorough` is for long local runs. Select one with
`--hypothesis-profile NAME` or `KMODEL_HYPOTHESIS_PROFILE`.

`swap` is how a test runs the model with a decision swapped (a deliberate bug, a patched matcher): like
`monkeypatch.setattr`, undone after the test, and every memo of the model and the rules is cleared on each swap
and on the undo (`kmodel.memo.Swaps`), so no answer computed with the real decision is returned for the bug.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from kmodel.memo import Swaps


@pytest.fixture
def swap():
    """`swap.setattr(module_or_class, name, value)`, undone (and every memo cleared) after the test; `swap.undo()`
    undoes the swaps so far."""
    swaps = Swaps()
    yield swaps
    swaps.undo()

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", parent=settings.get_profile("ci"), max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])

_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("KMODEL_HYPOTHESIS_PROFILE", _default))
