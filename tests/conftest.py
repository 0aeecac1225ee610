"""Hypothesis profiles for the whole suite.

`dev` (default) is quick; `ci` extends Hypothesis's built-in `ci` profile (derandomized, no deadline, active
whenever the CI environment variable is set); `thorough` is for long local runs. Select one with
`--hypothesis-profile NAME` or `KMODEL_HYPOTHESIS_PROFILE`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", parent=settings.get_profile("ci"), max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])

_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("KMODEL_HYPOTHESIS_PROFILE", _default))
