"""Proofs about the replication controller, over its own arithmetic (SEMANTICS 29, 30, 55, 60).

`kmodel.controllers.replication.replica_diff` and `burst_capped` are looked up on the module at proof time and
run on Z3 integers. Counterexamples are replayed through the controller itself: a Cluster holding a
ReplicationController and its pods, one `sync_controller` round applied as `settle` applies it.

`replicas-converge`:
- one sync with no faults: the controller creates -diff or deletes diff pods for the capped diff (SEMANTICS
  29.4, 30), so with d = |active - desired|: d > 0 strictly decreases by min(d, 500), never overshooting; the
  controller never asks to delete more pods than exist; d = 0 proposes nothing (quiescence). As a ranking
  function: ceil(d / 500) drops by exactly 1 per sync, so d reaches 0 after exactly ceil(|d| / 500) syncs, for
  every active and desired count (one-step inductive, no bound on the counts). And exactly: the sync creates
  min(desired - active, 500) pods when short and deletes min(active - desired, 500) when over (SEMANTICS 29.4,
  30), stated with the sign of the difference, not with the controller's `replica_diff` / `burst_capped`.
  The replay counts the controller's active pods itself (owned by its uid, not terminating, not terminal:
  SEMANTICS 29.2), not with the controller's `claimed_active_count`.
- with capacity short: once the controller and the scheduler are quiet, the pods that stay Pending are exactly
  the shortfall max(0, desired - free pod slots), for every cluster of up to `scheduling.SHORTFALL_NODES`
  nodes (the scheduler's own filters decide whether a pod fits; `scheduling.shortfall_lemma`).
"""

from __future__ import annotations

from typing import Any

import z3

from invariants.smt.domains import Symbols, int_value
from invariants.smt.framework import ProofContext, Verdict, combine, proof
from kmodel.controllers import replication
from kmodel.decisions import replication as replication_decisions
from kmodel.logic import all_of, implies, ite

__all__ = ["sync_step", "convergence_lemmas", "replay_sync", "active_owned", "BURST"]

# burstReplicas, restated from pkg/controller/replicaset/replica_set.go (SEMANTICS 30), not read from the model:
# a changed constant in the controller is then a counterexample, not a changed claim.
BURST = 500


def _abs(x: Any) -> Any:
    return ite(x >= 0, x, -x)


def _ceil_div(x: Any, n: int) -> Any:
    return (x + (n - 1)) / n if isinstance(x, z3.ExprRef) else -(-x // n)


def sync_step(active: Any, desired: Any) -> tuple[Any, Any]:
    """(the capped diff, the active count after the sync's single create-or-delete write).

    `sync_controller` turns a negative capped diff into `ReplicaSetCreatePods(-diff)` and a positive one into
    `ReplicaSetDeletePods` of `diff` claimed active pods, so the active count moves by exactly -diff.
    """
    capped = replication_decisions.burst_capped(replication_decisions.replica_diff(active, desired))
    return capped, active - capped


def _claims(active: Any, desired: Any) -> dict[str, Any]:
    capped, after = sync_step(active, desired)
    d = _abs(active - desired)
    d_after = _abs(after - desired)
    by = ite(d < BURST, d, BURST)
    return {
        "decreases strictly, by min(d, 500)": implies(d > 0, all_of(d_after < d, d - d_after == by)),
        "never deletes more pods than exist": capped <= active,
        "quiet at the desired count": implies(d == 0, capped == 0),
        "ceil(d / 500) drops by one per sync":
            implies(d > 0, _ceil_div(d_after, BURST) == _ceil_div(d, BURST) - 1),
        "exactly min(|d|, 500) writes toward desired":
            after == ite(active < desired, active + by, active - by),
    }


def active_owned(cluster: Any, controller: Any) -> int:
    """The controller's active pods counted here (SEMANTICS 29.2: owned by its uid, neither terminating nor
    terminal), not by the controller's claim index."""
    return sum(1 for p in cluster.pods.values()
               if p.owner is not None and p.owner.uid == controller.uid and not p.terminating and not p.terminal)


def replay_sync(active: int, desired: int) -> dict[str, Any]:
    """One real sync: a ReplicationController with `desired` replicas and `active` pods it owns (unbound, so the
    deletes complete at once), `sync_controller`'s events applied as `settle` applies them (an event whose guard
    fails is dropped, never forced). The counts after."""
    from kmodel.cluster import Cluster
    from kmodel.objects import Container, OwnerRef, Pod, PodTemplate, ReplicationController

    template = PodTemplate(labels={"app": "web"}, containers=(Container(name="app"),))
    rc = ReplicationController(name="web", replicas=desired, selector={"app": "web"}, template=template,
                               uid="uid-rc")
    cluster = Cluster.from_objects([rc])
    owner = OwnerRef(rc.kind, rc.name, rc.uid)
    for i in range(active):
        cluster = cluster.put_pod(Pod.from_template(f"web-{i:05d}", template, owner=owner, uid=f"uid-p{i}",
                                                    creation_index=i + 1))
    rc = cluster.controllers[rc.key]
    events = replication.sync_controller(cluster, rc)
    applied = 0
    for event in events:
        if event.guard(cluster):
            cluster = event.apply(cluster)
            applied += 1
    return {"active_after": active_owned(cluster, rc), "proposed": len(events), "applied": applied}


def convergence_lemmas(ctx: ProofContext) -> Verdict:
    """Each claim of one sync, for every active >= 0 and desired >= 0 (module docstring)."""
    verdicts = []
    for name in _claims(0, 0):
        sym = Symbols(f"sync[{name}].")
        active, desired = sym.int("active", lo=0), sym.int("desired", lo=0)
        claim = _claims(active, desired)[name]

        def decode(model: z3.ModelRef, active=active, desired=desired, name=name) -> dict[str, Any]:
            return {"claim": name, "active": int_value(model, active), "desired": int_value(model, desired)}

        def replay(w: dict[str, Any], name=name) -> bool:
            a, want = w["active"], w["desired"]
            if name.startswith("never"):  # the controller's own arithmetic, evaluated on the witness
                return replication_decisions.burst_capped(replication_decisions.replica_diff(a, want)) > a
            sync = replay_sync(a, want)
            after = sync["active_after"]
            d, d_after = abs(a - want), abs(after - want)
            if name.startswith("decreases"):
                return d > 0 and not (d_after < d and d - d_after == min(d, BURST))
            if name.startswith("quiet"):
                return d == 0 and (after != a or sync["proposed"] > 0)
            if name.startswith("exactly"):
                return after != (a + min(d, BURST) if a < want else a - min(d, BURST))
            return d > 0 and -(-d_after // BURST) != -(-d // BURST) - 1

        verdicts.append(lambda c=claim, s=sym, d=decode, r=replay, n=name, a=active, w=desired: ctx.check(
            c, assumptions=s.constraints, decode=d, replay=r, what=n, prefer=[a <= 1200, w <= 1200]))
    return combine(v() for v in verdicts)


@proof("replicas-converge", rules=("29", "30", "55", "60"),
       invariants=("replication-writes-exact-diff", "burst-limit", "replication-writes-bounded-by-diff",
                   "replicas-converge", "pending-only-when-infeasible"))
def prove_replicas_converge(ctx: ProofContext) -> Verdict:
    """With no faults |active - desired| strictly decreases at every sync (by at most 500) and reaches 0 within
    ceil(|d| / 500) syncs; with capacity short, the shortfall equals the Pending pods."""
    from invariants.smt import scheduling

    return combine(v() for v in (lambda: convergence_lemmas(ctx), lambda: scheduling.shortfall_lemma(ctx)))
