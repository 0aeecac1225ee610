"""An independent scheduling oracle: kube-scheduler's decision for one pod, restated from upstream.

Nothing here is imported from `kmodel.scheduler` (nor from `kmodel.cluster`'s derived indexes: node usage, the
per-owner counts, Service membership are recomputed from the objects), so a wrong weight, formula or filter
in the model's plugins, its fast path (`index.py`) or its cache is checked against a second, separate
statement of the rule instead of against itself (issue 18, item 4). It reads only the cluster's objects:
`nodes`, `pods`, `services`, `controllers`, `config.profile`.

Two layers:

1. Plain formulas over plain data (ints, floats, dicts, label maps), each a transcription of one upstream
   function, pinned by upstream's own table tests (tests/oracles/test_scheduling_oracle.py):
   - `nonzero_request` / `requested`: `schedutil.GetNonzeroRequestForResource` (pkg/scheduler/util/non_zero.go:
     an *unset* cpu or memory request counts 100m / 200 MiB, an explicit 0 stays 0) and the plain sum.
   - `least_requested_score`, `least_allocated`: NodeResourcesFit's LeastAllocated
     (noderesources/least_allocated.go): per resource `(allocatable - requested) * 100 / allocatable` in int64
     division, 0 when requested exceeds it; a resource with allocatable 0 is *skipped* (not in the weight sum);
     the node score is `Σ w·s / Σ w` in int64 division, 0 when no resource is left. Requested = the node's
     NonZeroRequested plus the pod's non-zero request (resource_allocation.go).
   - `balanced_allocation`: NodeResourcesBalancedAllocation (balanced_allocation.go `balancedResourceScorer`):
     fractions `min(1, requested / allocatable)` over resources with allocatable > 0; two fractions:
     `std = |f1 - f2| / 2`; more: the population std-dev; fewer: 0; score `int64((1 - std) * 100)`. Requested =
     actual requests (useRequested), node plus pod. A best-effort pod (every request 0) is skipped at PreScore.
   - `topology_spread`: PodTopologySpread scoring (podtopologyspread/scoring.go, common.go) for any list of
     ScheduleAnyway constraints: PreScore, Score, NormalizeScore, as upstream; `system_default_constraints`
     (hostname maxSkew 3, zone maxSkew 5) with the pod's DefaultSelector (plugins/helper/spread.go).
2. The cluster adapter: the kubernetes profile's filters and weighted sum, and the textbook rule.

Filters (a node passes all, in upstream's order; the first rejecting one gives the reason):
NodeUnschedulable (a cordoned node; kmodel pods carry no tolerations), TaintToleration (a node whose Ready
condition is not True carries `node.kubernetes.io/not-ready:NoSchedule`, which no kmodel pod tolerates),
NodeAffinity (every nodeSelector pair is a node label with that value), NodeResourcesFit (`pods on the node + 1
<= allocatable pods`, and for cpu and memory a request > 0 must be `<= allocatable - requested`, actual
requests). Pods counted on a node: bound and not Succeeded/Failed (the scheduler's informer drops terminal
pods; terminating pods still hold their resources).

Weights: upstream's default plugin table (pkg/scheduler/apis/config/v1/default_plugins.go, read for this
module): TaintToleration 3, NodeAffinity 2, NodeResourcesFit 1, PodTopologySpread 2, InterPodAffinity 2,
NodeResourcesBalancedAllocation 1, ImageLocality 1. Over kmodel's objects (no PreferNoSchedule taints, no
preferred affinity terms, no pod affinity, no images) TaintToleration normalises to 100 on every node
(DefaultNormalizeScore reversed, all counts 0), NodeAffinity and ImageLocality to 0, and InterPodAffinity skips;
they are kept as the constant terms they are, so the total is upstream's total.

Choice (`selectHost`, schedule_one.go): with one feasible node it is taken unscored; otherwise the nodes with
the highest total, of which upstream picks one at random. The oracle returns that whole argmax set and a
kubernetes-profile bind is correct when its node is in it (the model's seeded tie-break is its own business).
The textbook profile is the model's own rule (SEED 10, SEMANTICS 60; not kube-scheduler's): the feasible node
with the fewest bound, active pods of the pod's controller (for an unowned pod: of the Services selecting it),
then the fewest bound non-terminal pods, then the first name; the name tie-break is the model's and is pinned.

Modelling reads, where kmodel has less than the API: a kmodel request of 0 is an *unset* request (the model has
no explicit zero), so it counts the non-zero default; the hostname label is taken to be on every node with the
node's name (the kubelet sets it); one namespace.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, NamedTuple, Sequence

MAX_NODE_SCORE = 100
DEFAULT_MILLI_CPU_REQUEST = 100  # schedutil.DefaultMilliCPURequest
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024  # schedutil.DefaultMemoryRequest

# pkg/scheduler/apis/config/v1/default_plugins.go, the MultiPoint score weights
WEIGHTS = {
    "TaintToleration": 3,
    "NodeAffinity": 2,
    "NodeResourcesFit": 1,
    "PodTopologySpread": 2,
    "InterPodAffinity": 2,
    "NodeResourcesBalancedAllocation": 1,
    "ImageLocality": 1,
}
LEAST_ALLOCATED_RESOURCE_WEIGHTS = (("cpu", 1), ("memory", 1))  # defaults.go: cpu 1, memory 1

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
SYSTEM_DEFAULT_CONSTRAINTS = ((3, HOSTNAME), (5, ZONE))  # (maxSkew, topologyKey), ScheduleAnyway

SUCCEEDED, FAILED = "Succeeded", "Failed"

PROFILES = ("textbook", "kubernetes")  # the upstream profiles this oracle states; a user's profile is theirs


# ---- 1. plain formulas ----------------------------------------------------------------------------------------

def nonzero_request(containers: Iterable[Mapping[str, int]]) -> tuple[int, int]:
    """Σ over containers of `GetNonzeroRequestForResource` for cpu and memory: a request *absent* from the
    container's map counts the default, a present one (even 0) counts as given."""
    cpu = memory = 0
    for c in containers:
        cpu += c["cpu"] if "cpu" in c else DEFAULT_MILLI_CPU_REQUEST
        memory += c["memory"] if "memory" in c else DEFAULT_MEMORY_REQUEST
    return cpu, memory


def requested(containers: Iterable[Mapping[str, int]]) -> tuple[int, int]:
    """Σ over containers of the requests as given (absent = 0)."""
    cpu = memory = 0
    for c in containers:
        cpu += c.get("cpu", 0)
        memory += c.get("memory", 0)
    return cpu, memory


def least_requested_score(req: int, capacity: int) -> int:
    if capacity == 0 or req > capacity:
        return 0
    return (capacity - req) * MAX_NODE_SCORE // capacity


def least_allocated(resources: Iterable[tuple[int, int, int]]) -> int:
    """LeastAllocated over `(requested, allocatable, weight)` per resource; allocatable 0 is skipped."""
    total = weights = 0
    for req, alloc, weight in resources:
        if alloc == 0:
            continue
        total += least_requested_score(req, alloc) * weight
        weights += weight
    return 0 if weights == 0 else total // weights


def balanced_allocation(resources: Iterable[tuple[int, int]]) -> int:
    """BalancedAllocation over `(requested, allocatable)` per resource (float64 as upstream)."""
    fractions = []
    for req, alloc in resources:
        if alloc == 0:
            continue
        fractions.append(min(1.0, float(req) / float(alloc)))
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((f - mean) * (f - mean) for f in fractions) / len(fractions))
    return int((1 - std) * float(MAX_NODE_SCORE))


def is_best_effort(pod_requests: Iterable[int]) -> bool:
    """BalancedAllocation's PreScore skip: every (actual) request of the pod is 0."""
    return all(r == 0 for r in pod_requests)


def go_round(x: float) -> int:
    """Go's math.Round: halves away from zero."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


# A label requirement as plain data: (key, operator, values), operators as apimachinery spells them.
Requirement = tuple


def requirement_matches(req: Requirement, labels: Mapping[str, str]) -> bool:
    key, op, values = req
    if op in ("=", "==", "in"):
        return key in labels and labels[key] in values
    if op in ("!=", "notin"):
        return key not in labels or labels[key] not in values
    if op == "exists":
        return key in labels
    if op == "!":
        return key not in labels
    if op in ("gt", "lt"):
        if key not in labels:
            return False
        try:
            have, bound = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > bound if op == "gt" else have < bound
    raise ValueError(f"unknown operator {op!r}")


class Selector(NamedTuple):
    """A labels.Selector as plain data: `nothing` (labels.Nothing()) or the AND of `requirements`."""

    requirements: tuple = ()
    nothing: bool = False

    @property
    def empty(self) -> bool:
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        return not self.nothing and all(requirement_matches(r, labels) for r in self.requirements)


def selector_from_set(label_set: Mapping[str, str]) -> Selector:
    return Selector(tuple((k, "=", (v,)) for k, v in sorted(label_set.items())))


class SpreadNode(NamedTuple):
    name: str
    labels: Mapping[str, str]


class SpreadPod(NamedTuple):
    node: str
    labels: Mapping[str, str]
    terminating: bool = False


def topology_spread(constraints: Sequence[tuple[int, str, Selector]], feasible: Sequence[SpreadNode],
                    all_nodes: Sequence[SpreadNode], pods: Sequence[SpreadPod],
                    node_selector: Mapping[str, str], require_all_topologies: bool) -> dict[str, int] | None:
    """PodTopologySpread's normalised scores for the feasible nodes, or None when PreScore skips (no
    constraints). `constraints`: (maxSkew, topologyKey, selector), ScheduleAnyway. `require_all_topologies`:
    True for a pod's own constraints, False for the system defaults. Node inclusion: nodeAffinityPolicy Honor
    (the pod's nodeSelector), nodeTaintsPolicy Ignore (the defaults)."""
    if not constraints or not all_nodes:
        return None

    def has_all(labels) -> bool:
        return all(key in labels for _, key, _ in constraints)

    ignored = {n.name for n in feasible if require_all_topologies and not has_all(n.labels)}
    value_counts: list[dict[str, int]] = []
    sizes = []
    for _, key, _ in constraints:
        counts: dict[str, int] = {}
        if key != HOSTNAME:
            for n in feasible:
                if n.name not in ignored:
                    counts.setdefault(n.labels.get(key, ""), 0)
        value_counts.append(counts)
        sizes.append(len(feasible) - len(ignored) if key == HOSTNAME else len(counts))
    weights = [math.log(float(s + 2)) for s in sizes]

    def count_on(node_name: str, selector: Selector) -> int:
        if selector.empty:
            return 0
        return sum(1 for p in pods if p.node == node_name and not p.terminating and selector.matches(p.labels))

    for n in all_nodes:
        if any(n.labels.get(k) != v for k, v in node_selector.items()):
            continue
        if require_all_topologies and not has_all(n.labels):
            continue
        for i, (_, key, selector) in enumerate(constraints):
            if key == HOSTNAME:
                continue
            value = n.labels.get(key, "")
            if value in value_counts[i]:
                value_counts[i][value] += count_on(n.name, selector)

    raw: dict[str, int] = {}
    for n in feasible:
        if n.name in ignored:
            continue
        score = 0.0
        for i, (max_skew, key, selector) in enumerate(constraints):
            if key not in n.labels:
                continue
            cnt = count_on(n.name, selector) if key == HOSTNAME else value_counts[i][n.labels[key]]
            score += float(cnt) * weights[i] + float(max_skew - 1)
        raw[n.name] = go_round(score)
    lo = min(raw.values(), default=0)
    hi = max(raw.values(), default=0)
    out = {}
    for n in feasible:
        if n.name in ignored:
            out[n.name] = 0
        elif hi == 0:
            out[n.name] = MAX_NODE_SCORE
        else:
            out[n.name] = MAX_NODE_SCORE * (hi + lo - raw[n.name]) // hi
    return out


# ---- 2. the cluster adapter -------------------------------------------------------------------------------

def _containers(pod) -> list[dict[str, int]]:
    """The pod's containers' requests as the API would hold them: kmodel's 0 is an unset request."""
    out = []
    for c in pod.containers:
        r: dict[str, int] = {}
        if c.requests.cpu:
            r["cpu"] = c.requests.cpu
        if c.requests.memory:
            r["memory"] = c.requests.memory
        out.append(r)
    return out


def _counted(p) -> bool:
    """In the scheduler's NodeInfo: bound and not terminal."""
    return p.node_name is not None and p.phase not in (SUCCEEDED, FAILED)


class NodeFacts(NamedTuple):
    pods: int
    cpu: int
    memory: int
    nz_cpu: int
    nz_memory: int


def node_facts(cluster) -> dict[str, NodeFacts]:
    """Per node: pods counted, actual requested cpu/memory, NonZeroRequested cpu/memory, from `cluster.pods`."""
    acc: dict[str, list[int]] = {name: [0, 0, 0, 0, 0] for name in cluster.nodes}
    for p in cluster.pods.values():
        if not _counted(p) or p.node_name not in acc:
            continue
        a = acc[p.node_name]
        cs = _containers(p)
        cpu, mem = requested(cs)
        nz_cpu, nz_mem = nonzero_request(cs)
        a[0] += 1
        a[1] += cpu
        a[2] += mem
        a[3] += nz_cpu
        a[4] += nz_mem
    return {name: NodeFacts(*a) for name, a in acc.items()}


NODE_UNSCHEDULABLE = "node(s) were unschedulable"
NOT_READY_TAINT = "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"
NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
TOO_MANY_PODS, INSUFFICIENT_CPU, INSUFFICIENT_MEMORY = "Too many pods", "Insufficient cpu", "Insufficient memory"


def rejection(pod, node, facts: NodeFacts) -> tuple[str, ...]:
    """Why the filters reject the node for the pod (the first rejecting filter's reasons); () if it fits."""
    if node.unschedulable:
        return (NODE_UNSCHEDULABLE,)
    if not node.ready:
        return (NOT_READY_TAINT,)
    if any(node.labels.get(k) != v for k, v in pod.node_selector.items()):
        return (NODE_AFFINITY,)
    cpu, memory = requested(_containers(pod))
    out = []
    if facts.pods + 1 > node.max_pods:
        out.append(TOO_MANY_PODS)
    if cpu > 0 and cpu > node.allocatable.cpu - facts.cpu:
        out.append(INSUFFICIENT_CPU)
    if memory > 0 and memory > node.allocatable.memory - facts.memory:
        out.append(INSUFFICIENT_MEMORY)
    return tuple(out)


def _node_labels(node) -> dict[str, str]:
    labels = dict(node.labels)
    labels.setdefault(HOSTNAME, node.name)
    return labels


def _selector_of(sel) -> Selector:
    """A kmodel LabelSelector value as plain data (its fields only: requirements and the nothing flag)."""
    if sel.is_nothing:
        return Selector((), True)
    return Selector(tuple((r.key, r.operator, tuple(r.values)) for r in sel.requirements))


def default_selector(cluster, pod) -> Selector:
    """helper.DefaultSelector: the merged selectors of the Services selecting the pod, then its controlling
    owner's (an RC's map merged in, an RS's requirements added), the owner looked up by kind and name."""
    label_set: dict[str, str] = {}
    for svc in cluster.services.values():
        if svc.selector and selector_from_set(svc.selector).matches(pod.labels):
            label_set.update(svc.selector)
    selector = selector_from_set(label_set)
    if pod.owner is None:
        return selector
    ctl = cluster.controllers.get(f"{pod.owner.kind}/{pod.owner.name}")
    if ctl is None or ctl.kind != pod.owner.kind:
        return selector
    if ctl.kind == "ReplicationController":
        label_set.update(ctl.selector)
        return selector_from_set(label_set)
    if ctl.kind == "ReplicaSet":
        rs = _selector_of(ctl.selector)
        if not rs.nothing:
            return Selector(selector.requirements + rs.requirements)
    return selector


def kubernetes_scores(cluster, pod, feasible: Sequence, facts: Mapping[str, NodeFacts]) -> dict[str, int]:
    """The weighted totals of the feasible nodes (two or more) under upstream's default plugins."""
    cs = _containers(pod)
    nz_cpu, nz_mem = nonzero_request(cs)
    cpu, mem = requested(cs)
    best_effort = is_best_effort((cpu, mem))
    w = dict(LEAST_ALLOCATED_RESOURCE_WEIGHTS)
    totals = {}
    for node in feasible:
        f = facts[node.name]
        a = node.allocatable
        total = WEIGHTS["TaintToleration"] * MAX_NODE_SCORE  # no PreferNoSchedule taint anywhere: 100 each
        total += WEIGHTS["NodeAffinity"] * 0 + WEIGHTS["ImageLocality"] * 0  # nothing preferred, no images
        total += WEIGHTS["NodeResourcesFit"] * least_allocated(
            ((f.nz_cpu + nz_cpu, a.cpu, w["cpu"]), (f.nz_memory + nz_mem, a.memory, w["memory"])))
        if not best_effort:
            total += WEIGHTS["NodeResourcesBalancedAllocation"] * balanced_allocation(
                ((f.cpu + cpu, a.cpu), (f.memory + mem, a.memory)))
        totals[node.name] = total
    selector = default_selector(cluster, pod)
    if not selector.empty and not selector.nothing:
        constraints = [(skew, key, selector) for skew, key in SYSTEM_DEFAULT_CONSTRAINTS]
        pods = [SpreadPod(p.node_name, p.labels, p.deletion_timestamp is not None)
                for p in cluster.pods.values() if _counted(p)]
        spread = topology_spread(constraints, [SpreadNode(n.name, _node_labels(n)) for n in feasible],
                                 [SpreadNode(n.name, _node_labels(n)) for n in cluster.nodes.values()], pods,
                                 dict(pod.node_selector), require_all_topologies=False)
        if spread is not None:
            for name, s in spread.items():
                totals[name] += WEIGHTS["PodTopologySpread"] * s
    return totals


def textbook_key(cluster, pod, node, facts: Mapping[str, NodeFacts]) -> tuple:
    """(siblings on the node, pods on the node, node name): the textbook rule's order."""
    if pod.owner is not None:
        key = (pod.owner.kind, pod.owner.name)
        siblings = sum(1 for p in cluster.pods.values()
                       if p.node_name == node.name and p.owner is not None and (p.owner.kind, p.owner.name) == key
                       and p.phase not in (SUCCEEDED, FAILED) and p.deletion_timestamp is None)
    else:
        selectors = [selector_from_set(s.selector) for s in cluster.services.values()
                     if s.selector and selector_from_set(s.selector).matches(pod.labels)]
        siblings = sum(1 for p in cluster.pods.values()
                       if p.node_name == node.name and p.phase not in (SUCCEEDED, FAILED)
                       and p.deletion_timestamp is None and any(s.matches(p.labels) for s in selectors))
    return (siblings, facts[node.name].pods, node.name)


class Decision(NamedTuple):
    """The oracle's answer for one pod: the feasible nodes, the best (the allowed binds), the scores (kubernetes
    totals or textbook keys, for messages), and each infeasible node's rejection reasons."""

    feasible: tuple[str, ...]
    best: tuple[str, ...]
    scores: Mapping
    rejections: Mapping[str, tuple[str, ...]]


def decide(cluster, pod) -> Decision:
    """The oracle's decision for `pod` in `cluster` under `cluster.config.profile`."""
    facts = node_facts(cluster)
    feasible, rejections = [], {}
    for name in sorted(cluster.nodes):
        node = cluster.nodes[name]
        why = rejection(pod, node, facts[name])
        if why:
            rejections[name] = why
        else:
            feasible.append(node)
    names = tuple(n.name for n in feasible)
    if not feasible:
        return Decision((), (), {}, rejections)
    if cluster.config.profile == "textbook":
        keys = {n.name: textbook_key(cluster, pod, n, facts) for n in feasible}
        return Decision(names, (min(keys.values())[2],), keys, rejections)
    if cluster.config.profile != "kubernetes":
        raise ValueError(f"the oracle knows the textbook and kubernetes profiles, not {cluster.config.profile!r}")
    if len(feasible) == 1:
        return Decision(names, names, {}, rejections)
    totals = kubernetes_scores(cluster, pod, feasible, facts)
    top = max(totals.values())
    return Decision(names, tuple(n for n in names if totals[n] == top), totals, rejections)


# The oracle imports nothing of kmodel, so this memo is a plain dict and not a `kmodel.memo.Memo`: its answers are
# functions of the cluster object and of the oracle's own code, which no swap of a model decision changes.
_MEMO: dict = {}
_MEMO_LIMIT = 1_024


def decision(cluster, pod_name: str) -> Decision:
    """`decide` for the cluster's pod, remembered per (cluster object, pod name): the engines evaluate the
    scheduling rules on each bind step and the explorer meets one state with several successor binds. The entry
    keeps the cluster (its identity is not reused while remembered); clusters are immutable."""
    key = (id(cluster), pod_name)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is cluster:
        return hit[1]
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    answer = decide(cluster, cluster.pods[pod_name])
    _MEMO[key] = (cluster, answer)
    return answer
