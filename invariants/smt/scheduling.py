"""Proofs about the scheduler's textbook placement, over the scheduler's own filters, rank and argmin step
(SEMANTICS 55, 60; the seed's rule as the `textbook` profile, DESIGN principle 6).

The decision code run on Z3 terms: the profile's filters through `kmodel.scheduler.framework.feasible` (plugins
NodeUnschedulable, the not-ready taint, NodeAffinity's nodeSelector, NodeResourcesFit's pod count and requests),
the profile's rank (`plugins.textbook_spread.rank`: siblings, pods, name) and the argmin step
`framework.select_step` that `reference.schedule` folds over the nodes in name order. All are looked up at proof
time, so a test can swap one for a wrong variant. Nodes are `SymbolicNode`s (every field symbolic) read through a
`SymbolicSchedulingCluster`; the pod is a controller's pod whose requests are symbolic.

"Better" in the claims is the rule itself, stated independently of the code: fewer pods of the same
controller, then fewer pods, then the earlier name.

`schedule-least-loaded`:
- one-step inductive lemma (every cluster size): if before a node is visited the fold's state is "no feasible
  node seen, or the candidate is a feasible node and no feasible node seen is better", it still is after;
  an infeasible node changes nothing;
- bounded: the whole pipeline (filters, rank, fold) over every cluster of 1 to `MAX_NODES` symbolic nodes picks
  a feasible node that no feasible node beats, and picks none exactly when no node is feasible. Flat encoding:
  one fresh variable per fold step and component (`PIPELINE_SIZES` says which sizes are sent and why they
  cover the rest).

`schedule-textbook-spreading`: placing k pods of one controller one by one (the pipeline, then a bind) on
equal, feasible nodes keeps max - min of the per-node counts at most 1: as a one-step inductive lemma for any
number of nodes, and unrolled for up to `SPREAD_NODES` nodes and `SPREAD_PODS` placements.

`shortfall_lemma` (used by `replicas-converge`): with capacity short, the pods left Pending at quiescence are
exactly max(0, desired - free slots).
"""

from __future__ import annotations

from typing import Any, Iterable

import z3

from invariants.smt.domains import (
    Symbols,
    SymbolicNode,
    SymbolicResources,
    SymbolicSchedulingCluster,
    bool_value,
    flat,
    int_value,
    node_name,
)
from invariants.smt.framework import PROVED, ProofContext, Verdict, combine, proof

__all__ = ["MAX_NODES", "SPREAD_NODES", "SPREAD_PODS", "spec_less", "step_lemma", "Pipeline", "pipeline_bounded",
           "spreading_step", "spreading_bounded", "shortfall_lemma", "concrete_cluster", "OWNER",
           "incoming_pod"]

MAX_NODES = 50
SPREAD_NODES = 4
SPREAD_PODS = 9
OWNER = ("ReplicaSet", "web", "uid-rs-web")
NODE_SELECTOR = {"disk": "ssd"}


def _framework():
    from kmodel.scheduler import framework

    return framework


def _profile():
    from kmodel.scheduler import profiles

    return profiles.TEXTBOOK


def spec_less(a: tuple, b: tuple) -> Any:
    """The rule, independent of the code: (siblings, pods, position) `a` is strictly better than `b`."""
    return z3.Or(a[0] < b[0], z3.And(a[0] == b[0], z3.Or(a[1] < b[1], z3.And(a[1] == b[1], a[2] < b[2]))))


def _spec_key(n: SymbolicNode) -> tuple:
    return (n.siblings, n.usage.pods, z3.IntVal(n.name))


def incoming_pod(cpu: Any, memory: Any, node_selector: dict[str, str] | None = None, name: str = "incoming"):
    """The pod to place: a controller's pod with the given requests and nodeSelector (values may be symbolic)."""
    from kmodel.objects import Container, OwnerRef, Pod, Resources

    requests = Resources(cpu, memory) if isinstance(cpu, int) and isinstance(memory, int) \
        else SymbolicResources(cpu, memory)
    return Pod(name=name, uid="uid-incoming", labels={"app": "web"}, owner=OwnerRef(*OWNER),
               containers=(Container("app", requests=requests),), node_selector=node_selector or {})


def concrete_cluster(nodes: Iterable[dict[str, Any]]):
    """Real Nodes and bound pods realising decoded node states: per node `siblings` pods of the controller and
    `pods - siblings` other pods; the node's requested cpu and memory are carried by its first pod."""
    from kmodel.cluster import Cluster
    from kmodel.objects import POD_RUNNING, Container, Node, OwnerRef, Pod, Resources

    objects: list[Any] = []
    pods: list[Any] = []
    for spec in nodes:
        objects.append(Node(spec["name"], labels=spec["labels"],
                            allocatable=Resources(spec["cpu"], spec["memory"]), max_pods=spec["max_pods"],
                            ready=spec["ready"], unschedulable=spec["unschedulable"]))
        for j in range(spec["pods"]):
            sibling = j < spec["siblings"]
            requests = Resources(spec["requested_cpu"], spec["requested_memory"]) if j == 0 else Resources()
            pods.append(Pod(name=f"{spec['name']}-{'sib' if sibling else 'other'}-{j}",
                            labels={"app": "web"} if sibling else {"app": "other"},
                            owner=OwnerRef(*OWNER) if sibling else None, node_name=spec["name"],
                            containers=(Container("app", requests=requests),), phase=POD_RUNNING))
    return Cluster.from_objects(objects + pods)


def _pod_witness(model: z3.ModelRef, pod: Any) -> Any:
    """The incoming pod with its symbolic requests replaced by their values in the model."""
    import attrs

    from kmodel.objects import Resources

    c = pod.containers[0]
    requests = Resources(int_value(model, c.requests.cpu), int_value(model, c.requests.memory))
    return attrs.evolve(pod, containers=(attrs.evolve(c, requests=requests),))


def _small(nodes: Iterable[SymbolicNode], pod: Any = None) -> list[Any]:
    """Preferences that keep a counterexample small enough to build as real pods."""
    out = []
    for n in nodes:
        out += [n.usage.pods <= 4, n.max_pods <= 8, n.allocatable.cpu <= 8000, n.allocatable.memory <= 8000,
                n.usage.requested.cpu <= 8000, n.usage.requested.memory <= 8000]
    if pod is not None:
        r = pod.containers[0].requests
        out += [r.cpu <= 8000, r.memory <= 8000]
    return out


# ---------------------------------------------------------------------------------------------------------------
# The one-step inductive lemma


def step_lemma(ctx: ProofContext, node_selector: dict[str, str]) -> Verdict:
    """The fold's invariant survives one more node, whatever came before (so it holds for every cluster size).

    State before: `found` and the candidate's key `best`; hypotheses: found ⇒ the candidate is feasible, and
    for an arbitrary earlier node x: x feasible ⇒ found and x is not better than the candidate. After
    `select_step` on the next node n (feasibility and key from the code): the same for x and for n, `found`
    becomes `found ∨ feasible(n)`, and an infeasible n changes nothing.
    """
    fw, profile = _framework(), _profile()
    sym = Symbols("step.")
    position = 1000  # the visited node; every earlier node has a smaller position
    n = SymbolicNode(position, sym, node_selector)
    pod = incoming_pod(sym.int("pod_cpu", lo=0), sym.int("pod_memory", lo=0), node_selector)
    cluster = SymbolicSchedulingCluster([n], "/".join(OWNER[:2]))
    found = sym.bool("found")
    best = (sym.int("best_siblings", lo=0), sym.int("best_pods", lo=0), sym.int("best_position", lo=0, hi=position - 1))
    best_feasible = sym.bool("best_feasible")
    x = (sym.int("x_siblings", lo=0), sym.int("x_pods", lo=0), sym.int("x_position", lo=0, hi=position - 1))
    x_feasible = sym.bool("x_feasible")
    sym.require(best[0] <= best[1], x[0] <= x[1])

    feasible_n = fw.feasible(profile, pod, n, cluster)
    key_n = profile.rank(pod, n, cluster)
    found2, take, best2 = fw.select_step(found, best, feasible_n, key_n)
    best2_feasible = z3.If(take, feasible_n, best_feasible)
    n_spec = _spec_key(n)
    # The candidate after the step, in the rule's terms: n itself when taken, else the old candidate.
    chosen = tuple(z3.If(take, a, b) for a, b in zip(n_spec, best))
    hypothesis = z3.And(z3.Implies(found, best_feasible),
                        z3.Implies(x_feasible, z3.And(found, z3.Not(spec_less(x, best)))))
    claim = z3.Implies(hypothesis, z3.And(
        found2 == z3.Or(found, feasible_n),
        z3.Implies(found2, best2_feasible),
        z3.Implies(x_feasible, z3.Not(spec_less(x, chosen))),
        z3.Implies(feasible_n, z3.Not(spec_less(n_spec, chosen))),
        z3.Implies(z3.Not(feasible_n), z3.And(z3.Not(take), *[a == b for a, b in zip(best2, best)])),
        # the fold's key is the rule's key of the chosen node (the rank reads siblings, pods, name)
        z3.Implies(found2, z3.And(*[a == b for a, b in zip(best2, chosen)])),
    ))

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        return {
            "node": n.decode(model), "pod": _pod_witness(model, pod),
            "found": bool_value(model, found), "best_feasible": bool_value(model, best_feasible),
            "best": [int_value(model, b) for b in best],
            "x": [int_value(model, v) for v in x], "x_feasible": bool_value(model, x_feasible),
        }

    def replay(w: dict[str, Any]) -> bool:
        """The step on the concrete node: real filters and rank on a real Cluster, the real `select_step`."""
        cluster_c = concrete_cluster([w["node"]])
        node = cluster_c.nodes[w["node"]["name"]]
        pod_c = w["pod"]
        feas = bool(fw.feasible(profile, pod_c, node, cluster_c))
        key = profile.rank(pod_c, node, cluster_c)
        best_c = (w["best"][0], w["best"][1], node_name(w["best"][2]))
        found_c = w["found"]
        f2, t, b2 = fw.select_step(found_c, best_c if found_c else key, feas, key)
        me = (w["node"]["siblings"], w["node"]["pods"], node.name)
        chosen_c = me if t else best_c
        chosen_feasible = feas if t else w["best_feasible"]
        x_c = (w["x"][0], w["x"][1], node_name(w["x"][2]))
        hyp = (not found_c or w["best_feasible"]) and (not w["x_feasible"] or (found_c and not x_c < best_c))
        ok = (f2 == (found_c or feas) and (not f2 or chosen_feasible)
              and (not w["x_feasible"] or not x_c < chosen_c) and (not feas or not me < chosen_c)
              and (feas or (not t and (not found_c or tuple(b2) == best_c)))
              and (not f2 or tuple(b2) == chosen_c))
        return hyp and not ok

    assumptions = sym.constraints
    return ctx.check(claim, assumptions=assumptions, decode=decode, replay=replay,
                     prefer=_small([n], pod) + [v <= 4 for v in best[:2] + x[:2]],
                     what=f"one-step lemma, nodeSelector {node_selector or 'none'}")


# ---------------------------------------------------------------------------------------------------------------
# The bounded pipeline


def _spec_le(a: tuple, b: tuple) -> Any:
    return z3.Not(spec_less(b, a))


class Pipeline:
    """The textbook pipeline over symbolic nodes in name order, as `reference.schedule` runs it: filters, rank,
    `select_step`. Flat: a fresh variable for the fold state after every node (`founds[k]`, `bests[k]` after k
    nodes)."""

    def __init__(self, size: int, node_selector: dict[str, str], sym: Symbols) -> None:
        fw, profile = _framework(), _profile()
        self.nodes = [SymbolicNode(i, sym, node_selector) for i in range(size)]
        self.pod = incoming_pod(sym.int("pod_cpu", lo=0), sym.int("pod_memory", lo=0), node_selector)
        cluster = SymbolicSchedulingCluster(self.nodes, "/".join(OWNER[:2]))
        found: Any = z3.BoolVal(False)
        best: tuple = (sym.int("init_siblings"), sym.int("init_pods"), sym.int("init_position"))
        self.feasibles: list[Any] = []
        self.founds, self.bests = [found], [best]
        for n in self.nodes:
            feasible_n = flat(sym, f"feasible{n.name}", fw.feasible(profile, self.pod, n, cluster))
            self.feasibles.append(feasible_n)
            found, _, best = fw.select_step(found, best, feasible_n, profile.rank(self.pod, n, cluster))
            found = flat(sym, f"found{n.name}", found)
            best = tuple(flat(sym, f"best{n.name}.{i}", b) for i, b in enumerate(best))
            self.founds.append(found)
            self.bests.append(best)
        self.keys = [_spec_key(n) for n in self.nodes]

    def chain(self) -> Any:
        """Local facts of every step: the candidate never gets worse, a feasible node leaves a candidate no
        worse than itself, and a candidate appears only with a feasible node."""
        parts = []
        for k in range(1, len(self.nodes) + 1):
            before, after, f = self.bests[k - 1], self.bests[k], self.feasibles[k - 1]
            parts.append(z3.Implies(self.founds[k - 1], _spec_le(after, before)))
            parts.append(z3.Implies(f, z3.And(self.founds[k], _spec_le(after, self.keys[k - 1]))))
            parts.append(z3.Implies(self.founds[k], z3.Or(self.founds[k - 1], f)))
        return z3.And(*parts)

    def claim(self) -> Any:
        """The pipeline's outcome: a candidate iff some node is feasible; the candidate's key is the rule's key
        of a feasible node; no feasible node is better."""
        found, best = self.founds[-1], self.bests[-1]
        n = len(self.nodes)
        parts = [found == z3.Or(*self.feasibles),
                 z3.Implies(found, z3.Or(*[z3.And(self.feasibles[j], *[b == k for b, k in zip(best, self.keys[j])])
                                           for j in range(n)]))]
        parts += [z3.Implies(self.feasibles[i], z3.Not(spec_less(self.keys[i], best))) for i in range(n)]
        return z3.And(*parts)


def replay_chain(nodes: list[dict[str, Any]], pod: Any) -> bool:
    """The fold of the real `select_step` over the real filters and rank on the real cluster; True when one of
    the chain's local facts fails."""
    fw, profile = _framework(), _profile()
    cluster = concrete_cluster(nodes)
    found, best = False, None
    for s in nodes:
        node = cluster.nodes[s["name"]]
        feasible = bool(fw.feasible(profile, pod, node, cluster))
        key = profile.rank(pod, node, cluster)
        spec = (s["siblings"], s["pods"], s["name"])
        before_found, before = found, best
        found, _, best = fw.select_step(found, best if found else key, feasible, key)
        best = tuple(best)
        if before_found and before < best:
            return True
        if feasible and (not found or spec < best):
            return True
        if found and not (before_found or feasible):
            return True
    return False


def replay_pipeline(nodes: list[dict[str, Any]], pod: Any) -> bool:
    """`reference.schedule` on the real cluster; True when its choice breaks the claim."""
    from kmodel.scheduler import reference

    fw, profile = _framework(), _profile()
    cluster = concrete_cluster(nodes)
    chosen = reference.schedule(cluster, pod).node
    feasible = {s["name"]: bool(fw.feasible(profile, pod, cluster.nodes[s["name"]], cluster)) for s in nodes}
    key = {s["name"]: (s["siblings"], s["pods"], s["name"]) for s in nodes}
    if chosen is None:
        return any(feasible.values())
    return not feasible.get(chosen, False) or any(f and key[m] < key[chosen] for m, f in feasible.items())


def pipeline_size(ctx: ProofContext, size: int, node_selector: dict[str, str]) -> Verdict:
    """The bounded proof for one cluster size, in two obligations: the chain's local facts, then (assuming
    them, now proved) the claim. Splitting keeps the 50-node query to about a second."""
    sym = Symbols(f"pipeline{size}.")
    p = Pipeline(size, node_selector, sym)

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        return {"nodes": [n.decode(model) for n in p.nodes], "pod": _pod_witness(model, p.pod)}

    chain = p.chain()
    first = ctx.check(chain, assumptions=sym.constraints, decode=decode,
                      replay=lambda w: replay_chain(w["nodes"], w["pod"]),
                      prefer=_small(p.nodes, p.pod), what=f"pipeline over {size} node(s), each step")
    if not isinstance(first, type(PROVED)):
        return first
    return ctx.check(p.claim(), assumptions=sym.constraints + [chain], decode=decode,
                     replay=lambda w: replay_pipeline(w["nodes"], w["pod"]),
                     prefer=_small(p.nodes, p.pod), what=f"pipeline over {size} node(s)")


PIPELINE_SIZES = (1, 2, 3, 4, 5, 6, 7, 8, MAX_NODES)
"""Sizes proved directly. They cover every size up to MAX_NODES: a cluster of k nodes is the MAX_NODES cluster
whose last nodes are infeasible (each node's filters and rank read only that node), and an infeasible node
changes nothing (the step lemma)."""


def pipeline_bounded(ctx: ProofContext, sizes: Iterable[int] = PIPELINE_SIZES,
                     node_selector: dict[str, str] = NODE_SELECTOR) -> Verdict:
    return combine(pipeline_size(ctx, n, node_selector) for n in sizes)


# ---------------------------------------------------------------------------------------------------------------
# The textbook spreading theorem


def spreading_step(ctx: ProofContext) -> Verdict:
    """For any number of equal feasible nodes: if every two nodes' counts differ by at most 1 and the pipeline
    picks a node no feasible node beats, the counts still differ by at most 1 after the bind. Stated for two
    arbitrary nodes x, y and the chosen node z (z may be x or y), whose minimality the step lemma gives."""
    sym = Symbols("spread-step.")
    cx, cy, cz = sym.int("x", lo=0), sym.int("y", lo=0), sym.int("z", lo=0)
    z_is_x, z_is_y = sym.bool("z_is_x"), sym.bool("z_is_y")
    sym.require(z3.Implies(z_is_x, cz == cx), z3.Implies(z_is_y, cz == cy))
    hyp = z3.And(cx - cy <= 1, cy - cx <= 1, cz - cx <= 1, cx - cz <= 1, cz - cy <= 1, cy - cz <= 1,
                 cz <= cx, cz <= cy)  # z has the fewest siblings (the step lemma's conclusion)
    cx2 = cx + z3.If(z_is_x, 1, 0)
    cy2 = cy + z3.If(z_is_y, 1, 0)
    claim = z3.Implies(hyp, z3.And(cx2 - cy2 <= 1, cy2 - cx2 <= 1))

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        return {"x": int_value(model, cx), "y": int_value(model, cy), "z": int_value(model, cz),
                "z_is_x": bool_value(model, z_is_x), "z_is_y": bool_value(model, z_is_y)}

    def replay(w: dict[str, Any]) -> bool:
        x2 = w["x"] + (1 if w["z_is_x"] else 0)
        y2 = w["y"] + (1 if w["z_is_y"] else 0)
        return abs(x2 - y2) > 1

    return ctx.check(claim, assumptions=sym.constraints, decode=decode, replay=replay, what="spreading, one step")


def spreading_size(ctx: ProofContext, size: int, placements: int) -> Verdict:
    """`placements` pods of one controller placed one by one through the pipeline on `size` equal nodes."""
    fw, profile = _framework(), _profile()
    sym = Symbols(f"spread{size}.")
    start_siblings, start_pods = sym.int("siblings", lo=0), sym.int("pods", lo=0)
    capacity = sym.int("max_pods", lo=0)
    sym.require(start_siblings <= start_pods, start_pods + placements <= capacity)
    nodes = []
    for i in range(size):
        n = SymbolicNode(i, sym)
        sym.require(n.siblings == start_siblings, n.usage.pods == start_pods, n.max_pods == capacity,
                    n.ready, z3.Not(n.unschedulable))
        nodes.append(n)
    pod = incoming_pod(0, 0)
    parts = []
    for k in range(1, placements + 1):
        cluster = SymbolicSchedulingCluster(nodes, "/".join(OWNER[:2]))
        found: Any = z3.BoolVal(False)
        best: tuple = (sym.int(f"init{k}.s"), sym.int(f"init{k}.p"), sym.int(f"init{k}.n"))
        for n in nodes:
            found, _, best = fw.select_step(found, best, fw.feasible(profile, pod, n, cluster),
                                            profile.rank(pod, n, cluster))
            found = flat(sym, f"p{k}.found{n.name}", found)
            best = tuple(flat(sym, f"p{k}.best{n.name}.{i}", b) for i, b in enumerate(best))
        parts.append(found)
        # The bind: the chosen node gains one sibling and one pod (what `put_pod` does to the indexes).
        new_nodes = []
        for n in nodes:
            hit = z3.If(z3.And(found, best[2] == n.name), 1, 0)
            new_nodes.append(n.with_counts(flat(sym, f"p{k}.siblings{n.name}", n.siblings + hit),
                                           flat(sym, f"p{k}.pods{n.name}", n.usage.pods + hit)))
        nodes = new_nodes
        sib = [n.siblings for n in nodes]
        parts.append(z3.And(*[a - b <= 1 for a in sib for b in sib]))
    claim = z3.And(*parts)

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        s, p, m = int_value(model, start_siblings), int_value(model, start_pods), int_value(model, capacity)
        return {"nodes": size, "siblings": s, "pods": p, "max_pods": m, "placements": placements}

    def replay(w: dict[str, Any]) -> bool:
        return not replay_spreading(w["nodes"], w["siblings"], w["pods"], w["max_pods"], w["placements"])

    return ctx.check(claim, assumptions=sym.constraints, decode=decode, replay=replay,
                     prefer=[start_pods <= 3, capacity <= 20],
                     what=f"spreading, {placements} pods on {size} nodes")


def replay_spreading(size: int, siblings: int, pods: int, max_pods: int, placements: int) -> bool:
    """Place the pods through `reference.schedule` and real binds; True when max - min stays at most 1 and every
    pod is placed."""
    from kmodel.scheduler import reference
    from kmodel.scheduler.scheduler import SchedulerBindPod

    specs = [{"name": node_name(i), "labels": {}, "cpu": 4000, "memory": 4000, "max_pods": max_pods,
              "ready": True, "unschedulable": False, "pods": pods, "siblings": siblings, "requested_cpu": 0,
              "requested_memory": 0} for i in range(size)]
    cluster = concrete_cluster(specs)
    for k in range(placements):
        pod = incoming_pod(0, 0, name=f"placed-{k}")
        cluster = cluster.create(pod)
        chosen = reference.schedule(cluster, cluster.pods[pod.name]).node
        if chosen is None:
            return False
        bind = SchedulerBindPod(pod.name, chosen)
        if not bind.guard(cluster):
            return False
        cluster = bind.apply(cluster)
        counts = [cluster.owner_pods_on("/".join(OWNER[:2]), node_name(i)) for i in range(size)]
        if max(counts) - min(counts) > 1:
            return False
    return True


def spreading_bounded(ctx: ProofContext) -> Verdict:
    return combine(spreading_size(ctx, n, SPREAD_PODS) for n in range(1, SPREAD_NODES + 1))


@proof("schedule-least-loaded", rules=("55", "60"),
       invariants=("schedule-least-loaded", "bind-only-to-feasible-node", "unschedulable-only-when-infeasible"))
def prove_schedule_least_loaded(ctx: ProofContext) -> Verdict:
    """The textbook scheduler picks a feasible node that no feasible node beats (fewest pods of the controller,
    then fewest pods, then name): a one-step lemma for every cluster size, and the whole pipeline up to 50 nodes."""
    return combine(v() for v in (
        lambda: step_lemma(ctx, {}),
        lambda: step_lemma(ctx, NODE_SELECTOR),
        lambda: pipeline_bounded(ctx),
    ))


@proof("schedule-textbook-spreading", rules=("60",), invariants=("scale-up-keeps-spread", "schedule-least-loaded"))
def prove_textbook_spreading(ctx: ProofContext) -> Verdict:
    """Placing k pods of one controller one by one on equal feasible nodes keeps max - min of their per-node
    counts at most 1 (textbook profile)."""
    return combine(v() for v in (lambda: spreading_step(ctx), lambda: spreading_bounded(ctx)))


# ---------------------------------------------------------------------------------------------------------------
# Capacity short: the shortfall is Pending (used by replicas-converge)

SHORTFALL_NODES = 3


def shortfall_lemma(ctx: ProofContext, size: int = SHORTFALL_NODES) -> Verdict:
    """Pods without requests on `size` Ready, schedulable nodes with maxPods m_i (no other pods), `desired` of
    them active (the controller has converged): (1) a bind keeps every node's count within maxPods (the filter
    admits a pod only below it), and (2) once the scheduler proposes nothing (no node feasible for a pending
    pod, by the code's filters), the Pending pods number exactly max(0, desired - Σ m_i)."""
    fw, profile = _framework(), _profile()
    sym = Symbols("shortfall.")
    desired = sym.int("desired", lo=0)
    nodes = []
    for i in range(size):
        n = SymbolicNode(i, sym)
        sym.require(n.ready, z3.Not(n.unschedulable), n.usage.requested.cpu == 0, n.usage.requested.memory == 0,
                    n.siblings == n.usage.pods, n.usage.pods <= n.max_pods)
        nodes.append(n)
    cluster = SymbolicSchedulingCluster(nodes, "/".join(OWNER[:2]))
    pod = incoming_pod(0, 0)
    feasible = [fw.feasible(profile, pod, n, cluster) for n in nodes]
    bound = z3.Sum(*[n.usage.pods for n in nodes])
    pending = desired - bound
    slots = z3.Sum(*[n.max_pods for n in nodes])
    quiescent = z3.Or(pending == 0, z3.And(*[z3.Not(f) for f in feasible]))
    claim = z3.And(
        *[z3.Implies(f, n.usage.pods + 1 <= n.max_pods) for f, n in zip(feasible, nodes)],
        z3.Implies(z3.And(pending >= 0, quiescent), pending == z3.If(desired > slots, desired - slots, 0)))

    def decode(model: z3.ModelRef) -> dict[str, Any]:
        return {"desired": int_value(model, desired),
                "max_pods": [int_value(model, n.max_pods) for n in nodes],
                "bound": [int_value(model, n.usage.pods) for n in nodes]}

    def replay(w: dict[str, Any]) -> bool:
        return replay_shortfall(w["desired"], w["max_pods"], w["bound"])

    return ctx.check(claim, assumptions=sym.constraints, decode=decode, replay=replay,
                     prefer=[desired <= 12] + [n.max_pods <= 5 for n in nodes], what="capacity short")


def replay_shortfall(desired: int, max_pods: list[int], bound: list[int]) -> bool:
    """A real cluster: nodes with those maxPods, a ReplicationController of `desired` replicas, settled.
    True when the Pending pods differ from max(0, desired - Σ maxPods), or a node holds more than its maxPods,
    or a node with room passes the filter yet the bound pods exceed it (the filter admits past maxPods)."""
    from kmodel.cluster import Cluster
    from kmodel.objects import Container, Node, PodTemplate, ReplicationController
    from kmodel.settle import settle

    fw, profile = _framework(), _profile()
    # The bind step on the decoded state: a feasible node with no room is the filter's fault.
    specs = [{"name": node_name(i), "labels": {}, "cpu": 4000, "memory": 4000, "max_pods": m, "ready": True,
              "unschedulable": False, "pods": b, "siblings": b, "requested_cpu": 0, "requested_memory": 0}
             for i, (m, b) in enumerate(zip(max_pods, bound))]
    state = concrete_cluster(specs)
    probe = incoming_pod(0, 0)
    for i, (m, b) in enumerate(zip(max_pods, bound)):
        if fw.feasible(profile, probe, state.nodes[node_name(i)], state) and b + 1 > m:
            return True
    template = PodTemplate(labels={"app": "web"}, containers=(Container("app"),))
    nodes = [Node(node_name(i), max_pods=m) for i, m in enumerate(max_pods)]
    rc = ReplicationController(name="web", replicas=desired, selector={"app": "web"}, template=template)
    result = settle(Cluster.from_objects(nodes + [rc]), max_steps=20_000)
    cluster = result.cluster
    pending = sum(1 for p in cluster.pods.values() if p.node_name is None and p.active)
    over = any(sum(1 for _ in cluster.pods_on(n.name)) > n.max_pods for n in nodes)
    return over or pending != max(0, desired - sum(max_pods))
