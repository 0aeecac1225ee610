"""Scheduling: binds go to a best feasible node, nodes are never over capacity, and the textbook profile keeps a
controller's replicas spread (SEED 10, SEMANTICS 55 to 61)."""

from __future__ import annotations

from invariants.catalog.shared import for_events, per_pair, pod_fact, some_pod
from invariants.oracles import scheduling as oracle
from invariants.registry import ALWAYS, SOMETIMES, STABLE, TRANSITION, Violation, invariant
from kmodel.usage import NodeUsage
from kmodel.scheduler import framework as _framework
from kmodel.scheduler import profiles as _profiles
from kmodel.scheduler import reference as _reference
from kmodel.scheduler import scheduler as _scheduler
from kmodel.memo import Memo


@invariant("schedule-least-loaded", kind=TRANSITION, rules=("55", "56", "57", "58", "59", "61", "SEED 10"),
           witness="sometimes-spread-over-nodes", profile=oracle.PROFILES)
@for_events("SchedulerBindPod")
def schedule_least_loaded(before, event, after):
    """A bind picks one of the best feasible nodes as the independent oracle states the cluster's profile
    (`invariants.oracles.scheduling`, upstream's filters, formulas and default weights restated without the
    model's plugins): for `kubernetes`, any node with the highest total; for `textbook`, the feasible node with
    the fewest pods of the same controller/service, then the fewest pods, then the first name."""
    decision = oracle.decision(before, event.pod)
    if event.node not in decision.best:
        yield Violation("schedule-least-loaded", f"pod {event.pod} was bound to {event.node}, but the best feasible "
                        f"nodes are {sorted(decision.best) or 'none'}{_scores_note(decision, event.node)}",
                        (f"Pod/{event.pod}", f"Node/{event.node}"))


def _scores_note(decision, node: str) -> str:
    if not decision.scores:
        return ""
    best = decision.best[0] if decision.best else None
    if node in decision.scores and best is not None:
        return f" (oracle score of {node}: {decision.scores[node]}, of {best}: {decision.scores[best]})"
    if node in decision.rejections:
        return f" ({node} is infeasible: {', '.join(decision.rejections[node])})"
    return ""


@invariant("bind-only-to-feasible-node", kind=TRANSITION, rules=("55",), witness="sometimes-spread-over-nodes",
           profile=oracle.PROFILES)
@for_events("SchedulerBindPod")
def bind_only_to_feasible_node(before, event, after):
    """A bind's node passes upstream's filters for the pod as the oracle states them (NodeUnschedulable, the
    not-ready taint, the nodeSelector, NodeResourcesFit's pod count and requests): a filter bug shows here by
    name even where `schedule-least-loaded` would also fire."""
    decision = oracle.decision(before, event.pod)
    if event.node not in decision.feasible:
        why = ", ".join(decision.rejections.get(event.node, ("no such node",)))
        yield Violation("bind-only-to-feasible-node", f"pod {event.pod} was bound to {event.node}, which the "
                        f"filters reject: {why}", (f"Pod/{event.pod}", f"Node/{event.node}"))


@invariant("unschedulable-only-when-infeasible", kind=TRANSITION, rules=("55",),
           witness="sometimes-pod-unschedulable", profile=oracle.PROFILES)
@for_events("SchedulerMarkUnschedulable")
def unschedulable_only_when_infeasible(before, event, after):
    """The scheduler marks a pod unschedulable only when the oracle finds no feasible node for it."""
    decision = oracle.decision(before, event.pod)
    if decision.feasible:
        yield Violation("unschedulable-only-when-infeasible", f"pod {event.pod} was marked unschedulable "
                        f"({'; '.join(event.reasons)}), but {', '.join(decision.feasible)} fit",
                        (f"Pod/{event.pod}",))


_PENDING = pod_fact(lambda p: p.node_name is None and not p.terminal and p.deletion_timestamp is None)


@invariant("pending-only-when-infeasible", kind=STABLE, rules=("55", "61"), witness="sometimes-pod-unschedulable",
           profile=oracle.PROFILES)
def pending_only_when_infeasible(cluster):
    """Once the cluster is quiescent (the scheduler has run on every queued pod), no pod waits unbound while
    the oracle finds a feasible node for it: the scheduler acts on every pod some node can take."""
    if not some_pod(cluster, _PENDING):
        return
    for name, pod in cluster.pods.items():
        if pod.node_name is None and not pod.terminal and pod.deletion_timestamp is None:
            decision = oracle.decision(cluster, name)
            if decision.feasible:
                yield Violation("pending-only-when-infeasible", f"pod {name} is pending at quiescence, but "
                                f"{', '.join(decision.feasible)} fit", (f"Pod/{name}",))


_NO_USAGE = NodeUsage()  # a node nothing is bound to
_CAPACITY_HELD = Memo("rules-capacity-held", 1_024)


def _capacity_held(nodes, usages) -> bool:
    """No node of `nodes` is over its pod count or allocatable resources by `usages`. Remembered per pair of maps:
    a pure function of both, and most steps write neither (a probe result changes no node and no usage;
    `shared.per_pair`)."""
    return per_pair(_CAPACITY_HELD, nodes, usages, lambda n, u: next(_over_capacity(n, u), None) is None)


@invariant("node-capacity-respected", kind=ALWAYS, rules=("55",), witness="sometimes-spread-over-nodes")
def node_capacity(cluster):
    """No node holds more pods than its maxPods or more requested cpu/memory than it can allocate."""
    if _capacity_held(cluster.nodes, cluster.node_usage):
        return ()
    return _over_capacity(cluster.nodes, cluster.node_usage)


def _over_capacity(nodes, usages):
    """The violations of `node-capacity-respected`."""
    for name, node in nodes.items():
        usage = usages.get(name, _NO_USAGE)
        if usage.pods > node.max_pods:
            yield Violation("node-capacity-respected", f"node {name} holds {usage.pods} pods, max {node.max_pods}",
                            (f"Node/{name}",))
        if not usage.requested.fits_in(node.allocatable):
            yield Violation("node-capacity-respected", f"node {name} has {usage.requested} requested of "
                            f"{node.allocatable}", (f"Node/{name}",))


def _equal_feasible_nodes(cluster, pod) -> list[str] | None:
    """The nodes when they are interchangeable for `pod`: all Ready, schedulable, with equal specs and room for
    it. None otherwise (then spreading is not claimed)."""
    nodes = list(cluster.nodes.values())
    if not nodes:
        return None
    first = nodes[0]
    for n in nodes:
        if (not n.ready or n.unschedulable or n.allocatable != first.allocatable or n.max_pods != first.max_pods
                or n.labels != first.labels or any(n.labels.get(k) != v for k, v in pod.node_selector.items())):
            return None
        usage = cluster.usage(n.name)
        if usage.pods + 1 > n.max_pods or not (usage.requested + pod.requests).fits_in(n.allocatable):
            return None
    return [n.name for n in nodes]


@invariant("scale-up-keeps-spread", kind=TRANSITION, rules=("SEED 10",), profile="textbook",
           witness="sometimes-spread-over-nodes")
@for_events("SchedulerBindPod")
def scale_up_keeps_spread(before, event, after):
    """Textbook profile, interchangeable nodes: if a controller's pods are spread (max minus min pods per node at
    most 1), binding another of its pods keeps them so. Kubernetes never rebalances, so nothing is claimed after
    arbitrary deletions."""
    pod = before.pods[event.pod]
    if pod.owner is None:
        return
    nodes = _equal_feasible_nodes(before, pod)
    if nodes is None:
        return
    key = pod.owner.key

    def spread(c):
        counts = [c.owner_pods_on(key, n) for n in nodes]
        return max(counts) - min(counts)

    if spread(before) <= 1 and spread(after) > 1:
        yield Violation("scale-up-keeps-spread", f"binding {event.pod} to {event.node} spread {key} unevenly: "
                        f"{ {n: after.owner_pods_on(key, n) for n in nodes} }", (key, f"Pod/{event.pod}"))


@invariant("sometimes-spread-over-nodes", kind=SOMETIMES, applies=lambda c: len(c.nodes) >= 2 and bool(c.controllers),
           reached_by=("ScaleController",))
def spread_over_nodes(cluster):
    """Some controller has active pods on two or more nodes."""
    return any(len(counts) >= 2 for counts in cluster.owner_node_counts.values())


_UNSCHEDULABLE = pod_fact(lambda p: bool(p.unschedulable_reasons) and p.node_name is None)


@invariant("sometimes-pod-unschedulable", kind=SOMETIMES, applies=lambda c: bool(c.controllers))
def pod_unschedulable(cluster):
    """Some pod fits on no node and is Pending with the scheduler's reasons (the shortfall states of
    `replicas-converge`). Claimed where a controller keeps creating pods; bare pods are bound at once and are
    unschedulable only if every node fails before their first bind."""
    return some_pod(cluster, _UNSCHEDULABLE)


@invariant("scheduler-forms-agree", kind=TRANSITION, rules=("55", "56", "61"),
           witness="sometimes-spread-over-nodes")
@for_events("SchedulerBindPod", "SchedulerMarkUnschedulable")
def scheduler_forms_agree(before, event, after):
    """Each plugin's two forms give one answer for the pod scheduled, at every node: a filter's fast form (the
    bind guard, the index's trees, the cache, the weighted pass) and its readable `fits`, a score plugin's fast
    scores and its PreScore/Score/NormalizeScore, and the engines' choice (`choose_node`) and the reference scan
    (`reference.schedule`) as sets of best nodes. A consistency rule of the model's own two forms, like
    `indexes-exact`, not an oracle of Kubernetes (that is `schedule-least-loaded`'s and
    `bind-only-to-feasible-node`'s): the Z3 proofs and `reference.schedule` read the readable forms, the engines'
    scheduler the fast ones, so a change to one form alone shows here at the first scheduling event."""
    pod = before.pods.get(event.pod)
    profile = _profiles.PROFILES.get(before.config.profile)
    if pod is None or profile is None:
        return
    for plugin in profile.filters:
        if plugin.fast is None:
            continue
        part = plugin.shape(pod)
        for name, node in before.nodes.items():
            fast = bool(plugin.fast(part, node, before.node_usage.get(name)))
            if fast != bool(plugin.fits(pod, node, before)):
                yield Violation("scheduler-forms-agree", f"filter {plugin.name} for pod {event.pod} at node {name}: "
                                f"the fast form says {'fits' if fast else 'rejects'}, the readable form the "
                                "opposite", (f"Pod/{event.pod}", f"Node/{name}"))
                return
    feasible = [n for _, n in sorted(before.nodes.items()) if _framework.feasible(profile, pod, n, before)]
    candidates = [(n.name, n, before.node_usage.get(n.name)) for n in feasible]
    for plugin, _ in profile.scores:
        if plugin.fast is None or not candidates:
            continue
        fast, readable = plugin.fast(pod, before, candidates), _framework.readable_scores(plugin, pod, before,
                                                                                           feasible)
        if fast != readable:
            yield Violation("scheduler-forms-agree", f"score plugin {plugin.name} for pod {event.pod} over "
                            f"{[n.name for n in feasible]}: fast scores {fast}, readable scores {readable}",
                            (f"Pod/{event.pod}",))
            return
    engines, scan = _scheduler.choose_node(before, pod), _reference.schedule(before, pod)
    if set(engines.top_nodes) != set(scan.top_nodes) or engines.reasons != scan.reasons:
        yield Violation("scheduler-forms-agree", f"pod {event.pod}: the engines' scheduler chooses among "
                        f"{sorted(engines.top_nodes) or 'none'}, the reference scan among "
                        f"{sorted(scan.top_nodes) or 'none'}", (f"Pod/{event.pod}",))
