"""A fresh, independent batch of semantic mutants: realistic contributor bugs in kmodel's model code.

Written from the model code and SEMANTICS.md alone, without reading the invariants, the tests or the existing
catalogue (`semantic.py`), so that the batch measures whether the engines catch bugs they were not tuned for.
Each entry is one bug as exact `(file, old, new)` patches (every `old` occurs exactly once in its file); the
bugs favour edge configurations (restartPolicy Never, grace period 0, successThreshold > 1, startup probes,
publishNotReadyAddresses, named and UDP target ports, multi-container pods, nodeSelector, nearly full nodes,
scale-down ordering, adoption and release, node crash, pod GC, cascading deletion, terminating endpoints,
kube-proxy's fallback, selector operators, the kubernetes profile's scores). `expect` is left empty: which
rule (if any) reports each is what a run measures.
"""


def M(id, bug, patches, expect=()):
    return {"id": id, "bug": bug, "patches": [list(p) for p in patches], "expect": list(expect)}


KUBELET = "kmodel/controllers/kubelet.py"
KUBELET_D = "kmodel/decisions/kubelet.py"
ENDPOINTS_D = "kmodel/decisions/endpoints.py"
PROXY = "kmodel/controllers/proxy.py"
REPLICATION = "kmodel/controllers/replication.py"
REPLICATION_D = "kmodel/decisions/replication.py"
NODE_LC = "kmodel/controllers/node_lifecycle.py"
GC = "kmodel/controllers/garbage_collector.py"
FIT = "kmodel/scheduler/plugins/node_resources_fit.py"
SPREAD = "kmodel/scheduler/plugins/pod_topology_spread.py"
AFFINITY = "kmodel/scheduler/plugins/node_affinity.py"
LABELS = "kmodel/labels.py"


MUTANTS = [
    # ---------------------------------------------------------------------------------------------- kubelet (12)
    M("fresh-kubelet-failure-streak-not-reset",
      "a probe success no longer resets the failure streak, so intermittent failures (F,S,F,F) add up to "
      "failureThreshold and kill/unready the container; upstream needs consecutive failures (SEMANTICS 46)",
      [(KUBELET, "failures = ite(success, 0, min_(state.failures + 1, failure_threshold))",
        "failures = ite(success, state.failures, min_(state.failures + 1, failure_threshold))")]),
    M("fresh-kubelet-success-streak-not-reset",
      "a probe failure no longer resets the success streak, so with readiness successThreshold > 1 non-consecutive "
      "successes (S,F,S) make the container Ready (SEMANTICS 46)",
      [(KUBELET, "successes = ite(success, min_(state.successes + 1, success_threshold), 0)",
        "successes = ite(success, min_(state.successes + 1, success_threshold), state.successes)")]),
    M("fresh-kubelet-never-restarts-after-probe-kill",
      "a liveness/startup kill restarts the container whatever the restart policy, so restartPolicy Never "
      "restarts after a liveness failure; Never restarts nothing (SEMANTICS 49, 50, 8.7)",
      [(KUBELET, "return any_of(eq(restart_policy, ALWAYS),\n"
                 "                  all_of(eq(restart_policy, ON_FAILURE), any_of(ne(exit_code, 0), killed_by_probe)))",
        "return any_of(eq(restart_policy, ALWAYS), killed_by_probe,\n"
        "                  all_of(eq(restart_policy, ON_FAILURE), ne(exit_code, 0)))")]),
    M("fresh-kubelet-first-restart-delayed",
      "with no back-off entry (first crash, or after the 600 s reset) the restart waits 10 s instead of being "
      "immediate: delays 10, 10, 20, ... instead of 0, 10, 20, ... (SEMANTICS 51, 8.8)",
      [(KUBELET, "delay = ite(expired, 0, backoff_seconds)",
        "delay = ite(expired, INITIAL_BACKOFF_SECONDS, backoff_seconds)")]),
    M("fresh-kubelet-ready-ignores-startup",
      "container readiness no longer requires `started`, so a container with a startup probe and no readiness "
      "probe is Ready (and gets traffic) before its startup probe has passed (SEMANTICS 46, 47)",
      [(KUBELET, "return all_of(eq(s.state, RUNNING), not_(s.post_start_pending), s.started, readiness_ok)",
        "return all_of(eq(s.state, RUNNING), not_(s.post_start_pending), readiness_ok)")]),
    M("fresh-kubelet-no-min-deletion-grace",
      "the 1 s floor on a deletion's grace period is dropped, so deleting a pod with "
      "terminationGracePeriodSeconds 0 skips its preStop hook; a deletion always gives preStop ~1 s "
      "(SEMANTICS 8.10)",
      [(KUBELET, "return max(grace, MIN_DELETION_GRACE_SECONDS) if pod.terminating else grace",
        "return grace")]),
    M("fresh-kubelet-termination-leaves-startup-pending",
      "on pod deletion a container whose startup probe had not passed yet is not marked started (the startup "
      "worker records Success and stops, SEMANTICS 8.5), so it never becomes Ready while terminating and is "
      "never a serving-terminating endpoint",
      [(KUBELET, "started=s.started or c.startup_probe is not None)",
        "started=s.started)")]),
    M("fresh-kubelet-liveness-during-startup",
      "the liveness probe runs before the startup probe has succeeded, so a slow-starting container is killed "
      "by liveness during startup; liveness and readiness wait for startup (SEMANTICS 46)",
      [(KUBELET_D, "return s.started if kind == LIVENESS else not s.started",
        "return kind == LIVENESS or not s.started")]),
    M("fresh-kubelet-initial-delay-ignored",
      "initialDelaySeconds is ignored: probe results arrive from the container's start, so liveness can kill "
      "and readiness can pass before the initial delay (SEMANTICS 45, 46)",
      [(KUBELET_D, "return container.status.started_at + container.probe(kind).initial_delay_seconds",
        "return container.status.started_at")]),
    M("fresh-kubelet-phase-running-with-unstarted-container",
      "the pod phase is Pending only while *every* container has never run, so a multi-container pod is "
      "Running as soon as one container runs; getPhase keeps it Pending while any container has never run "
      "(SEMANTICS 48)",
      [(KUBELET_D, "return ite(any_in(containers, has_never_run), PENDING,",
        "return ite(all_in(containers, has_never_run), PENDING,")]),
    M("fresh-kubelet-readiness-kept-across-restart",
      "a restarted container keeps its old readiness probe state, so after a crash it is Ready again at once, "
      "before any readiness probe of the new container; a new container starts not ready (SEMANTICS 46)",
      [(KUBELET, "liveness=initial_probe_state(LIVENESS), readiness=initial_probe_state(READINESS),\n",
        "liveness=initial_probe_state(LIVENESS),\n")]),
    M("fresh-kubelet-delete-with-running-container",
      "the kubelet removes a terminating pod once *any* container has stopped, so in a multi-container pod a "
      "container still in preStop/TERM is cut off; the pod goes only when all are stopped (SEMANTICS 54.3)",
      [(KUBELET_D, "return pod.terminating and all(c.status.state != RUNNING for c in pod.containers)",
        "return pod.terminating and any(c.status.state != RUNNING for c in pod.containers)")]),

    # ----------------------------------------------------------------------------------- endpoints + proxy (8)
    M("fresh-endpoints-terminating-kept",
      "ShouldPodBeInEndpoints forgets the terminating case: a pod being deleted stays a (ready) address of the "
      "legacy Endpoints even without publishNotReadyAddresses (SEMANTICS 39, 8.4)",
      [(ENDPOINTS_D, "return all_of(not_(pod_terminal), has_ip, implies(terminating, include_terminating))",
        "return all_of(not_(pod_terminal), has_ip)")]),
    M("fresh-endpoints-publish-not-ready-ignored",
      "addEndpointSubset ignores publishNotReadyAddresses: a not-ready pod of such a Service goes to "
      "notReadyAddresses instead of addresses (SEMANTICS 40, 8.4)",
      [(ENDPOINTS_D, "return any_of(publish_not_ready, pod_ready)",
        "return pod_ready")]),
    M("fresh-endpoints-named-port-ignores-protocol",
      "FindPort matches a named targetPort by name only, so a UDP Service port resolves to a TCP container "
      "port of that name (SEMANTICS 43)",
      [(ENDPOINTS_D, "return all_of(eq(port.name, target), eq(port.protocol, protocol))",
        "return eq(port.name, target)")]),
    M("fresh-endpoints-numeric-target-must-be-declared",
      "a numeric targetPort is only used when some container declares that containerPort; upstream uses an "
      "integer targetPort as is (SEMANTICS 43)",
      [(ENDPOINTS_D, "    if not isinstance(target, str):\n        return target\n",
        "    if not isinstance(target, str):\n"
        "        return target if any(p.container_port == target for c in pod.containers for p in c.ports) else None\n"),
       (ENDPOINTS_D, "    if not isinstance(target, str):\n        return True\n",
        "    if not isinstance(target, str):\n"
        "        return any_of(*(eq(p.container_port, target) for c in pod.containers for p in c.ports))\n")]),
    M("fresh-endpoints-all-ports-must-resolve",
      "a pod is listed only if it resolves *every* Service port, so a pod lacking one named port drops out of "
      "a multi-port Service entirely; upstream skips it for that port only (SEMANTICS 43)",
      [(ENDPOINTS_D, "resolved = True if not service.ports else any_of(*(resolves(pod, sp) for sp in service.ports))",
        "resolved = True if not service.ports else all_of(*(resolves(pod, sp) for sp in service.ports))")]),
    M("fresh-proxy-fallback-not-serving",
      "kube-proxy's terminating fallback takes every terminating endpoint, not only serving (Ready) ones, so "
      "connections go to not-ready terminating pods (SEMANTICS 44, 8.3)",
      [(PROXY, "return all_of(pod_ready, terminating)",
        "return terminating")]),
    M("fresh-proxy-fallback-always-merged",
      "serving-terminating endpoints are added alongside the ready ones instead of only when no ready endpoint "
      "exists (SEMANTICS 44)",
      [(PROXY, "    if not use_fallback(bool(ready)) or not _fallback_applies(cluster, service):\n"
               "        return ready\n    out = []\n",
        "    if not _fallback_applies(cluster, service):\n        return ready\n    out = list(ready)\n")]),
    M("fresh-proxy-routes-not-ready-addresses",
      "kube-proxy programs notReadyAddresses as well as addresses, so new connections reach pods that are not "
      "Ready (SEMANTICS 40, 44)",
      [(PROXY, "    for address in stored.addresses:\n",
        "    for address in stored.addresses + stored.not_ready_addresses:\n")]),

    # ------------------------------------------------------------------------------------- replication (7)
    M("fresh-rs-terminating-pods-counted",
      "FilterActivePods keeps terminating pods, so a deleted or evicted pod still counts toward replicas and "
      "its replacement waits until it is gone (SEMANTICS 29.2, 37)",
      [(REPLICATION_D, "    return pod.active\n",
        "    return not pod.terminal\n")]),
    M("fresh-rs-owner-uid-ignored",
      "ClaimObject compares the controllerRef by kind and name only, so pods of a deleted controller are "
      "claimed by a new controller of the same name (another uid) instead of being garbage collected "
      "(SEMANTICS 36, 38)",
      [(REPLICATION_D, "if owner.uid != controller.uid or owner.name != controller.name or owner.kind != controller.kind:",
        "if owner.name != controller.name or owner.kind != controller.kind:")]),
    M("fresh-rs-never-releases",
      "an owned pod whose labels no longer match the selector stays claimed instead of being released as an "
      "orphan, so relabelling a pod does not get it replaced (SEMANTICS 36)",
      [(REPLICATION_D, "    return CLAIMED if controller.label_selector.matches(pod.labels) else TO_RELEASE\n",
        "    return CLAIMED\n")]),
    M("fresh-rs-scale-down-ready-time-inverted",
      "among Ready pods the one Ready the *longest* is deleted first; upstream deletes the more recently Ready "
      "pod first (SEMANTICS 34.6)",
      [(REPLICATION, "return (1, log2_bucket((now - pod.ready_since) * NANOSECONDS_PER_SECOND))",
        "return (1, -log2_bucket((now - pod.ready_since) * NANOSECONDS_PER_SECOND))")]),
    M("fresh-rs-scale-down-deletion-cost-inverted",
      "pods with a higher pod-deletion-cost are deleted first; the lower cost goes first (SEMANTICS 34.4)",
      [(REPLICATION, "        pod.deletion_cost,\n",
        "        -pod.deletion_cost,\n")]),
    M("fresh-rs-scale-down-restarts-inverted",
      "on scale-down the pod with *fewer* container restarts is deleted first; upstream deletes the one with "
      "more restarts first (SEMANTICS 34.7)",
      [(REPLICATION, "        -max_container_restarts(pod),\n",
        "        max_container_restarts(pod),\n")]),
    M("fresh-rs-scale-down-unassigned-last",
      "on scale-down assigned pods are deleted before unassigned (pending, unschedulable) ones; unassigned go "
      "first (SEMANTICS 34.1)",
      [(REPLICATION, "        bool(pod.node_name),\n",
        "        not pod.node_name,\n")]),

    # --------------------------------------------------------------------------------- node lifecycle + gc (5)
    M("fresh-nodelc-evicts-daemon-pods",
      "taint-based eviction also evicts per-node daemon pods, which tolerate the not-ready/unreachable taints "
      "(DaemonSet pods are never evicted)",
      [(NODE_LC, "if pod is None or pod.terminating or pod.node_name is None or pod.daemon:",
        "if pod is None or pod.terminating or pod.node_name is None:"),
       (NODE_LC, "elif not pod.terminating and not pod.daemon:",
        "elif not pod.terminating:")]),
    M("fresh-nodelc-terminating-pods-stay-ready",
      "MarkPodsNotReady skips pods that are already terminating, so a Ready pod being deleted on a crashed node "
      "stays Ready (and a serving-terminating endpoint) while its node is down",
      [(NODE_LC, "            if pod.ready:\n",
        "            if pod.ready and not pod.terminating:\n")]),
    M("fresh-nodelc-eviction-force-deletes",
      "eviction from a not-Ready node removes the pod object at once instead of a graceful API delete, so the "
      "pod vanishes while its containers may still run on the partitioned node (SEMANTICS 54)",
      [(NODE_LC, "        from kmodel.user import delete_pod\n\n        return delete_pod(cluster, self.pod)",
        "        return cluster.remove_pod(self.pod)")]),
    M("fresh-gc-cascade-force-deletes",
      "background cascading deletion force-removes a bound dependent pod instead of an API delete, so its "
      "containers get no preStop and no grace period (SEMANTICS 38, 54)",
      [(GC, "        return pod is not None and not pod.terminating and owner_missing(cluster, pod)\n\n"
            "    def apply(self, cluster: Cluster) -> Cluster:\n        return api_delete_pod(cluster, self.pod)",
        "        return pod is not None and not pod.terminating and owner_missing(cluster, pod)\n\n"
        "    def apply(self, cluster: Cluster) -> Cluster:\n        return cluster.remove_pod(self.pod)")]),
    M("fresh-gc-orphaned-graceful-delete",
      "pod GC deletes a pod bound to a vanished node gracefully instead of force-deleting it, so with no "
      "kubelet left it stays Terminating forever (gcOrphaned force-deletes)",
      [(GC, "pod.node_name not in cluster.nodes\n\n    def apply(self, cluster: Cluster) -> Cluster:\n"
            "        return cluster.remove_pod(self.pod)",
        "pod.node_name not in cluster.nodes\n\n    def apply(self, cluster: Cluster) -> Cluster:\n"
        "        return api_delete_pod(cluster, self.pod)")]),

    # ----------------------------------------------------------------------------------------- scheduler (5)
    M("fresh-sched-max-pods-off-by-one",
      "NodeResourcesFit lets a node take one pod more than allocatable pods (maxPods): `count <= max` instead of "
      "`count + 1 <= max` (SEMANTICS 55.8)",
      [(FIT, "return le(pods_on_node + 1, max_pods)", "return le(pods_on_node, max_pods)"),
       (FIT, "return node.max_pods >= 1 and", "return node.max_pods >= 0 and"),
       (FIT, "if usage.pods + 1 > node.max_pods:", "if usage.pods > node.max_pods:")]),
    M("fresh-sched-exact-fit-rejected",
      "NodeResourcesFit rejects a pod whose request exactly fills the free cpu/memory (`<` where upstream has "
      "`requested + request <= allocatable`), so a nearly full node is refused a pod that fits (SEMANTICS 55.8)",
      [(FIT, "return any_of(request == 0, le(request, allocatable - requested))",
        "return any_of(request == 0, lt(request, allocatable - requested))"),
       (FIT, "(not cpu or cpu <= node.allocatable.cpu)", "(not cpu or cpu < node.allocatable.cpu)"),
       (FIT, "(not memory or memory <= node.allocatable.memory)", "(not memory or memory < node.allocatable.memory)"),
       (FIT, "if cpu and cpu > alloc.cpu - used.cpu:", "if cpu and cpu >= alloc.cpu - used.cpu:"),
       (FIT, "return not (memory and memory > alloc.memory - used.memory)",
        "return not (memory and memory >= alloc.memory - used.memory)")]),
    M("fresh-sched-least-allocated-actual-requests",
      "LeastAllocated scores the node's existing pods by their actual requests instead of NonZeroRequested, so "
      "pods without requests do not load a node and the kubernetes profile piles pods onto it (SEMANTICS 57)",
      [(FIT, "return least_allocated(usage.nonzero_requested.cpu + nz.cpu, node.allocatable.cpu,\n"
             "                           usage.nonzero_requested.memory + nz.memory, node.allocatable.memory)",
        "return least_allocated(usage.requested.cpu + nz.cpu, node.allocatable.cpu,\n"
        "                           usage.requested.memory + nz.memory, node.allocatable.memory)"),
       (FIT, "used = usage.nonzero_requested", "used = usage.requested")]),
    M("fresh-sched-spread-counts-terminating",
      "PodTopologySpread counts terminating pods in a node's domain, so a node whose pods are being deleted "
      "looks crowded to the kubernetes profile (SEMANTICS 8.13)",
      [(SPREAD, "return pod.node_name is not None and not pod.terminal and pod.deletion_timestamp is None",
        "return pod.node_name is not None and not pod.terminal")]),
    M("fresh-sched-node-selector-key-only",
      "the nodeSelector filter checks only that the node has each key, not its value, so a pod asking for "
      "zone=a lands on a zone=b node (SEMANTICS 55.6)",
      [(AFFINITY, "from kmodel.logic import Bool, all_of, eq\n", "from kmodel.logic import Bool, all_of, eq, ne\n"),
       (AFFINITY, "return all_of(*(eq(node_labels.get(k), v) for k, v in node_selector.items()))",
        "return all_of(*(ne(node_labels.get(k), None) for k, v in node_selector.items()))"),
       (AFFINITY, "if labels.get(k) != v:", "if k not in labels:")]),

    # -------------------------------------------------------------------------------------------- labels (3)
    M("fresh-labels-not-equals-requires-key",
      "the concrete matcher of `k!=v` / `k notin (v)` is false when the key is absent; != and notin match an "
      "absent key (SEMANTICS 16)",
      [(LABELS, "        return lambda labels: labels.get(key, _ABSENT) != v\n",
        "        return lambda labels: key in labels and labels[key] != v\n")]),
    M("fresh-labels-gt-inclusive",
      "the Gt operator matches a value equal to its bound (`>=` where upstream has `>`) (SEMANTICS 8, 18)",
      [(LABELS, "return n is not None and n > bound", "return n is not None and n >= bound")]),
    M("fresh-labels-exists-empty-value",
      "`exists` treats a label with an empty value as absent (a truthiness test), so `x` does not match "
      "{x: \"\"} (SEMANTICS 17)",
      [(LABELS, "        return lambda labels: key in labels\n",
        "        return lambda labels: bool(labels.get(key))\n")]),
]
