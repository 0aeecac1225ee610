"""The rules' hot-path reads (invariants/catalog/shared.py and the memos beside the rules) answer exactly as the
plain definitions: witnesses and ALWAYS rules read from remembered per-pod facts, TRANSITION rules that pass over
the events they do not speak of, the pods a step rewrote, and the memos keyed by the matcher installed (a patched
matcher is asked afresh, as the bug-catching tests need)."""

from __future__ import annotations

import random

import attrs
import pytest

import invariants
from invariants.catalog import shared
from invariants.catalog.replication import claimed_active
from kmodel import events, labels, scenarios
from kmodel.memo import Memo
from kmodel.objects import OwnerRef
from kmodel.settle import settle
from tests.test_catches_bugs import notin_requiring_the_key

NEVER = "Never"


def rule(name: str):
    return invariants.get(name).predicate


def stray_cache_pod(cluster):
    """The seed cluster with a bare pod labelled `tier=cache` only: the cache ReplicaSet's selector
    (`tier in (cache), environment notin (dev)`) matches it because the absent key satisfies `notin`."""
    pod = attrs.evolve(scenarios.system_pod("node-1"), name="stray", labels={"tier": "cache"})
    return cluster.create(pod)


# ------------------------------------------------------------------------------------------------------------------
# Witnesses and ALWAYS rules against their plain definitions


def _statuses(pod, **changes):
    return attrs.evolve(pod, containers=tuple(attrs.evolve(c, status=attrs.evolve(c.status, **changes))
                                              for c in pod.containers))


REWRITES = (  # one pod rewritten so that each witness and rule is reached somewhere
    lambda p: attrs.evolve(p, deletion_timestamp=1),
    lambda p: attrs.evolve(p, phase="Succeeded"),
    lambda p: attrs.evolve(p, ready=True),
    lambda p: attrs.evolve(p, owner=None),
    lambda p: attrs.evolve(p, node_name=None, unschedulable_reasons=("0/3 nodes are available",)),
    lambda p: _statuses(p, restart_count=1),
    lambda p: _statuses(p, reason="CrashLoopBackOff"),
    lambda p: _statuses(p, kill_reason="Liveness probe failed"),
    lambda p: _statuses(p, post_start_pending=True),
    lambda p: _statuses(p, pre_stop_pending=True),
    lambda p: _statuses(p, ready=True, state="waiting"),
)


def _states() -> list:
    """States along seeded random runs from the seed and tiny scenarios (settled and not), each also with one pod
    rewritten by each of `REWRITES`."""
    rng = random.Random(7)
    starts = [scenarios.seed(), settle(scenarios.seed()).cluster, stray_cache_pod(settle(scenarios.seed()).cluster),
              scenarios.tiny(), settle(scenarios.tiny()).cluster]
    out = []
    for start in starts:
        for _ in range(3):
            c = start
            for _ in range(12):
                out.append(c)
                enabled = list(events.enabled(c))
                if not enabled:
                    break
                c = events.step(c, rng.choice(enabled))
    rewritten = []
    for i, c in enumerate(out):
        if c.pods:
            name = sorted(c.pods)[i % len(c.pods)]
            rewritten.extend(c.put_pod(rewrite(c.pods[name])) for rewrite in REWRITES)
    return out + rewritten


STATES = _states()


def _containers(c):
    return [(p, k) for p in c.pods.values() for k in p.containers]


PLAIN_WITNESSES = {
    "sometimes-terminating-pod": lambda c: any(p.terminating for p in c.pods.values()),
    "sometimes-terminated-for-good": lambda c: any(p.terminal for p in c.pods.values()),
    "sometimes-pod-not-ready": lambda c: any(p.pod_ip is not None and not p.ready and not p.terminal
                                             for p in c.pods.values()),
    "sometimes-pod-unschedulable": lambda c: any(p.unschedulable_reasons and p.node_name is None
                                                 for p in c.pods.values()),
    "sometimes-container-restarted": lambda c: any(k.status.restart_count > 0 for _, k in _containers(c)),
    "sometimes-crash-loop-back-off": lambda c: any(k.status.reason == "CrashLoopBackOff" for _, k in _containers(c)),
    "sometimes-liveness-kill": lambda c: any((k.status.kill_reason or "").lower().startswith("liveness")
                                             for _, k in _containers(c)),
    "sometimes-post-start-pending": lambda c: any(k.status.post_start_pending for _, k in _containers(c)),
    "sometimes-pre-stop-pending": lambda c: any(k.status.pre_stop_pending for _, k in _containers(c)),
    "sometimes-orphan": lambda c: any(ctl.label_selector.matches(p.labels) for p in c.pods.values()
                                      if p.owner is None for ctl in c.controllers.values()),
    "sometimes-scaled-down": lambda c: any(len(claimed_active(c, ctl)) > ctl.replicas
                                           for ctl in c.controllers.values()),
}


@pytest.mark.parametrize("name", sorted(PLAIN_WITNESSES))
def test_witness_answers_as_its_plain_definition(name):
    """Each witness read from remembered facts answers every state as the plain scan does, and both answers
    occur among the states (so a witness stuck at either answer fails)."""
    witness, plain = rule(name), PLAIN_WITNESSES[name]
    answers = [witness(c) for c in STATES]
    assert answers == [bool(plain(c)) for c in STATES]
    assert set(answers) == {True, False}


PLAIN_VIOLATORS = {  # the objects each ALWAYS rule names, from the plain definition
    "pod-ready-implies-containers-ready": lambda c: [
        (f"Pod/{p.name}",) for p in c.pods.values()
        if p.ready and (p.phase != "Running" or not all(k.status.ready for k in p.containers))],
    "ready-only-after-post-start": lambda c: [
        (f"Pod/{p.name}",) for p, k in _containers(c)
        if k.status.ready and (k.status.post_start_pending or k.status.state != "running")],
}


@pytest.mark.parametrize("name", sorted(PLAIN_VIOLATORS))
def test_always_rule_names_the_plain_violators(name):
    check, plain = rule(name), PLAIN_VIOLATORS[name]
    found = [[v.objects for v in check(c)] for c in STATES]
    assert found == [plain(c) for c in STATES]
    assert any(found) and not all(found)


def test_node_capacity_is_answered_afresh_for_new_nodes_or_usage():
    """The verdict is remembered per (nodes, usage) pair of maps; a node rewritten below its usage is a new map."""
    c = settle(scenarios.seed()).cluster
    check = rule("node-capacity-respected")
    assert list(check(c)) == [] and list(check(c)) == []
    full = next(n for n in c.nodes.values() if c.usage(n.name).pods > 0)
    shrunk = c.put_node(attrs.evolve(full, max_pods=0))
    assert [v.objects for v in check(shrunk)] == [(f"Node/{full.name}",)]
    assert list(check(c)) == []


# ------------------------------------------------------------------------------------------------------------------
# Memos and a swapped matcher


def test_selector_semantics_asks_a_patched_matcher_afresh(swap):
    """Verdicts are remembered per (selectors, labels) pair; a matcher swapped in clears them: the same cluster
    object, asked again with the swapped matcher, is checked with that matcher, and again with the real one once
    it is back."""
    c = stray_cache_pod(scenarios.seed())
    check = rule("selector-semantics")
    assert list(check(c)) == []
    swap.setattr(labels.Selector, "matches", notin_requiring_the_key)
    assert [v.objects for v in check(c)] == [("ReplicaSet/cache", "Pod/stray")]
    swap.undo()
    assert list(check(c)) == []


def test_orphan_witness_asks_a_patched_matcher_afresh(swap):
    c = stray_cache_pod(scenarios.seed())
    witness = rule("sometimes-orphan")
    assert witness(c)
    swap.setattr(labels.Selector, "matches", notin_requiring_the_key)
    assert not witness(c)
    swap.undo()
    assert witness(c)


# ------------------------------------------------------------------------------------------------------------------
# TRANSITION rules: event filters and the pods a step rewrote


class OtherEvent:
    """An event no filtered rule speaks of."""


FILTERED = [inv.name for inv in invariants.of_kind(invariants.TRANSITION) if hasattr(inv.predicate, "__wrapped__")]


def test_every_transition_rule_but_the_pod_comparisons_filters_by_event_class():
    every = {inv.name for inv in invariants.of_kind(invariants.TRANSITION)}
    assert every - set(FILTERED) == {"restart-follows-policy", "no-pod-moves-between-controllers",
                                     "bound-pods-leave-only-when-stopped"}


@pytest.mark.parametrize("name", FILTERED)
def test_filtered_rule_passes_over_other_events_without_reading_the_states(name):
    assert rule(name)(None, OtherEvent(), None) == ()


def test_readiness_filter_keeps_every_readiness_event_class():
    """`readiness-never-restarts` speaks of every event class whose name starts with ReadinessProbe."""
    ReadinessProbeTimesOut = type("ReadinessProbeTimesOut", (), {})
    with pytest.raises(AttributeError):  # it reads the states: the event is not passed over
        list(rule("readiness-never-restarts")(None, ReadinessProbeTimesOut(), None))


def test_changed_pods_are_the_rewritten_pods_present_in_both_states():
    c = settle(scenarios.seed()).cluster
    web = sorted(n for n in c.pods if n.startswith("web"))
    flipped = c.put_pod(attrs.evolve(c.pods[web[0]], ready=not c.pods[web[0]].ready))
    removed = flipped.remove_pod(web[1])
    assert shared.changed_pods(c, c) == ()
    assert shared.changed_pods(c, flipped) == ((web[0], c.pods[web[0]], flipped.pods[web[0]]),)
    assert shared.changed_pods(flipped, removed) == ()  # a removed pod is in one state only
    assert shared.changed_pods(c, removed) == ((web[0], c.pods[web[0]], removed.pods[web[0]]),)
    assert shared.changed_pods(c, flipped) == ((web[0], c.pods[web[0]], flipped.pods[web[0]]),)


def test_no_pod_moves_between_live_controllers():
    """Re-owning a pod of the live web controller to the cache ReplicaSet is a violation; adopting an orphan and
    rewriting a pod's status are not."""
    c = stray_cache_pod(settle(scenarios.seed()).cluster)
    check = rule("no-pod-moves-between-controllers")
    cache = c.controllers["ReplicaSet/cache"]
    to_cache = OwnerRef(cache.kind, cache.name, cache.uid)
    name = sorted(n for n in c.pods if n.startswith("web"))[0]
    moved = c.put_pod(attrs.evolve(c.pods[name], owner=to_cache))
    assert [v.objects for v in check(c, OtherEvent(), moved)] == [
        (f"Pod/{name}", "ReplicationController/web", "ReplicaSet/cache")]
    adopted = c.put_pod(attrs.evolve(c.pods["stray"], owner=to_cache))
    flipped = c.put_pod(attrs.evolve(c.pods[name], ready=not c.pods[name].ready))
    assert list(check(c, OtherEvent(), adopted)) == list(check(c, OtherEvent(), flipped)) == []


def test_restart_under_restart_policy_never_is_caught():
    c = settle(scenarios.seed()).cluster
    check = rule("restart-follows-policy")
    name = sorted(n for n in c.pods if n.startswith("web"))[0]
    never = c.put_pod(attrs.evolve(c.pods[name], restart_policy=NEVER))
    restarted = never.put_pod(_statuses(never.pods[name], restart_count=1))
    assert [v.objects for v in check(never, OtherEvent(), restarted)] == [(f"Pod/{name}",)]
    assert list(check(restarted, OtherEvent(), never)) == []  # a count going down is no restart
    flipped = never.put_pod(attrs.evolve(never.pods[name], ready=not never.pods[name].ready))
    assert list(check(never, OtherEvent(), flipped)) == []


# ------------------------------------------------------------------------------------------------------------------
# Pod facts


def test_pod_facts_follow_the_pods_not_the_memo():
    """A fact is remembered per pod object and its union per pods map: a state with the pod rewritten is answered
    afresh, and the first state still answers as before."""
    c = settle(scenarios.seed()).cluster
    terminated = rule("sometimes-terminated-for-good")
    name = sorted(c.pods)[0]
    done = c.put_pod(attrs.evolve(c.pods[name], phase="Failed"))
    assert (terminated(c), terminated(done), terminated(c)) == (False, True, False)


def test_per_pair_and_per_object_answer_per_identity_and_ask_afresh_when_also_changes():
    calls = []

    def compute(a, b):
        calls.append((a, b))
        return len(calls)

    table = Memo("test-per-pair", 4_096)
    a, b, equal_a = tuple([1, 2]), tuple([3]), tuple([1, 2])  # built at run time: distinct objects
    assert shared.per_pair(table, a, b, compute, also="m1") == 1
    assert shared.per_pair(table, a, b, compute, also="m1") == 1  # remembered
    assert shared.per_pair(table, a, b, compute, also="m2") == 2  # another value it depends on: asked afresh
    assert shared.per_pair(table, equal_a, b, compute, also="m2") == 3  # an equal but other object: its own entry
    assert table[(id(a), id(b))][:3] == (a, b, "m2")  # the layout hot paths look up themselves
    assert shared.per_pair(Memo("test-per-pair-0", 0), a, b, compute) == 4
    seen = []
    one = Memo("test-per-object", 1_024)
    assert shared.per_object(one, a, lambda x: seen.append(x) or len(seen)) == 1
    assert shared.per_object(one, a, lambda x: seen.append(x) or len(seen)) == 1
    assert shared.per_object(one, equal_a, lambda x: seen.append(x) or len(seen)) == 2
