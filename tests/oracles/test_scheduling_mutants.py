"""Semantic scheduler bugs, patched in one at a time, each reported by an engine under a scheduling rule.

`kmodel.check.check_cluster` runs the deterministic baseline (the cluster settles from its objects, every
TRANSITION rule checked on every step) and a short Hypothesis search; the scheduling rules compare every bind
and every unschedulable verdict with the independent oracle (invariants/oracles/scheduling.py).

Where the decision is made. Every scheduler plugin has two forms (`kmodel.scheduler.framework`): the readable
one (`fits`, `score`: what `reference.schedule` and the Z3 layer run) and the fast one the engines' scheduler runs
(the bind guard, the textbook trees and cache, the weighted pass), both in the plugin's module. The bugs are
patched into one form of one plugin through `kmodel.scheduler.profiles` (`with_filter`, `with_score`,
`with_rank`, installed under the profile's name), or, for a formula, into the plugin module's function that a
form reads. An oracle rule reports a wrong fast form; `scheduler-forms-agree` reports either form that departs
from the other.
"""

from __future__ import annotations

import pytest

from kmodel import usage as usage_mod
from kmodel.check import check_cluster
from kmodel.cluster import Cluster, Config
from kmodel.labels import Requirement, Selector
from kmodel.objects import GiB, MiB, Container, OwnerRef, Node, Pod, PodTemplate, ReplicaSet, Resources, Service
from kmodel.scheduler import profiles
from kmodel.scheduler.plugins import balanced_allocation, node_resources_fit, pod_topology_spread

SCHEDULING_RULES = ("schedule-least-loaded", "scheduler-forms-agree", "bind-only-to-feasible-node", "unschedulable-only-when-infeasible",
                    "pending-only-when-infeasible", "node-capacity-respected", "sometimes-spread-over-nodes",
                    "sometimes-pod-unschedulable")


def rs(replicas: int, cpu: int = 0, memory: int = 0, node_selector=None) -> list:
    template = PodTemplate(labels={"app": "web"}, node_selector=node_selector or {},
                           containers=(Container("c", requests=Resources(cpu, memory)),))
    selector = Selector((Requirement("app", "in", ("web",)),))
    return [ReplicaSet("web", replicas=replicas, selector=selector, template=template, uid="uid-web"),
            Service("web", selector={"app": "web"})]


def uneven_nodes() -> list:
    """A big node and a small one: LeastAllocated prefers big, the hostname spreading moves replicas to small."""
    return [Node("big", allocatable=Resources(8000, 32 * GiB)), Node("small", allocatable=Resources(2000, 4 * GiB))]


ORACLE_RULES = tuple(r for r in SCHEDULING_RULES if r != "scheduler-forms-agree")


def caught(objs, profile: str, rules=SCHEDULING_RULES) -> set[str]:
    c = Cluster.from_objects(objs, config=Config(profile=profile))
    report = check_cluster(c, max_examples=8, max_steps=12, rule_names=rules, hunt_rounds=0)
    return {v.rule for v in report.violations}


# ---- the bugs, each patched into one plugin form through `kmodel.scheduler.profiles` -------------------------

def install(mp, variant) -> None:
    """`profiles.installed(variant)` for the rest of the test (monkeypatch undoes it)."""
    mp.setitem(profiles.PROFILES, variant.name, variant)


def in_both_profiles(mp, build) -> None:
    for base in (profiles.TEXTBOOK, profiles.KUBERNETES):
        install(mp, build(base))


def _fits_variant(max_pods_slack=0):
    def fits_fast(requests, node, usage):
        cpu, memory = requests
        pods = 0 if usage is None else usage.pods
        used = Resources() if usage is None else usage.requested
        if pods + 1 > node.max_pods + max_pods_slack:
            return False
        if cpu and cpu > node.allocatable.cpu - used.cpu:
            return False
        return not (memory and memory > node.allocatable.memory - used.memory)
    return fits_fast


def spread_weight_zero(mp):
    install(mp, profiles.with_score(profiles.KUBERNETES, "PodTopologySpread", weight=0))


def least_allocated_weight_five(mp):
    install(mp, profiles.with_score(profiles.KUBERNETES, "NodeResourcesFit", weight=5))


def default_cpu_request_200m(mp):
    mp.setattr(usage_mod, "DEFAULT_MILLI_CPU_REQUEST", 200)


def max_pods_off_by_one(mp):
    in_both_profiles(mp, lambda p: profiles.with_filter(p, "NodeResourcesFit", fast=_fits_variant(max_pods_slack=1)))


def cordon_ignored(mp):
    in_both_profiles(mp, lambda p: profiles.with_filter(p, "NodeUnschedulable", fast=lambda part, node, usage: True))


def node_selector_ignored(mp):
    in_both_profiles(mp, lambda p: profiles.with_filter(p, "NodeAffinity", fast=lambda part, node, usage: True))


def spread_raw_score_ignores_counts(mp):
    real = pod_topology_spread.raw_score
    mp.setattr(pod_topology_spread, "raw_score", lambda h, hw, z, zw: real(0, hw, None if z is None else 0, zw))


def textbook_siblings_ignored(mp):
    install(mp, profiles.with_rank(profiles.TEXTBOOK, count=lambda group, node_name, cluster: 0))


def cordoned_best() -> list:
    return [Node("a", unschedulable=True), Node("b")] + [
        Pod("old", node_name="b", containers=(Container("c", requests=Resources(1000, GiB)),))] + rs(1)


def selector_cluster() -> list:
    return [Node("ssd", labels={"disk": "ssd"}, allocatable=Resources(1000, 4 * GiB)),
            Node("hdd", labels={"disk": "hdd"}, allocatable=Resources(8000, 32 * GiB))] + \
        rs(2, node_selector={"disk": "ssd"})


def full_nodes() -> list:
    return [Node("a", max_pods=1), Node("b", max_pods=1)] + rs(3)


def default_request_cluster() -> list:
    # request-less bare pods: LeastAllocated alone decides (best-effort: no BalancedAllocation, no spreading)
    # at 100m mem-rich scores (95 + 99) / 2 = 97 > cpu-rich's (99 + 92) / 2 = 95; at 200m (90 + 99) / 2 = 94
    return [Node("cpu-rich", allocatable=Resources(64000, 2560 * MiB)),
            Node("mem-rich", allocatable=Resources(2000, 64 * GiB)),
            Pod("p", containers=(Container("c"),))]


# (bug, patch, cluster, profile, rule expected among those reported)
MUTANTS = [
    ("PodTopologySpread weight 2 -> 0", spread_weight_zero, lambda: uneven_nodes() + rs(3), "kubernetes",
     "schedule-least-loaded"),
    ("NodeResourcesFit weight 1 -> 5", least_allocated_weight_five,
     lambda: [Node("big", allocatable=Resources(8000, 32 * GiB)), Node("tiny", allocatable=Resources(400, GiB))]
     + rs(3), "kubernetes",
     "schedule-least-loaded"),
    ("non-zero default cpu request 100m -> 200m", default_cpu_request_200m, default_request_cluster, "kubernetes",
     "schedule-least-loaded"),
    ("topology raw score ignores the matching pods", spread_raw_score_ignores_counts,
     lambda: uneven_nodes() + rs(3), "kubernetes", "schedule-least-loaded"),
    ("maxPods off by one", max_pods_off_by_one, full_nodes, "kubernetes", "bind-only-to-feasible-node"),
    ("maxPods off by one (textbook)", max_pods_off_by_one, full_nodes, "textbook", "bind-only-to-feasible-node"),
    ("cordon ignored", cordon_ignored, cordoned_best, "kubernetes", "bind-only-to-feasible-node"),
    ("cordon ignored (textbook)", cordon_ignored, cordoned_best, "textbook", "bind-only-to-feasible-node"),
    ("nodeSelector ignored", node_selector_ignored, selector_cluster, "kubernetes", "bind-only-to-feasible-node"),
    ("nodeSelector ignored (textbook)", node_selector_ignored, selector_cluster, "textbook",
     "bind-only-to-feasible-node"),
    ("textbook ignores siblings", textbook_siblings_ignored,
     lambda: [Node("a"), Node("b"), Pod("x", node_name="b", containers=(Container("c"),)),
              Pod("web-0", labels={"app": "web"}, owner=OwnerRef("ReplicaSet", "web", "uid-web"), node_name="a",
                  containers=(Container("c"),))] + rs(2), "textbook",
     "schedule-least-loaded"),
]


@pytest.mark.parametrize("bug,patch,objs,profile,rule", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_engine_reports_the_bug(monkeypatch, bug, patch, objs, profile, rule):
    """Reported by the oracle's rule; with every rule on, a bug in one form is also (often first) reported by
    `scheduler-forms-agree`, and an engine run stops at the first violated step."""
    assert caught(objs(), profile) == set()  # the model as it is passes on this cluster
    patch(monkeypatch)
    assert rule in caught(objs(), profile, ORACLE_RULES)
    assert caught(objs(), profile)


# ---- the same formula bugs in the plugin folder ------------------------------------------------------------

def la_uses_used(mp):
    """LeastAllocated scoring the used share instead of the free one."""
    def least_requested_score(requested, capacity):
        return 0 if capacity == 0 or capacity < requested else requested * 100 // capacity
    mp.setattr(node_resources_fit, "least_requested_score", least_requested_score)


def ba_std_not_halved(mp):
    """BalancedAllocation with std = |f1 - f2| (the pre-1.23 formula) instead of |f1 - f2| / 2."""
    def balanced_score(cpu_r, cpu_c, mem_r, mem_c):
        if not cpu_c or not mem_c:
            return 100
        f1, f2 = min(1.0, cpu_r / cpu_c), min(1.0, mem_r / mem_c)
        return int((1 - abs(f1 - f2)) * 100)
    mp.setattr(balanced_allocation, "balanced_score", balanced_score)


def ba_cluster() -> list:
    """a holds a cpu-only pod, so a memory-heavy pod balances a better and b is emptier: b wins by LeastAllocated
    with the right std-dev, a with the doubled one."""
    return [Node("a", allocatable=Resources(4000, 4 * GiB)), Node("b", allocatable=Resources(4000, 4 * GiB)),
            Pod("e", node_name="a", containers=(Container("c", requests=Resources(1000, 0)),)),
            Pod("p", containers=(Container("c", requests=Resources(500, 2 * GiB)),))]


def la_fast_uses_used(mp):
    """The same bug in LeastAllocated's fast form alone (what the engines' scheduler runs)."""
    def least_allocated_fast(pod, cluster, candidates):
        right = node_resources_fit.least_allocated_fast(pod, cluster, candidates)
        return [100 - s for s in right]
    install(mp, profiles.with_score(profiles.KUBERNETES, "NodeResourcesFit", fast=least_allocated_fast))


# (bug, patch, cluster, the rules that must report it). A bug in a readable form alone is seen by the rule that
# holds the two forms together; a bug in a formula both forms share, or in the fast form, by the oracle's rule.
PLUGIN_BUGS = [
    ("LeastAllocated uses used instead of free (readable form)", la_uses_used, lambda: uneven_nodes() + rs(2),
     {"scheduler-forms-agree"}),
    ("LeastAllocated uses used instead of free (fast form)", la_fast_uses_used, lambda: uneven_nodes() + rs(2),
     {"scheduler-forms-agree", "schedule-least-loaded"}),
    ("BalancedAllocation std-dev not halved (shared formula)", ba_std_not_halved, ba_cluster,
     {"schedule-least-loaded"}),
]


@pytest.mark.parametrize("bug,patch,objs,rules", PLUGIN_BUGS, ids=[b[0] for b in PLUGIN_BUGS])
def test_plugin_bug_is_caught_by_the_engines(monkeypatch, bug, patch, objs, rules):
    assert caught(objs(), "kubernetes") == set()
    patch(monkeypatch)
    assert rules <= caught(objs(), "kubernetes")
