"""The explorer: exhaustive, bounded, breadth-first model checking of the cluster model (DESIGN, engines).

Where the Hypothesis engine samples runs, the explorer visits every state reachable from an initial cluster
within explicit bounds, as TLC and Stateright do, and so gives the *shortest* counterexample.

What it checks (the registry's four kinds, `invariants.registry`):
- ALWAYS rules on every state visited, TRANSITION rules on every edge between visited states;
- SOMETIMES rules: reported as reached or not (each is evaluated until it first holds);
- STABLE rules by *eventually-stable reconciliation*: from every visited state, with faults and user requests
  stopped, the fair controller schedule (`kmodel.settle`: controller rounds, then the healthy environment, then
  time) must reach quiescence, and every STABLE rule must hold there. The largest number of fair steps any
  visited state needed is the *convergence bound*. A schedule that revisits a state before quiescence never
  quiesces (it is deterministic): that is a lasso counterexample (the path to the state, then the cycle). One
  that neither quiesces nor repeats within `settle_bound` steps is reported as such. Settle outcomes are
  memoised by fingerprint at every round boundary, so each settle round is computed once per run.

The search (`explore`): breadth-first over `kmodel.events` sources and `Event.apply` from `ExploreConfig`'s
bounds (`max_depth`, `max_pods`, `max_restarts`, `max_clock`, the allowed fault and user event classes).
A successor outside a bound is not visited (it is counted in `pruned`). The visited set holds 128-bit blake2b
digests of a canonical form of each state, never the states; a parent pointer per state (its parent's index and
the event) rebuilds the shortest path by re-executing events from the initial cluster, which gives back the very
concrete states the search visited (the frontier keeps the concrete state first reached for each digest).
`max_states` stops the search: then the bounded space was *not* fully explored and every verdict that needed
it is inconclusive (DESIGN principle 7). "Exhaustive" means the frontier was emptied; "complete" means nothing
was pruned either (the whole reachable space was seen).

Fingerprints and symmetry. The canonical form leaves out what no transition and no rule can observe:
- Pod identities. A pod's name, uid, IP and creation index (and the uid counter `next_uid`) come from the
  counter: replaced pods and pods of one controller whose statuses are swapped would otherwise split states
  forever. The canonical form is the multiset of pod *statuses* (every Pod field but those four and the node,
  plus the pod's memberships in Endpoints); queued pods keep their queue position, since the scheduler takes
  them in creation order.
- Node names (mode "full"). Nodes with equal specs are interchangeable: a node is canonically its spec, its
  condition and the multiset of its pods' statuses, and the canonical form is the multiset of those.
  A `kubernetes.io/hostname` label equal to the node's own name counts as part of the name; if a nodeSelector
  anywhere names a hostname, node names are observable and mode "full" is not used.
- Time is not abstracted: the clock and every timestamp are kept exactly (`max_clock` bounds them).

Soundness. Symmetry reduction is sound when every transition and every rule is equivariant under the renamings
the canonical form forgets (Emerson and Sistla; Ip and Dill). The model is equivariant except at the decisions
that break ties by name or age, by design (DESIGN principle 6; SEMANTICS 8.11, 61):
1. the textbook scheduler takes the least `(siblings, pods, node name)`: among nodes tied on the first two the
   *name* decides (SEMANTICS 60); the kubernetes profile picks among the top-scoring nodes by a hash of the
   *pod* name (SEMANTICS 61);
2. scale-down ranks pods by SEMANTICS 34; once steps 1-7 tie, the pod's *age* (step 8, `creation_index`
   against `next_uid`) and then its *name* decide (SEMANTICS 8.11), and the `scale-down-order` rule reads ages;
3. the scheduling queue is in creation order: kept in the canonical form, so it is never lost.
Everything else reads names only for equality or for an iteration order whose results do not depend on it
(each kubelet, lifecycle, garbage-collector and endpoints write of a round touches its own pod or Service).
So the explorer guards 1 and 2: at every such decision it makes, on a search edge or a settle step, it checks
that the candidates the name or age chooses between are interchangeable in the state (equal canonical node
profile, equal canonical pod status). If they all are, the choices lead to states with one canonical form, and
merging is exact: every state merged into a visited one has successors with the same canonical forms and the
same rule verdicts, by induction along any path. If a decision is not covered, the search restarts with less
symmetry ("full" -> "pods": node names kept, which makes decision 1 under the textbook profile exact; -> "off":
the exact state) and the report says which mode was used and why. The guard recomputes the decisions as
SEMANTICS states them (`kmodel.scheduler.framework`, `replication.deletion_order_key`): a controller that
departs from them is caught by the rules that check the decision (`schedule-least-loaded`,
`scale-down-order`), and a search for such a bug is exact with `symmetry="off"`.
In practice the textbook tie-break decides between different nodes as soon as a rescheduled pod finds two
equally loaded nodes whose pods differ (a terminating pod on one of them is enough), so "full" survives small
searches only; the reduction that matters is the pod-identity one: a node crash/recover cycle replaces pods
forever, an infinite space of exact states that is finite once identities are abstracted (the tests pin one).

Liveness stays sound under symmetry: settle is deterministic and, by the same guard (its steps are checked too),
equivariant, and STABLE rules are symmetric predicates (they quantify over all objects and never compare names);
so the settle outcome of a state (its fair step count, whether it quiesces, which STABLE rules break) is a
function of the canonical form, and checking one representative per class checks them all. That is why the
memo is keyed by fingerprint. It is also why a revisit of a *canonical* state inside a settle run is a real
non-termination, where TLC's liveness checking under symmetry is unsound (a cycle of the quotient graph need
not be a cycle of states): if the run from R reaches g(R) for a renaming g, equivariance makes it reach g(g(R)),
and so on, and quiescence, a symmetric property, never comes.

Fingerprints are digests of per-run interned sub-objects: stable within one exploration, not across runs.

Length: about 1,150 lines, an engine rather than the model: the search, its fingerprints under symmetry and the
soundness arguments they depend on are kept together so each argument sits beside the code it justifies.
"""

from __future__ import annotations

import hashlib
import operator
import time
from array import array
from collections import deque
from typing import Any, Callable, Iterable

import attrs

import invariants
from invariants.registry import Violation
from kmodel import parts
from kmodel.allocation import few_collections
from kmodel.cluster import Cluster
from kmodel.errors import KModelError
from kmodel.events import CONTROLLER, FAULT, USER, Event, load_actors, sources

__all__ = [
    "ExploreConfig", "ExploreResult", "Counterexample", "ExploreError", "Fingerprinter", "explore",
    "check_with_explorer", "fault_classes", "user_event_classes", "parse_event_names", "witness_requests",
    "SETTLE_RULE", "SYMMETRY_MODES",
]

SETTLE_RULE = "settle-reaches-quiescence"
SYMMETRY_MODES = ("full", "pods", "off")

# The kinds whose names each symmetry mode forgets (what a tie hook is told, `kmodel.parts.Tie`).
_ANONYMOUS = {"full": frozenset(("Node", "Pod")), "pods": frozenset(("Pod",)), "off": frozenset()}


class ExploreError(KModelError):
    """Bad explorer input: an unknown event name, a negative bound."""


# ------------------------------------------------------------------------------------------------------------------
# Event classes by actor


def _event_classes(actor: str) -> dict[str, type]:
    load_actors()
    out: dict[str, type] = {}
    todo = list(Event.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if attrs.has(cls) and getattr(cls, "actor", None) == actor:
            out[cls.__name__] = cls
    # A base whose subclasses fix its ClassVars (ProbeResult) is never instantiated: it is left out.
    return {n: c for n, c in sorted(out.items()) if not any(issubclass(o, c) and o is not c for o in out.values())}


def fault_classes() -> dict[str, type]:
    """Every fault (environment) event class, by name."""
    return _event_classes(FAULT)


def user_event_classes() -> dict[str, type]:
    """Every user request class an event source offers, by name: the creations (`kmodel.user.CREATIONS`) are
    left out, since no palette invents the objects they would create."""
    from kmodel.user import CREATIONS

    return {n: c for n, c in _event_classes(USER).items() if n not in CREATIONS}


def parse_event_names(spec: str | Iterable[str] | None, actor: str, field: str = "faults") -> frozenset[str]:
    """Resolve `all`, `none`, group names (faults: node, probes, hooks, exits, time) and class names, given as a
    comma-separated string or an iterable, to a set of event class names. An unknown name is an ExploreError
    naming the field and listing what is known."""
    known = fault_classes() if actor == FAULT else user_event_classes()
    groups = parts.fault_groups() if actor == FAULT else {}
    if spec is None:
        return frozenset()
    items = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec)]
    out: set[str] = set()
    for item in items:
        if not item or item == "none":
            continue
        if item == "all":
            out |= set(known)
        elif item in groups:
            out |= {n for n in groups[item] if n in known}
        elif item in known:
            out.add(item)
        elif actor == USER and item in _event_classes(USER):
            raise ExploreError(f"--{field.replace('_', '-')}: {item} needs the spec of the object it creates, which "
                               "no palette of requests invents: declare the object in the manifests instead; "
                               f"requests the explorer makes: {', '.join(known)}")
        else:
            raise ExploreError(f"--{field.replace('_', '-')}: unknown event {item!r}; known: "
                               f"{', '.join(['all', 'none', *groups, *known])}")
    return frozenset(out)


def witness_requests() -> dict[str, list[str]]:
    """The user requests the registered SOMETIMES witnesses are `reached_by`, in name order, each with those
    witnesses in name order. A name that is no user request class is an ExploreError naming the witness."""
    known = user_event_classes()
    out: dict[str, list[str]] = {}
    for inv in invariants.of_kind(invariants.SOMETIMES):
        for request in inv.reached_by:
            if request not in known:
                raise ExploreError(f"invariant {inv.name}: reached_by names {request!r}, which is no user request; "
                                   f"known: {', '.join(known)}")
            out.setdefault(request, []).append(inv.name)
    return {request: sorted(out[request]) for request in sorted(out)}


def _faults(value) -> frozenset[str]:
    return parse_event_names(value, FAULT, "faults")


def _users(value) -> frozenset[str]:
    return parse_event_names(value, USER, "user_events")


def _symmetry(value) -> str:
    if value is True:
        return "full"
    if value is False or value is None:
        return "off"
    if value not in SYMMETRY_MODES:
        raise ExploreError(f"--symmetry: must be one of {', '.join(SYMMETRY_MODES)}, got {value!r}")
    return value


def _bound(name: str):
    def check(_instance, _attribute, value) -> None:
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ExploreError(f"--{name.replace('_', '-')}: must be a non-negative integer, got {value!r}")
    return check


@attrs.frozen
class ExploreConfig:
    """The bounds of one exploration. A bound of None is no bound.

    `max_depth`: events from the initial state. `max_pods`: pod objects in a state (terminating ones count).
    `max_restarts`: the highest container restart count. `max_clock`: the clock, in seconds. `faults`: the fault
    event classes the environment may inject (names, groups or "all"/"none"). `user_events`: the user request
    classes allowed (default none). `max_states`: distinct states after which the search stops, inconclusive.
    `symmetry`: the most symmetry to try: "full" (nodes and pod identities; True), "pods" (pod identities, node
    names kept) or "off" (the exact state; False); the search falls back as the module docstring says.
    `settle_bound`: fair steps after which a settle run that neither quiesced nor repeated a state is a failure.
    `check_settle_steps`: also check ALWAYS and TRANSITION rules on the steps of settle runs (as the Hypothesis
    engine does; off by default: those states lie beyond the bounded space, and checking them costs about as
    much as the search itself).
    """

    max_depth: int | None = attrs.field(default=4, validator=_bound("max_depth"))
    max_pods: int | None = attrs.field(default=None, validator=_bound("max_pods"))
    max_restarts: int | None = attrs.field(default=None, validator=_bound("max_restarts"))
    max_clock: int | None = attrs.field(default=None, validator=_bound("max_clock"))
    faults: frozenset[str] = attrs.field(default="all", converter=_faults)
    user_events: frozenset[str] = attrs.field(default="none", converter=_users)
    max_states: int | None = attrs.field(default=1_000_000, validator=_bound("max_states"))
    symmetry: str = attrs.field(default="full", converter=_symmetry)
    settle_bound: int = attrs.field(default=10_000, validator=_bound("settle_bound"))
    check_settle_steps: bool = False

    def to_json(self) -> dict:
        return {"max_depth": self.max_depth, "max_pods": self.max_pods, "max_restarts": self.max_restarts,
                "max_clock": self.max_clock, "faults": sorted(self.faults), "user_events": sorted(self.user_events),
                "max_states": self.max_states, "symmetry": self.symmetry, "settle_bound": self.settle_bound,
                "check_settle_steps": self.check_settle_steps}


# ------------------------------------------------------------------------------------------------------------------
# Canonical fingerprints

_POD_IDENTITY = ("name", "uid", "creation_index", "pod_ip", "node_name")
_HOSTNAME = "kubernetes.io/hostname"
_ATOMS = (int, str, bool, float, type(None))


def _pod_status_fields() -> tuple[str, ...]:
    from kmodel.objects import Pod

    return tuple(f.name for f in attrs.fields(Pod) if f.name not in _POD_IDENTITY)


def _node_spec_fields() -> tuple[str, ...]:
    from kmodel.objects import Node

    return tuple(f.name for f in attrs.fields(Node) if f.name not in ("name", "labels"))


class Fingerprinter:
    """Canonical 128-bit fingerprints of clusters in one symmetry mode ("full", "pods" or "off").

    Sub-objects are interned: a value gets a small integer the first time it is seen, and objects are cached by
    identity, so a state that shares a pod, a node or a map with an earlier state (persistence: a step copies
    nothing it does not change) pays a dictionary lookup for it. The canonical form is then a short sequence of
    integers, hashed with blake2b. Kept alive for the whole run (the caches hold the objects they key by id).
    """

    def __init__(self, mode: str = "full") -> None:
        if mode not in SYMMETRY_MODES:
            raise ValueError(f"unknown symmetry mode {mode!r}")
        self.mode = mode
        self._intern: dict[Any, int] = {}
        self._objs: dict[int, tuple[Any, int]] = {}
        self._pods: dict[int, tuple[Any, int]] = {}
        self._nodes: dict[int, tuple[Any, int]] = {}
        self._endpoints: dict[int, tuple[Any, dict, int]] = {}
        # id(pod) -> (pod, its Endpoints listings, its key): the latest listing of each pod object.
        self._keys: dict[int, tuple[Any, Any, int]] = {}
        self._listings: dict[tuple, tuple] = {}
        self._status_fields = _pod_status_fields()
        self._node_fields = _node_spec_fields()
        self._pod_fields = operator.attrgetter(*self._status_fields)

    # ---- interning ---------------------------------------------------------------------------------------------
    def intern(self, value: Any) -> int:
        table = self._intern
        i = table.get(value)
        if i is None:
            i = table[value] = len(table)
        return i

    def ref(self, obj: Any) -> int:
        """The interned number of a value, cached by the object's identity."""
        hit = self._objs.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        i = self.intern(obj)
        self._objs[id(obj)] = (obj, i)
        return i

    def pod_status(self, pod) -> int:
        """Everything about a pod but its identity (name, uid, IP, creation index) and its node."""
        hit = self._pods.get(id(pod))
        if hit is not None and hit[0] is pod:
            return hit[1]
        ref = self.ref
        i = self.intern(("pod", bool(pod.pod_ip), *(v if type(v) in _ATOMS else ref(v) for v in self._pod_fields(pod))))
        self._pods[id(pod)] = (pod, i)
        return i

    def node_spec(self, node) -> int:
        """A node without its name: labels (a hostname label equal to the name stands for "the name"),
        allocatable, maxPods, the Ready condition and spec.unschedulable."""
        hit = self._nodes.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        labels = node.labels
        if labels.get(_HOSTNAME) == node.name:
            labels = labels.set(_HOSTNAME, "\0self")
        parts = [self.intern(labels)] + [getattr(node, f) for f in self._node_fields]
        i = self.intern(("node", *(v if type(v) in _ATOMS else self.ref(v) for v in parts)))
        self._nodes[id(node)] = (node, i)
        return i

    def _endpoint_view(self, endpoints) -> dict:
        """Per pod name, its listings in the stored Endpoints: (service, ready?, ip, node, ports, in order?)."""
        return self._endpoints_entry(endpoints)[1]

    def _endpoints_entry(self, endpoints) -> tuple[Any, dict, int]:
        """(the Endpoints map, its view by pod name, the interned sorted Service names or -1 when empty)."""
        hit = self._endpoints.get(id(endpoints))
        if hit is not None and hit[0] is endpoints:
            return hit
        view: dict[str, Any] = {}
        for svc, ep in endpoints.items():
            for kind, addresses in ((1, ep.addresses), (0, ep.not_ready_addresses)):
                ordered = all(a.pod <= b.pod for a, b in zip(addresses, addresses[1:]))
                for pos, a in enumerate(addresses):
                    view.setdefault(a.pod, []).append(
                        (self.intern(svc), kind, a.ip, a.node, self.ref(a.ports), -1 if ordered else pos))
        # One object per distinct listing, so that a pod whose listings a new Endpoints map left as they were
        # keeps its key (`_keys` is checked by the identity of the listing).
        listings = self._listings
        view = {name: listings.setdefault(t, t) for name, t in ((name, tuple(found)) for name, found in view.items())}
        names = self.intern(tuple(sorted(endpoints.keys()))) if endpoints else -1
        entry = self._endpoints[id(endpoints)] = (endpoints, view, names)
        return entry

    # ---- canonical form ----------------------------------------------------------------------------------------
    def pod_key(self, cluster, pod, view: dict | None = None) -> int:
        """A pod's status plus its Endpoints listings (node and IP as "its own" or verbatim)."""
        if view is None:
            view = self._endpoint_view(cluster.endpoints)
        listed = view.get(pod.name)
        hit = self._keys.get(id(pod))
        if hit is not None and hit[0] is pod and hit[1] is listed:
            return hit[2]
        return self._pod_key(pod, listed)

    def _pod_key(self, pod, listed) -> int:
        status = self.pod_status(pod)
        if listed:
            status = self.intern((status, tuple(sorted(
                (s, k, ip == pod.pod_ip, node == pod.node_name or node, ports, pos)
                for s, k, ip, node, ports, pos in listed))))
        self._keys[id(pod)] = (pod, listed, status)
        return status

    def _pod_keys(self, pods, names, view) -> tuple[int, ...]:
        """The sorted keys of the named pods (the hot loop of a fingerprint: one dict lookup per unchanged pod)."""
        keys = []
        cache = self._keys
        for name in names:
            pod = pods[name]
            listed = view.get(name)
            hit = cache.get(id(pod))
            if hit is not None and hit[0] is pod and hit[1] is listed:
                keys.append(hit[2])
            else:
                keys.append(self._pod_key(pod, listed))
        keys.sort()
        return tuple(keys)

    def node_profiles(self, cluster) -> dict[str, int]:
        """Each node's canonical profile: its spec key and the sorted keys of the pods bound to it."""
        view = self._endpoint_view(cluster.endpoints)
        pods = cluster.pods
        out = {}
        for name, node in cluster.nodes.items():
            names = cluster.pods_by_node.get(name)
            keys = self._pod_keys(pods, names, view) if names else ()
            out[name] = self.intern((self.node_spec(node), keys))
        return out

    def __call__(self, cluster) -> bytes:
        if self.mode == "off":
            return self._exact(cluster)
        if cluster.objects:  # a registered kind's objects may name nodes and pods (kmodel.kinds): no symmetry
            raise _SymmetryBroken("the cluster holds objects of a registered kind, which may name nodes or pods")
        table = self._intern
        endpoints = cluster.endpoints
        hit = self._endpoints.get(id(endpoints))
        if hit is None or hit[0] is not endpoints:
            hit = self._endpoints_entry(endpoints)
        view = hit[1]
        pods = cluster.pods
        by_node = cluster.pods_by_node
        nodes = cluster.nodes
        profiles = []
        full = self.mode == "full"
        bound = listed_bound = 0
        node_cache = self._nodes
        key_cache = self._keys
        pod_key = self._pod_key
        for name, node in nodes.items():
            names = by_node.get(name)
            if names:
                bound += len(names)
                keys = []  # `_pod_keys`, inlined: the innermost loop of every fingerprint
                for pod_name in names:
                    pod = pods[pod_name]
                    listed = view.get(pod_name)
                    if listed is not None:
                        listed_bound += 1
                    found = key_cache.get(id(pod))
                    if found is not None and found[0] is pod and found[1] is listed:
                        keys.append(found[2])
                    else:
                        keys.append(pod_key(pod, listed))
                keys.sort()
                keys = tuple(keys)
            else:
                keys = ()
            found = node_cache.get(id(node))
            profile = (found[1] if found is not None and found[0] is node else self.node_spec(node), keys)
            if not full:
                profile = (name, *profile)
            i = table.get(profile)  # `intern`, inlined
            if i is None:
                i = table[profile] = len(table)
            profiles.append(i)
        profiles.sort()
        ref = self.ref
        # Every section is length-prefixed, so the integer sequence parses one way only.
        flat = [cluster.clock, ref(cluster.services), ref(cluster.controllers), len(profiles), *profiles]
        queued = cluster.unscheduled
        if queued:
            order = sorted((i, n) for n, i in queued.items())
            flat.append(len(order))
            flat.extend(self.pod_key(cluster, pods[n], view) for _, n in order)
        else:
            flat.append(0)
        if bound + len(queued) != len(pods):
            # Unbound pods out of the queue, or pods bound to a node that does not exist.
            intern = self.intern
            rest = []
            for name, pod in pods.items():
                if pod.node_name is None and name not in queued:
                    rest.append(intern(("unbound", self.pod_key(cluster, pod, view))))
                elif pod.node_name is not None and pod.node_name not in nodes:
                    rest.append(intern(("dangling", pod.node_name, self.pod_key(cluster, pod, view))))
            rest.sort()
            flat.append(len(rest))
            flat.extend(rest)
        else:
            flat.append(0)
        flat.append(hit[2])
        if listed_bound == len(view):
            flat.append(0)  # every listed pod is bound to a node: no listing is stale
        else:
            intern = self.intern
            stale = sorted(intern((s, k, node, ports, pos)) for name, listed in view.items() if name not in pods
                           for s, k, _ip, node, ports, pos in listed)
            flat.append(len(stale))
            flat.extend(stale)
        return hashlib.blake2b(array("q", flat).tobytes(), digest_size=16).digest()

    def _exact(self, cluster) -> bytes:
        """No symmetry: every object with its identity, and the uid counter."""
        flat = array("q", (cluster.clock, cluster.next_uid, self.ref(cluster.services), self.ref(cluster.controllers),
                           self.ref(cluster.endpoints), self.ref(cluster.nodes), self.ref(cluster.objects)))
        for name in sorted(cluster.pods.keys()):
            flat.append(self.ref(cluster.pods[name]))
        return hashlib.blake2b(flat.tobytes(), digest_size=16).digest()


def hostname_selected(cluster) -> bool:
    """Some pod or template selects nodes by hostname: node names are then observable (no node symmetry)."""
    selectors = [p.node_selector for p in cluster.pods.values()]
    selectors += [c.template.node_selector for c in cluster.controllers.values()]
    return any(_HOSTNAME in s for s in selectors)


class _SymmetryBroken(Exception):
    """A name or age decided between candidates that are not interchangeable (module docstring)."""


# ------------------------------------------------------------------------------------------------------------------
# Results


@attrs.frozen
class Counterexample:
    """A shortest counterexample: replay `events` from `initial`.

    `kind`: "always" (the last state breaks the rule), "transition" (the last event does), "stable" (the path
    reaches a state from which the fair schedule quiesces in a state breaking the rule: the events end with
    that settle run), "settle" (a rule broken on a step of such a settle run), or "lasso" (the fair schedule
    never quiesces: `events[cycle_start:]` repeat forever; for "settle-bound" no cycle was found within the
    bound). `depth` is the length of the explored prefix (the rest are settle steps).
    """

    rule: str
    message: str
    objects: tuple[str, ...]
    initial: Cluster
    events: tuple[Event, ...]
    kind: str
    depth: int
    cycle_start: int | None = None

    @property
    def settled(self) -> bool:
        return self.kind in ("stable", "lasso", "settle-bound")

    def trace(self, sources: Iterable[str] = ()):
        """The counterexample as a `kmodel.trace.Trace` (the format `kmodel check` saves and `kmodel replay`
        reads)."""
        from kmodel.trace import Trace

        message = self.message
        if self.cycle_start is not None:
            message += f" (events {self.cycle_start + 1} to {len(self.events)} repeat forever)"
        return Trace(initial=self.initial, events=self.events, rule=self.rule, message=message, engine="explore",
                     seed=None, settled=self.settled, sources=tuple(sources))


@attrs.frozen
class ExploreResult:
    """What an exploration found. `verdict` follows DESIGN principle 7 (kmodel.check's rule verdicts)."""

    verdict: str
    rules: tuple  # kmodel.check.RuleVerdict
    violations: tuple[Counterexample, ...]
    distinct_states: int
    transitions: int
    max_depth: int
    seconds: float
    convergence_bound: int | None
    exhaustive: bool
    complete: bool
    pruned: dict = attrs.field(eq=False)
    reached: frozenset[str]
    symmetry: str
    symmetry_note: str
    config: ExploreConfig
    settle_states: int = 0
    event_counts: dict = attrs.field(factory=dict, eq=False)

    @property
    def states_per_second(self) -> float:
        return self.distinct_states / self.seconds if self.seconds > 0 else float(self.distinct_states)

    @property
    def unreached_witnesses(self) -> tuple[str, ...]:
        """The SOMETIMES witnesses that apply to the cluster but that no explored state reached: the rules they
        witness are inconclusive, not passed (DESIGN principle 7)."""
        return tuple(r.name for r in self.rules if r.kind == invariants.SOMETIMES and r.verdict == "inconclusive")

    def reach_hints(self) -> list[str]:
        """Why the verdict is inconclusive and what to change, as sentences for the report: the witnesses never
        reached (with the rules waiting on them), the bounds that cut the search (with what they cut) and the
        events it was not allowed (first the user requests that reach the unreached witnesses where faults alone
        do not: their `reached_by`), or, when none did, that no reachable state of this cluster has them. Empty
        unless the verdict is inconclusive."""
        if self.verdict != "inconclusive":
            return []
        cfg = self.config
        out = []
        unreached = self.unreached_witnesses
        if unreached:
            waiting = sorted(r.name for r in self.rules if r.verdict == "inconclusive" and r.witness in unreached)
            out.append(f"never reached: {', '.join(unreached)}"
                       + (f"; the rules they witness are inconclusive, not passed: {', '.join(waiting)}"
                          if waiting else ""))
        if not self.exhaustive:
            out.append(f"the search stopped at --max-states {cfg.max_states:,} before the bounded space was "
                       "exhausted: a larger --max-states, or tighter bounds, lets it finish")
        if not unreached:
            return out
        causes = len(out)
        for key, flag, bound, what in (("depth", "--max-depth", cfg.max_depth, "states were left unexpanded at"),
                                       ("pods", "--max-pods", cfg.max_pods, "steps were cut by"),
                                       ("restarts", "--max-restarts", cfg.max_restarts, "steps were cut by"),
                                       ("clock", "--max-clock", cfg.max_clock, "steps were cut by")):
            n = self.pruned.get(key, 0)
            if n:
                out.append(f"{n:,} {what} {flag} {bound}: a larger bound explores further")
        needed: dict[str, list[str]] = {}  # a request not allowed -> the unreached witnesses it reaches
        for request, witnesses in witness_requests().items():
            if request not in cfg.user_events:
                for name in witnesses:
                    if name in unreached:
                        needed.setdefault(request, []).append(name)
        for flag, allowed, known in (("--user-events", cfg.user_events, user_event_classes()),
                                     ("--faults", cfg.faults, fault_classes())):
            missing = sorted(set(known) - allowed)
            if missing:
                now = "none allowed" if not allowed else f"{len(allowed)} of {len(known)} allowed"
                fix = ""
                if flag == "--user-events" and needed:
                    fix = (f"`{flag} {','.join(sorted(allowed | set(needed)))}` allows the requests that reach "
                           + "; ".join(f"{', '.join(ws)} ({request})" for request, ws in sorted(needed.items()))
                           + "; ")
                out.append(f"{flag}: {now}; {fix}`{flag} all` also explores {', '.join(missing)}")
        if len(out) == causes:
            out.append("every event was allowed and no bound cut the search: no reachable state of this cluster "
                       "has them, so their rules cannot be exercised here (more replicas or nodes may)")
        return out

    def to_json(self, trace_files: Iterable[str | None] = ()) -> dict:
        files = list(trace_files)
        return {
            "verdict": self.verdict,
            "distinct_states": self.distinct_states,
            "transitions": self.transitions,
            "max_depth": self.max_depth,
            "seconds": round(self.seconds, 3),
            "states_per_second": round(self.states_per_second, 1),
            "convergence_bound": self.convergence_bound,
            "exhaustive": self.exhaustive,
            "complete": self.complete,
            "pruned": dict(self.pruned),
            "symmetry": self.symmetry,
            "symmetry_note": self.symmetry_note,
            "settle_states": self.settle_states,
            "config": self.config.to_json(),
            "rules": [{"name": r.name, "kind": r.kind, "verdict": r.verdict, "message": r.message}
                      for r in self.rules],
            "unreached_witnesses": list(self.unreached_witnesses),
            "hints": self.reach_hints(),
            "violations": [
                {"rule": v.rule, "kind": v.kind, "message": v.message, "objects": list(v.objects),
                 "length": len(v.events), "depth": v.depth, "cycle_start": v.cycle_start,
                 "trace": {"file": files[i] if i < len(files) else None, "events": [repr(e) for e in v.events]}}
                for i, v in enumerate(self.violations)],
        }


# ------------------------------------------------------------------------------------------------------------------
# The search


def _max_restarts(cluster) -> int:
    best = 0
    for pod in cluster.pods.values():
        for c in pod.containers:
            n = c.status.restart_count
            if n > best:
                best = n
    return best


class _Search:
    """One breadth-first search in one symmetry mode (see `explore`)."""

    def __init__(self, initial: Cluster, cfg: ExploreConfig, mode: str, rule_names, check_stable: bool,
                 progress) -> None:
        self.initial = initial
        self.cfg = cfg
        self.mode = mode
        self.progress = progress
        self.fp = Fingerprinter(mode)
        profile = initial.config.profile
        names = None if rule_names is None else list(rule_names)
        self.always = [i for i in invariants.of_kind(invariants.ALWAYS, names=names, profile=profile)]
        self.transition = [i for i in invariants.of_kind(invariants.TRANSITION, names=names, profile=profile)]
        self._by_event: dict[type, list] = {}  # event class -> the TRANSITION rules that speak of it
        self.stable_names = [i.name for i in invariants.of_kind(invariants.STABLE, names=names, profile=profile)]
        self.sometimes = [i for i in invariants.of_kind(invariants.SOMETIMES, profile=profile)]
        self.check_stable = check_stable
        self.reached: set[str] = set()
        self.violations: dict[str, Counterexample] = {}
        self.parents: list[tuple[int, Event | None]] = []
        self.memo: dict[bytes, tuple[int | None, Any]] = {}
        self.convergence = 0
        self.pruned = {"depth": 0, "pods": 0, "restarts": 0, "clock": 0}
        self.event_counts: dict[str, int] = {}
        self._ties = parts.tie_hooks() if mode != "off" else {}
        self._anonymous = _ANONYMOUS[mode]
        self._sources = self._event_sources()
        self._origin = 0
        self._settle_log: list[Event] = []
        self.index: dict[bytes, int] = {}
        self.checked: set[bytes] = set()

    # ---- successors ----------------------------------------------------------------------------------------
    def _event_sources(self) -> list[tuple[Callable, frozenset | None]]:
        allowed = {FAULT: {c for n, c in fault_classes().items() if n in self.cfg.faults},
                   USER: {c for n, c in user_event_classes().items() if n in self.cfg.user_events}}
        out = []
        for _name, actor, fn in sources():
            if actor == CONTROLLER:
                out.append((fn, None, True))
            elif allowed.get(actor):
                out.append((fn, frozenset(allowed[actor]), False))
        return out

    def successors(self, cluster: Cluster) -> list[Event]:
        """`kmodel.events.enabled` restricted to the allowed fault and user events (guards checked here, so
        applying them needs no second check)."""
        out = []
        proposed = False
        for fn, only, controller in self._sources:
            for event in fn(cluster):
                if (only is None or type(event) in only) and event.guard(cluster):
                    out.append(event)
                    proposed = proposed or controller
        self.controllers_proposed = proposed  # some controller's source offered an event (the idle shortcut)
        return out

    def _outside(self, after: Cluster, before: Cluster) -> str | None:
        cfg = self.cfg
        if cfg.max_pods is not None and len(after.pods) > cfg.max_pods:
            return "pods"
        if cfg.max_clock is not None and after.clock > cfg.max_clock:
            return "clock"
        if cfg.max_restarts is not None and after.pods is not before.pods and _max_restarts(after) > cfg.max_restarts:
            return "restarts"
        return None

    # ---- paths and counterexamples --------------------------------------------------------------------------
    def path(self, index: int) -> list[Event]:
        events = []
        while index > 0:
            parent, event = self.parents[index]
            events.append(event)
            index = parent
        events.reverse()
        return events

    def _record(self, v: Violation, index: int, extra: Iterable[Event], kind: str, cycle_start: int | None = None
                ) -> None:
        """Keep the first (so, in BFS order, the shortest) counterexample of each rule; stop checking the rule."""
        if v.rule in self.violations:
            return
        prefix = self.path(index)
        events = tuple(prefix) + tuple(extra)
        start = None if cycle_start is None else len(prefix) + cycle_start
        self.violations[v.rule] = Counterexample(v.rule, v.message, tuple(v.objects), self.initial, events, kind,
                                                 len(prefix), start)
        self.always = [i for i in self.always if i.name != v.rule]
        self.transition = [i for i in self.transition if i.name != v.rule]
        self._by_event.clear()

    def _check_state(self, cluster: Cluster, index: int, extra: tuple = (), kind: str = "always") -> None:
        for inv in self.always:
            for v in inv.predicate(cluster):
                self._record(v, index, extra, kind)
                break
        self._check_witnesses(cluster)

    def _check_witnesses(self, cluster: Cluster) -> None:
        if len(self.reached) < len(self.sometimes):
            for inv in self.sometimes:
                if inv.name not in self.reached and inv.predicate(cluster):
                    self.reached.add(inv.name)

    def _transition_rules(self, event_type: type) -> list:
        """The TRANSITION rules still checked that can speak of a step by this event class
        (`invariants.speaks_of`: the others answer it with no violation)."""
        rules = self._by_event.get(event_type)
        if rules is None:
            rules = self._by_event[event_type] = [i for i in self.transition if invariants.speaks_of(i, event_type)]
        return rules

    def _check_step(self, before: Cluster, event: Event, after: Cluster, index: int, extra: tuple = (),
                    kind: str = "transition") -> None:
        for inv in self._transition_rules(type(event)):
            for v in inv.predicate(before, event, after):
                self._record(v, index, extra, kind)
                break

    # ---- the symmetry guard ---------------------------------------------------------------------------------
    def _guard(self, before: Cluster, event: Event) -> None:
        """Ask the event's tie hook (`kmodel.parts.register_ties`) where a name or age decided, and refuse the
        reduction when the objects it decided among are not interchangeable under this mode's fingerprint."""
        hook = self._ties.get(type(event))
        if hook is None:
            return
        anonymous = self._anonymous
        for tie in hook(before, event, anonymous):
            members = sorted(tie.chosen | tie.passed)
            what = tie.what
            if tie.kind not in anonymous:
                if tie.reads_pod_name and "Pod" in anonymous:
                    raise _SymmetryBroken(f"{what}: the tie-break among {members} reads the pod name ({tie.why})")
                continue
            if tie.kind == "Node":
                profiles = self.fp.node_profiles(before)
                if len({profiles[n] for n in members}) > 1:
                    raise _SymmetryBroken(f"{what}: the node name decides among tied nodes {members} that are not "
                                          f"interchangeable ({tie.why})")
            elif tie.kind == "Pod":
                self._guard_pods(before, tie, what)
            else:
                raise _SymmetryBroken(f"{what}: a tie among {tie.kind} objects, which the symmetry reduction does "
                                      "not know how to compare")

    def _guard_pods(self, before: Cluster, tie, what: str) -> None:
        """Every pod picked is interchangeable with every pod passed over: the same canonical key and the same
        node, or (full mode) nodes of one canonical profile."""
        profiles = self.fp.node_profiles(before) if "Node" in self._anonymous else None
        pods = before.pods

        def same(a, b) -> bool:
            if self.fp.pod_key(before, a) != self.fp.pod_key(before, b):
                return False
            if a.node_name == b.node_name:
                return True
            return profiles is not None and a.node_name is not None and b.node_name is not None \
                and profiles.get(a.node_name) == profiles.get(b.node_name)

        for d in sorted(tie.chosen):
            for k in sorted(tie.passed):
                if not same(pods[d], pods[k]):
                    raise _SymmetryBroken(f"{what}: age or name decides between {d} and {k}, which are not "
                                          f"interchangeable ({tie.why})")

    # ---- eventually-stable reconciliation -------------------------------------------------------------------
    def _observe(self, before: Cluster, event: Event, after: Cluster) -> None:
        """A settle step: the symmetry guard, TRANSITION rules, and ALWAYS rules on a state not checked yet."""
        self._settle_log.append(event)
        if self.mode != "off":
            self._guard(before, event)
        if self.cfg.check_settle_steps:
            if self.transition:
                self._check_step(before, event, after, self._origin, tuple(self._settle_log), "settle")
            fp = self.fp(after)
            if fp not in self.index and fp not in self.checked:
                self.checked.add(fp)
                self._check_state(after, self._origin, tuple(self._settle_log), "settle")

    def liveness(self, cluster: Cluster, fp: bytes, index: int, controllers_idle: bool = False) -> None:
        """Settle from a visited state (memoised), check STABLE rules at quiescence, record failures.
        `controllers_idle`: the caller found no enabled controller event in this state, so the first controller
        round would apply nothing and is skipped."""
        hit = self.memo.get(fp)
        if hit is None:
            hit = self._settle(cluster, fp, index, controllers_idle)
        steps, outcome = hit
        if steps is not None and steps > self.convergence:
            self.convergence = steps
        if outcome is None:
            return
        if isinstance(outcome, tuple):  # STABLE violations at the quiescent state
            if any(v.rule not in self.violations for v in outcome):
                from kmodel.settle import settle

                run = settle(cluster, max_steps=self.cfg.settle_bound + 1, record=True)
                found = invariants.check(run.cluster, kinds=(invariants.STABLE,), names=self.stable_names)
                # The rerun gives this state's own names; the memoised outcome (same class) backs it up.
                for v in [*found, *outcome]:
                    self._record(v, index, run.events, "stable")
            return
        if SETTLE_RULE not in self.violations:
            events, start = self._lasso(cluster)
            if start is not None:
                msg = (f"the fair controller schedule never quiesces: after {start} fair steps it enters a cycle of "
                       f"{len(events) - start} steps")
                self._record(Violation(SETTLE_RULE, msg), index, events, "lasso", start)
            else:
                msg = f"not quiescent after {self.cfg.settle_bound} fair steps (no repeated state within the bound)"
                self._record(Violation(SETTLE_RULE, msg), index, events, "settle-bound")

    def _settle(self, cluster: Cluster, fp: bytes, index: int, controllers_idle: bool = False
                ) -> tuple[int | None, Any]:
        from kmodel.settle import controller_round, environment_step

        memo, fingerprint = self.memo, self.fp
        bound = self.cfg.settle_bound
        observe = self._observe
        self._origin, self._settle_log = index, []
        trail: list[tuple[bytes, int]] = []
        seen: set[bytes] = set()
        steps = 0
        cur, cur_fp = cluster, fp
        while True:
            hit = memo.get(cur_fp)
            if hit is not None:
                total = None if hit[0] is None else steps + hit[0]
                outcome = hit[1]
                break
            if cur_fp in seen:
                total, outcome = None, "cycle"
                break
            seen.add(cur_fp)
            trail.append((cur_fp, steps))
            if steps >= bound:
                total, outcome = None, "bound"
                break
            if controllers_idle:
                controllers_idle, applied = False, []
            else:
                cur, applied = controller_round(cur, observe)
            if not applied:
                cur, applied = environment_step(cur, True, observe)
                if not applied:
                    found = tuple(invariants.check(cur, kinds=(invariants.STABLE,), names=self.stable_names))
                    outcome = found or None
                    total = steps
                    if not self.cfg.check_settle_steps:
                        self._check_witnesses(cur)
                    break
            steps += len(applied)
            cur_fp = fingerprint(cur)
            if cur_fp not in memo and len(self.reached) < len(self.sometimes):
                self._check_witnesses(cur)  # settle states are reachable too (round boundaries only)
        for f, s in trail:
            memo[f] = (None if total is None else total - s, outcome)
        return memo[fp]

    def _lasso(self, cluster: Cluster) -> tuple[tuple[Event, ...], int | None]:
        """The settle run from `cluster` up to its first repeated (canonical) state, and where the cycle starts."""
        from kmodel.settle import controller_round, environment_step

        events: list[Event] = []
        seen: dict[bytes, int] = {}
        cur = cluster
        while len(events) <= self.cfg.settle_bound:
            f = self.fp(cur)
            if f in seen:
                return tuple(events), seen[f]
            seen[f] = len(events)
            cur, applied = controller_round(cur)
            if not applied:
                cur, applied = environment_step(cur, True)
                if not applied:
                    break
            events.extend(applied)
        return tuple(events), None

    def _idle_shortcut_valid(self) -> bool:
        """Every controller that settle runs offers its proposals as a registered event source (what
        `parts.register_controller` does, with the contract that a controller whose proposals are empty
        reconciles to nothing), so a state whose sources propose no controller event is one where a controller
        round applies nothing."""
        registered = {fn for _n, actor, fn in sources() if actor == CONTROLLER}
        return all(part.proposals in registered for part in parts.controllers())

    # ---- BFS ------------------------------------------------------------------------------------------------
    def run(self) -> dict:
        cfg = self.cfg
        started = time.perf_counter()
        fingerprint = self.fp
        guarded = tuple(self._ties)  # the decisions `_guard` checks
        bounded = cfg.max_pods is not None or cfg.max_clock is not None or cfg.max_restarts is not None
        check_stable = self.check_stable
        max_depth = cfg.max_depth
        max_states = cfg.max_states
        root = self.initial
        root_fp = fingerprint(root)
        index = self.index
        index[root_fp] = 0
        self.parents = [(-1, None)]
        self._check_state(root, 0)
        frontier = deque([(root, 0, 0, root_fp)])
        idle_shortcut = self._idle_shortcut_valid()
        transitions = 0
        deepest = 0
        aborted = False
        depth_cut = False
        at_depth_bound = 0
        counts: dict[type, int] = {}
        progress = self.progress
        last_report = started
        while frontier:
            cluster, idx, depth, state_fp = frontier.popleft()
            if depth > deepest:
                deepest = depth
            if max_depth is not None and depth >= max_depth:
                at_depth_bound += 1
                if check_stable:
                    self.liveness(cluster, state_fp, idx)
                if not depth_cut and self.successors(cluster):
                    depth_cut = True
                continue
            successors = self.successors(cluster)
            if check_stable:
                idle = idle_shortcut and not self.controllers_proposed
                self.liveness(cluster, state_fp, idx, idle)
            for event in successors:
                after = event.apply(cluster)
                transitions += 1
                kind = type(event)
                counts[kind] = counts.get(kind, 0) + 1
                if bounded:
                    cut = self._outside(after, cluster)
                    if cut is not None:
                        self.pruned[cut] += 1
                        continue
                if kind in guarded:
                    self._guard(cluster, event)
                if self.transition:
                    self._check_step(cluster, event, after, idx, (event,))
                fp = fingerprint(after)
                if fp in index:
                    continue
                if max_states is not None and len(self.parents) >= max_states:
                    aborted = True
                    break
                new = len(self.parents)
                index[fp] = new
                self.parents.append((idx, event))
                self._check_state(after, new)
                frontier.append((after, new, depth + 1, fp))
            if aborted:
                break
            if progress is not None and not idx & 63:
                now = time.perf_counter()
                if now - last_report >= 0.2:
                    last_report = now
                    progress(len(self.parents), transitions, depth, now - started)
        self.event_counts.update((kind.__name__, n) for kind, n in counts.items())
        if depth_cut:
            self.pruned["depth"] = at_depth_bound + len(frontier)
        if self.progress is not None:
            self.progress(len(self.parents), transitions, deepest, time.perf_counter() - started)
        return {"distinct": len(self.parents), "transitions": transitions, "deepest": deepest,
                "aborted": aborted, "seconds": time.perf_counter() - started}


def explore(initial: Cluster, config: ExploreConfig | None = None, rule_names: Iterable[str] | None = None,
            progress: Callable[[int, int, int, float], None] | None = None) -> ExploreResult:
    """Explore every state reachable from `initial` within `config`'s bounds, checking the registered rules (all,
    or the named ones). `progress(states, transitions, depth, seconds)` is called now and then."""
    from kmodel.check import INCONCLUSIVE, RuleVerdict, applicable_witnesses, overall, rule_verdicts

    cfg = config or ExploreConfig()
    names = None if rule_names is None else list(rule_names)
    checked = None if names is None else [n for n in names if n != SETTLE_RULE]
    if checked is not None:
        for n in checked:
            invariants.get(n)  # an unknown name lists the known ones
    check_stable = names is None or SETTLE_RULE in names or any(
        invariants.get(n).kind == invariants.STABLE for n in checked or ())
    started = time.perf_counter()
    modes = list(SYMMETRY_MODES[SYMMETRY_MODES.index(cfg.symmetry):])
    notes = [] if cfg.symmetry != "off" else ["symmetry reduction off"]
    if "full" in modes and hostname_selected(initial):
        modes.remove("full")
        notes.append("a nodeSelector names a hostname, so node names are kept")
    if initial.objects and modes != ["off"]:
        modes = ["off"]
        notes.append("the cluster holds objects of a registered kind (kmodel.kinds): no symmetry reduction")
    while True:
        mode = modes.pop(0)
        search = _Search(initial, cfg, mode, checked, check_stable, progress)
        attempt = time.perf_counter()
        try:
            with few_collections():
                stats = search.run()
            break
        except _SymmetryBroken as why:
            notes.append(f"{mode} symmetry dropped after {len(search.parents):,} states "
                         f"({time.perf_counter() - attempt:.1f}s): {why}")
    note = "; ".join(notes)
    seconds = time.perf_counter() - started
    profile = initial.config.profile
    rules = invariants.of_kind(names=checked, profile=profile)
    violated = {rule: v.message for rule, v in search.violations.items()}
    applicable = applicable_witnesses(initial)
    bound_hit = stats["aborted"]
    verdicts = list(rule_verdicts(rules, violated, search.reached, applicable, bound_hit))
    if search.check_stable:
        if SETTLE_RULE in violated:
            verdicts.append(RuleVerdict(SETTLE_RULE, invariants.STABLE, "fail", violated[SETTLE_RULE]))
        elif bound_hit:
            verdicts.append(RuleVerdict(SETTLE_RULE, invariants.STABLE, INCONCLUSIVE, "the engine hit a bound"))
        else:
            verdicts.append(RuleVerdict(SETTLE_RULE, invariants.STABLE, "pass",
                                        f"every visited state quiesces within {search.convergence} fair steps"))
    order = {inv.name: i for i, inv in enumerate(rules)}
    found = sorted(search.violations.values(), key=lambda v: (len(v.events), order.get(v.rule, len(order)), v.rule))
    verdict = overall(v.verdict for v in verdicts)
    if found and verdict != "fail":
        verdict = "fail"
    complete = not bound_hit and not any(search.pruned.values())
    return ExploreResult(
        verdict=verdict, rules=tuple(verdicts), violations=tuple(found), distinct_states=stats["distinct"],
        transitions=stats["transitions"], max_depth=stats["deepest"], seconds=seconds,
        convergence_bound=search.convergence if search.check_stable and SETTLE_RULE not in violated else None,
        exhaustive=not bound_hit, complete=complete, pruned=dict(search.pruned), reached=frozenset(search.reached),
        symmetry=mode, symmetry_note=note, config=cfg, settle_states=len(search.memo),
        event_counts=dict(search.event_counts))


def check_with_explorer(cluster: Cluster, max_depth: int = 12, rule_names: Iterable[str] | None = None,
                        config: ExploreConfig | None = None):
    """`kmodel check --engine explore`: the explorer's verdicts as a `kmodel.check.CheckReport`. The depth bound
    is `max_depth`; every fault may happen, and so may the user requests that the witnesses are `reached_by`
    (scaling a controller, relabelling a pod, deleting a controller or a node: what reaches scale-down, adoption,
    cascading deletion and the pod garbage collector), and the search stops (inconclusive) after `max_states`
    distinct states."""
    from kmodel.check import CheckReport, ViolationReport

    cfg = config or ExploreConfig(max_depth=max_depth, max_states=20_000, user_events=sorted(witness_requests()))
    # As `kmodel explore --start settled`: the search starts once the controllers have done their work; the
    # way there is checked here (ALWAYS and TRANSITION rules on every settle step).
    from kmodel.check import settle_checked

    names = None if rule_names is None else list(rule_names)
    settled, on_the_way, way = settle_checked(cluster, names, cfg.settle_bound)
    if on_the_way:
        v = on_the_way[0]
        from kmodel.check import FAIL, rule_verdicts

        rules = invariants.of_kind(names=names, profile=cluster.config.profile)
        verdicts = rule_verdicts(rules, {v.rule: v.message}, set(), set(), False)
        return CheckReport(FAIL, tuple(verdicts), (ViolationReport(v.rule, v.message, v.objects, cluster, way),),
                           "explore", 0, settled.steps, 0.0, {})
    result = explore(settled.cluster, cfg, names)
    violations = tuple(ViolationReport(v.rule, v.message, v.objects, v.initial, v.events) for v in result.violations)
    return CheckReport(result.verdict, result.rules, violations, "explore", 0, result.transitions, result.seconds,
                       dict(result.event_counts))


def merge_rule_verdicts(verdict_lists: Iterable[Iterable]) -> tuple:
    """Per rule, one verdict over several clusters' verdicts: fail if it failed on some cluster; else pass if it
    passed on some (no violation anywhere, and its witness reached somewhere); else inconclusive if some
    cluster left it so; else not-applicable. In the order rules were first seen."""
    order = {"fail": 0, "pass": 1, "inconclusive": 2, "not-applicable": 3}
    best: dict = {}
    for verdicts in verdict_lists:
        for r in verdicts:
            if r.name not in best or order[r.verdict] < order[best[r.name].verdict]:
                best[r.name] = r
    return tuple(best.values())


def merge_reports(reports: list, engine: str = "explore"):
    """One `kmodel.check.CheckReport` for an engine's reports on several clusters (`kmodel check --engine
    explore --scenario generated`, `kmodel check --scenario all`): verdicts by `merge_rule_verdicts`, and every cluster's violations (each
    with its own initial cluster)."""
    from kmodel.check import CheckReport, overall

    rules = merge_rule_verdicts(r.rules for r in reports)
    counts: dict[str, int] = {}
    for report in reports:
        for name, n in report.event_counts.items():
            counts[name] = counts.get(name, 0) + n
    return CheckReport(overall(r.verdict for r in rules), rules,
                       tuple(v for report in reports for v in report.violations), engine, 0,
                       sum(r.steps for r in reports), sum(r.seconds for r in reports), counts)
