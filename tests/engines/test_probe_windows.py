"""When a probe worker probes at all: the engines catch a kubelet that probes during postStart or before a probe's
initialDelaySeconds (mutation survivors of the first engines-only mutation run, now regression tests)."""

from __future__ import annotations

import pytest

from kmodel import scenarios
from kmodel.check import check_cluster
from kmodel.controllers import kubelet
from kmodel.decisions import kubelet as kubelet_decisions


def _probes_during_post_start(pod, container, kind):
    s = container.status
    if container.probe(kind) is None or s.state != "running":
        return False
    if kind == "readiness":
        return s.started or s.post_start_pending
    if s.stopping or pod.terminating:
        return False
    return s.started if kind == "liveness" else not s.started


def _ignores_initial_delay(pod, container, kind, clock):
    return kubelet_decisions.probe_active(pod, container, kind)


@pytest.mark.parametrize("module, decision, bug, scenario, rule", [
    (kubelet_decisions, "probe_active", _probes_during_post_start, "hooks", "probes-only-while-probing"),
    (kubelet, "probe_enabled", _ignores_initial_delay, "probes", "probe-waits-initial-delay"),
], ids=["probe_active", "probe_enabled"])
def test_probing_outside_the_worker_window_is_caught(swap, module, decision, bug, scenario, rule):
    assert check_cluster(scenarios.CATALOGUE[scenario].cluster()).verdict == "pass"
    swap.setattr(module, decision, bug)
    report = check_cluster(scenarios.CATALOGUE[scenario].cluster())
    assert report.verdict == "fail" and rule in {v.rule for v in report.violations}, report.violations
