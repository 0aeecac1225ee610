"""Counterexamples found while building kmodel, kept as regression tests.

1. A random walk (kubelet work, session 1) reported `traffic-only-to-ready` when a connection reached a pod
   that had just turned not Ready but was still a ready address in the Service's Endpoints. kube-proxy routes
   by the Endpoints object, so that is Kubernetes' real behaviour (the endpoints controller lags); the rule was
   wrong and now speaks of the Endpoints' ready addresses (SEMANTICS 44).
2. Likewise a connection to a ready address whose pod object is already gone (the endpoints controller had not
   synced since the kubelet removed the pod): the real race that preStop sleeps exist for. Allowed by the
   rule, as long as the address is a ready one on its recorded port.
"""

from __future__ import annotations

import invariants
from kmodel.controllers.kubelet import (
    KubeletDeletePod,
    KubeletStopContainer,
    PreStopHookCompletes,
    ReadinessProbeFails,
)
from kmodel.controllers.proxy import RouteConnection
from kmodel.events import step
from kmodel.scenarios import seed
from kmodel.settle import settle
from kmodel.user import DeletePod


def web_pod(c):
    return sorted(p.name for p in c.pods_owned_by("ReplicationController/web"))[0]


def check(before, event):
    after = step(before, event)
    return after, invariants.check_transition(before, event, after, names=["traffic-only-to-ready"])


def test_connection_to_a_pod_that_just_turned_not_ready_is_kube_proxys_lag():
    c = settle(seed()).cluster
    pod = web_pod(c)
    c = step(c, ReadinessProbeFails(pod, "web"))  # failureThreshold 1: not Ready, Endpoints not synced yet
    assert not c.pods[pod].ready
    event = RouteConnection("web", 80, pod, 8080)
    assert event.guard(c)
    _, violations = check(c, event)
    assert violations == []


def test_connection_to_a_deleted_pod_still_listed_is_the_endpoints_race():
    c = settle(seed()).cluster
    pod = web_pod(c)
    c = step(c, DeletePod(pod))
    c = step(c, PreStopHookCompletes(pod, "web"))
    c = step(c, KubeletStopContainer(pod, "web"))
    c = step(c, KubeletDeletePod(pod))
    assert pod not in c.pods and pod in {a.pod for a in c.endpoints["web"].addresses}
    event = RouteConnection("web", 80, pod, 8080)
    assert event.guard(c)
    _, violations = check(c, event)
    assert violations == []
