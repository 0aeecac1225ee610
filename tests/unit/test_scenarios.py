"""The seed's story, step by step (SEED 1 to 10): the controller keeps three replicas, the scheduler spreads
them, readiness removes an endpoint, liveness restarts a container, postStart gates readiness."""

from __future__ import annotations

from kmodel.controllers.kubelet import (
    LivenessProbeFails,
    PostStartHookFails,
    PreStopHookCompletes,
    ReadinessProbeFails,
)
from kmodel.events import step
from kmodel.scenarios import seed, tiny
from kmodel.settle import settle
from kmodel.user import DeletePod

WEB = "ReplicationController/web"


def web_pods(c):
    return sorted((p for p in c.pods_owned_by(WEB) if p.active), key=lambda p: p.name)


def ready_addresses(c, service="web"):
    return {a.pod for a in c.endpoints[service].addresses}


def test_seed_settles_to_three_ready_replicas_one_per_node():
    """SEED 1, 6, 10: three replicas, spread one per node, all Ready and behind the Service."""
    result = settle(seed())
    assert result.quiescent
    c = result.cluster
    pods = web_pods(c)
    assert len(pods) == 3 and all(p.ready for p in pods)
    assert sorted(p.node_name for p in pods) == ["node-1", "node-2", "node-3"]
    assert ready_addresses(c) == {p.name for p in pods}
    cache = [p for p in c.pods_owned_by("ReplicaSet/cache") if p.active]
    assert len(cache) == 1 and cache[0].ready  # SEED 7: the set-based selector owns its pod


def test_two_of_three_run_so_the_controller_creates_the_third_on_the_least_loaded_node():
    """SEED 1 and 10 (SEMANTICS 29.2): a deleted replica is not counted, a replacement is created at once and
    goes to the node with the fewest `web` pods, which is the node that lost one."""
    c = settle(seed()).cluster
    victim = web_pods(c)[0]
    c = settle(step(c, DeletePod(victim.name)), healthy=True).cluster
    pods = web_pods(c)
    assert len(pods) == 3 and victim.name not in {p.name for p in pods}
    replacement = [p for p in pods if p.name not in {q.name for q in web_pods(settle(seed()).cluster)}]
    assert len(replacement) == 1 and replacement[0].node_name == victim.node_name


def test_readiness_failure_removes_the_pod_from_the_endpoints():
    """SEED 8, SEMANTICS 40, 49: not Ready after failureThreshold (1 here); the next sync drops the address;
    the container is not restarted."""
    c = settle(seed()).cluster
    pod = web_pods(c)[0]
    c = step(c, ReadinessProbeFails(pod.name, "web"))
    assert not c.pods[pod.name].ready and pod.name in ready_addresses(c)
    c = settle(c, healthy=False).cluster
    assert pod.name not in ready_addresses(c)
    assert c.pods[pod.name].container("web").status.restart_count == 0


def test_liveness_failure_restarts_the_container():
    """SEED 8, SEMANTICS 49, 53, 8.8: three failures kill it, preStop runs, Always restarts it at once."""
    c = settle(seed()).cluster
    pod = web_pods(c)[0].name
    for _ in range(3):
        c = step(c, LivenessProbeFails(pod, "web"))
    s = c.pods[pod].container("web").status
    assert s.stopping and s.pre_stop_pending
    c = step(c, PreStopHookCompletes(pod, "web"))
    c = settle(c, healthy=False).cluster
    s = c.pods[pod].container("web").status
    assert s.restart_count == 1 and s.state == "running" and s.post_start_pending


def test_post_start_failure_keeps_the_pod_out_of_the_endpoints():
    """SEED 9, SEMANTICS 52, 8.9: the container is not ready while postStart runs; its failure kills it."""
    result = settle(tiny(), healthy=False)
    c = result.cluster
    (pod,) = [p for p in c.pods.values()]
    s = pod.container("web").status
    assert s.post_start_pending and not s.ready
    assert ready_addresses(c) == set()
    c = step(c, PostStartHookFails(pod.name, "web"))
    assert c.pods[pod.name].container("web").status.stopping
    c = settle(c, healthy=False).cluster
    assert ready_addresses(c) == set()
