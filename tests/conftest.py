"""Hypothesis profiles: "ci" (the default, sized for 2 cores and a 10-minute suite) and
"dev" (heavier, for local runs: HYPOTHESIS_PROFILE=dev pytest)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "dev", max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
