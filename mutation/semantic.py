"""A catalogue of SEMANTIC mutants: realistic contributor bugs in kmodel's decision code, as exact source patches.

Each mutant is one bug: one or more `(file, old, new)` replacements; `old` must occur exactly once in the file
(mutation/run.py checks this and that the patched tree still imports, and refuses the mutant otherwise). `expect`
is the rule (or rules) a complete engine set should report: the report compares it with what did.

The generic operators of a mutation tool (swap `<` and `<=`, replace a number, negate a condition) find some of
these, but most are combinations a tool never draws: a field forgotten, a branch of a policy inverted, a constant
from the upstream documentation changed, two keys of a sort order swapped.
"""

from __future__ import annotations

KUBELET = "kmodel/controllers/kubelet.py"
ENDPOINTS = "kmodel/controllers/endpoints.py"
PROXY = "kmodel/controllers/proxy.py"
REPLICATION = "kmodel/controllers/replication.py"
NODE_LIFECYCLE = "kmodel/controllers/node_lifecycle.py"
GC = "kmodel/controllers/garbage_collector.py"
LABELS = "kmodel/labels.py"
KUBELET_DECISIONS = "kmodel/decisions/kubelet.py"
ENDPOINT_DECISIONS = "kmodel/decisions/endpoints.py"
REPLICATION_DECISIONS = "kmodel/decisions/replication.py"
PROFILES = "kmodel/scheduler/profiles.py"
PLUGINS = "kmodel/scheduler/plugins/"


def M(id, bug, patches, expect=()):  # noqa: N802 (a table, read like one)
    return {"id": id, "bug": bug, "patches": [list(p) for p in patches], "expect": list(expect)}


MUTANTS = [
    # ---------------------------------------------------------------- kubelet: probes (SEMANTICS 46, 47, 49)
    M("probe-failure-threshold-early", "liveness/startup kill one failure before failureThreshold",
      [(KUBELET, "ite(all_of(not_(success), le(failure_threshold, failures)), False, state.result))",
        "ite(all_of(not_(success), le(failure_threshold, failures + 1)), False, state.result))")],
      ["liveness-failure-kills"]),
    M("probe-failure-threshold-never", "failures compared with `<` instead of `<=`: the threshold is never reached "
      "(the streak saturates at it)",
      [(KUBELET, "ite(all_of(not_(success), le(failure_threshold, failures)), False, state.result))",
        "ite(all_of(not_(success), le(failure_threshold + 1, failures)), False, state.result))")],
      ["liveness-failure-kills", "sometimes-liveness-kill"]),
    M("probe-success-threshold-ignored", "readiness flips to Success on the first success (successThreshold ignored)",
      [(KUBELET, "result = ite(all_of(success, le(success_threshold, successes)), True,",
        "result = ite(success, True,")]),
    M("probe-failure-streak-not-reset", "a success does not reset the failure streak",
      [(KUBELET, "failures = ite(success, 0, min_(state.failures + 1, failure_threshold))",
        "failures = ite(success, state.failures, min_(state.failures + 1, failure_threshold))")],
      ["liveness-failure-kills"]),
    M("readiness-failure-kills", "a readiness failure kills the container like a liveness failure",
      [(KUBELET, "_KILL_ON_FAILURE = {LIVENESS: LIVENESS_KILL, STARTUP: STARTUP_KILL}",
        "_KILL_ON_FAILURE = {LIVENESS: LIVENESS_KILL, STARTUP: STARTUP_KILL, READINESS: LIVENESS_KILL}")],
      ["readiness-never-restarts"]),
    M("probe-during-post-start", "probes run while postStart has not returned",
      [(KUBELET_DECISIONS, "if container.probe(kind) is None or s.state != RUNNING or s.post_start_pending:",
        "if container.probe(kind) is None or s.state != RUNNING:")],
      ["ready-only-after-post-start"]),
    M("initial-delay-ignored", "probe results arrive before initialDelaySeconds",
      [(KUBELET, "return decisions.probe_active(pod, container, kind) and clock >= decisions.probe_delay_end(container, kind)",
        "return decisions.probe_active(pod, container, kind)")]),
    M("ready-during-post-start", "a container is ready while its postStart hook runs",
      [(KUBELET, "return all_of(eq(s.state, RUNNING), not_(s.post_start_pending), s.started, readiness_ok)",
        "return all_of(eq(s.state, RUNNING), s.started, readiness_ok)")],
      ["ready-only-after-post-start"]),
    M("ready-before-startup-probe", "a container is ready before its startup probe passed",
      [(KUBELET, "return all_of(eq(s.state, RUNNING), not_(s.post_start_pending), s.started, readiness_ok)",
        "return all_of(eq(s.state, RUNNING), not_(s.post_start_pending), readiness_ok)")]),
    # ---------------------------------------------------------------- kubelet: restart policy (SEMANTICS 49, 50)
    M("on-failure-inverted", "OnFailure restarts after exit 0 instead of a non-zero exit",
      [(KUBELET, "all_of(eq(restart_policy, ON_FAILURE), any_of(ne(exit_code, 0), killed_by_probe)))",
        "all_of(eq(restart_policy, ON_FAILURE), any_of(eq(exit_code, 0), killed_by_probe)))")],
      ["restart-follows-policy"]),
    M("on-failure-as-always", "OnFailure treated as Always",
      [(KUBELET, "return any_of(eq(restart_policy, ALWAYS),",
        "return any_of(ne(restart_policy, \"Never\"),")],
      ["restart-follows-policy"]),
    M("restart-in-terminating-pod", "a container of a pod being deleted is restarted",
      [(KUBELET, "if pod.terminating or not should_restart(pod.restart_policy, exit_code, killed_by_probe):",
        "if not should_restart(pod.restart_policy, exit_code, killed_by_probe):")],
      ["restart-follows-policy"]),
    M("restart-count-not-incremented", "a restart does not increment restartCount",
      [(KUBELET, "restart_count=s.restart_count + (0 if s.exit_code is None else 1),",
        "restart_count=s.restart_count,")],
      ["sometimes-container-restarted"]),
    M("phase-succeeded-if-any-exit-0", "pod phase Succeeded when any (not every) container exited 0",
      [(KUBELET_DECISIONS, "ite(all_in(containers, exited_0), SUCCEEDED, FAILED)))",
        "ite(any_in(containers, exited_0), SUCCEEDED, FAILED)))")]),
    M("deletion-keeps-pending-restart", "an API delete does not cancel a restart that was pending",
      [(KUBELET, "c = _set_status(c, will_restart=False, backoff_until=None)", "c = c")],
      ["restart-follows-policy"]),
    # ---------------------------------------------------------------- kubelet: back-off (SEMANTICS 51, 8.8)
    M("backoff-initial-5", "CrashLoopBackOff starts at 5 s instead of 10 s",
      [(KUBELET, "INITIAL_BACKOFF_SECONDS = 10", "INITIAL_BACKOFF_SECONDS = 5")]),
    M("backoff-cap-600", "CrashLoopBackOff capped at 600 s instead of 300 s",
      [(KUBELET, "MAX_BACKOFF_SECONDS = 300", "MAX_BACKOFF_SECONDS = 600")]),
    M("backoff-reset-60", "the back-off resets after 60 s of running instead of 600 s",
      [(KUBELET, "BACKOFF_RESET_SECONDS = 600", "BACKOFF_RESET_SECONDS = 60")]),
    M("backoff-linear", "the back-off grows by 10 s instead of doubling",
      [(KUBELET, "min_(backoff_seconds * 2, MAX_BACKOFF_SECONDS)",
        "min_(backoff_seconds + INITIAL_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS)")]),
    M("backoff-first-restart-delayed", "the first restart waits 10 s instead of being immediate",
      [(KUBELET, "delay = ite(expired, 0, backoff_seconds)", "delay = ite(expired, INITIAL_BACKOFF_SECONDS, backoff_seconds)")]),
    M("backoff-ignored-at-start", "the kubelet restarts a container in CrashLoopBackOff before its back-off ends",
      [(KUBELET, "and (s.backoff_until is None or clock >= s.backoff_until))", ")")],
      ["sometimes-crash-loop-back-off"]),
    # ---------------------------------------------------------------- kubelet: hooks and grace (SEMANTICS 52, 53)
    M("pre-stop-skipped-on-probe-kill", "preStop runs only on API deletion, not on a liveness/startup/postStart kill",
      [(KUBELET, "pre_stop = c.pre_stop is not None and grace > 0",
        "pre_stop = c.pre_stop is not None and grace > 0 and reason == DELETION_KILL")]),
    M("pre-stop-skipped-grace-0", "a deletion with terminationGracePeriodSeconds 0 skips preStop (no 1 s minimum)",
      [(KUBELET, "MIN_DELETION_GRACE_SECONDS = 1", "MIN_DELETION_GRACE_SECONDS = 0")],
      ["pre-stop-on-deletion"]),
    M("grace-period-ignored", "terminationGracePeriodSeconds ignored (always 30 s)",
      [(KUBELET, "grace = pod.termination_grace_period_seconds", "grace = 30")]),
    M("stop-before-pre-stop", "the container is stopped without waiting for preStop",
      [(KUBELET, "and (not s.pre_stop_pending or (s.stop_deadline is not None and clock >= s.stop_deadline)))", ")")],
      ["pre-stop-before-stop"]),
    M("post-start-failure-ignored", "a failed postStart hook does not kill the container",
      [(KUBELET, "lambda: kill_container(pod, self.container, POST_START_KILL, cluster.clock))",
        "lambda: pod)")],
      ["post-start-failure-kills"]),
    # ---------------------------------------------------------------- endpoints and proxy (SEMANTICS 39-44)
    M("publish-not-ready-ignored", "publishNotReadyAddresses ignored",
      [(ENDPOINT_DECISIONS, "return any_of(publish_not_ready, pod_ready)", "return pod_ready")]),
    M("terminating-pods-in-endpoints", "terminating pods stay in Endpoints",
      [(ENDPOINT_DECISIONS, "return all_of(not_(pod_terminal), has_ip, implies(terminating, include_terminating))",
        "return all_of(not_(pod_terminal), has_ip)")]),
    M("terminal-pods-in-endpoints", "Succeeded/Failed pods stay in Endpoints",
      [(ENDPOINT_DECISIONS, "return all_of(not_(pod_terminal), has_ip, implies(terminating, include_terminating))",
        "return all_of(has_ip, implies(terminating, include_terminating))")]),
    M("named-port-protocol-ignored", "a named targetPort matches a container port of another protocol",
      [(ENDPOINT_DECISIONS, "return all_of(eq(port.name, target), eq(port.protocol, protocol))", "return eq(port.name, target)")]),
    M("headless-service-empty", "a Service without ports (headless) gets no addresses",
      [(ENDPOINT_DECISIONS, "resolved = True if not service.ports else any_of(", "resolved = any_of(")]),
    M("proxy-fallback-always", "kube-proxy uses terminating endpoints even when ready ones exist",
      [(PROXY, "return not_(has_ready_endpoint)", "return True")], ["traffic-only-to-ready"]),
    M("proxy-fallback-not-serving", "kube-proxy falls back to terminating endpoints that are not ready",
      [(PROXY, "return all_of(pod_ready, terminating)", "return terminating")], ["traffic-only-to-ready"]),
    # ---------------------------------------------------------------- replication (SEMANTICS 29-36)
    M("burst-replicas-50", "burstReplicas 50 instead of 500",
      [(REPLICATION_DECISIONS, "BURST_REPLICAS = 500", "BURST_REPLICAS = 50")], ["burst-limit"]),
    M("terminating-counted-active", "terminating pods counted as active replicas",
      [(REPLICATION_DECISIONS, "not counted, so their replacements are created at once.\"\"\"\n    return pod.active",
        "not counted, so their replacements are created at once.\"\"\"\n    return not pod.terminal")],
      ["replicas-converge"]),
    M("scale-down-keys-swapped", "scale-down order: phase compared before node assignment",
      [(REPLICATION, "        bool(pod.node_name),\n        POD_PHASE_ORDINAL.get(pod.phase, 0),\n",
        "        POD_PHASE_ORDINAL.get(pod.phase, 0),\n        bool(pod.node_name),\n")], ["scale-down-order"]),
    M("scale-down-ready-first", "scale-down deletes Ready pods before not-Ready ones",
      [(REPLICATION, "        is_ready_pod(pod),\n        pod.deletion_cost,", "        not is_ready_pod(pod),\n        pod.deletion_cost,")],
      ["scale-down-order"]),
    M("scale-down-restarts-inverted", "scale-down deletes the pod with fewer restarts first",
      [(REPLICATION, "        -max_container_restarts(pod),", "        max_container_restarts(pod),")], ["scale-down-order"]),
    M("scale-down-older-first", "scale-down deletes older pods first",
      [(REPLICATION, "return (1, log2_bucket(now_index - pod.creation_index))",
        "return (1, -log2_bucket(now_index - pod.creation_index))")], ["scale-down-order"]),
    M("release-never", "a controller never releases a pod whose labels stopped matching",
      [(REPLICATION_DECISIONS, "return CLAIMED if controller.label_selector.matches(pod.labels) else TO_RELEASE", "return CLAIMED")],
      ["no-pod-moves-between-controllers"]),
    M("adopt-ignores-selector", "a controller adopts orphans its selector does not match",
      [(REPLICATION_DECISIONS, "return TO_ADOPT if controller.label_selector.matches(pod.labels) else UNRELATED", "return TO_ADOPT")]),
    M("owner-uid-ignored", "a controller claims pods of an earlier controller of the same name (uid not compared)",
      [(REPLICATION_DECISIONS, "if owner.uid != controller.uid or owner.name != controller.name or owner.kind != controller.kind:",
        "if owner.name != controller.name or owner.kind != controller.kind:")], ["owners-are-live"]),
    # ---------------------------------------------------------------- node lifecycle, garbage collection
    M("not-ready-node-pods-stay-ready", "pods of a NotReady node are not marked not Ready (only evicted)",
      [(NODE_LIFECYCLE, "            if pod.ready:\n                out.append(NodeLifecycleMarkPodNotReady(pod.name))",
        "            if pod.ready and pod.daemon:\n                out.append(NodeLifecycleMarkPodNotReady(pod.name))")]),
    M("evict-daemon-pods", "the node lifecycle controller evicts per-node system pods",
      [(NODE_LIFECYCLE, "if pod is None or pod.terminating or pod.node_name is None or pod.daemon:",
        "if pod is None or pod.terminating or pod.node_name is None:"),
       (NODE_LIFECYCLE, "elif not pod.terminating and not pod.daemon:", "elif not pod.terminating:")]),
    M("pod-gc-skips-lost-nodes", "pod GC never removes pods bound to a deleted node",
      [(GC, "    for node in cluster.lost_nodes:\n", "    for node in ():\n")], ["bound-pods-on-existing-nodes"]),
    M("pod-gc-skips-terminated", "pod GC never removes Succeeded/Failed pods",
      [(GC, "    return sorted(cluster.terminal_pods)", "    return []")]),
    # ---------------------------------------------------------------- selectors (SEMANTICS 15-19)
    M("notin-requires-key", "`notin` fails on a pod without the key (SEMANTICS 16 says it matches)",
      [(LABELS, "return lambda labels: labels.get(key, _ABSENT) not in vs",
        "return lambda labels: key in labels and labels[key] not in vs")], ["selector-semantics"]),
    M("not-equals-requires-key", "`!=` fails on a pod without the key",
      [(LABELS, "return lambda labels: labels.get(key, _ABSENT) != v",
        "return lambda labels: key in labels and labels[key] != v")], ["selector-semantics"]),
    M("equality-matches-absent", "an equality selector matches a pod without the key",
      [(LABELS, "                if get(key, _ABSENT) != value:\n",
        "                if key in labels and labels[key] != value:\n")], ["selector-semantics"]),
    M("gt-inclusive", "`gt` matches the bound itself",
      [(LABELS, "return n is not None and n > bound", "return n is not None and n >= bound")], ["selector-semantics"]),
    # ---------------------------------------------------------------- scheduler (SEMANTICS 55-60)
    M("spread-weight-1", "kubernetes profile: PodTopologySpread weight 1 instead of 2",
      [(PROFILES, "(pod_topology_spread.PLUGIN, 2),", "(pod_topology_spread.PLUGIN, 1),")], ["schedule-least-loaded"]),
    M("least-allocated-weight-3", "kubernetes profile: LeastAllocated weight 3 instead of 1",
      [(PROFILES, "(node_resources_fit.LEAST_ALLOCATED, 1),", "(node_resources_fit.LEAST_ALLOCATED, 3),")],
      ["schedule-least-loaded"]),
    M("node-selector-ignored", "nodeSelector ignored by the NodeAffinity filter",
      [(PLUGINS + "node_affinity.py", "    return selector_matches(pod.node_selector, node.labels)", "    return True")]),
    M("max-pods-off-by-one", "maxPods: a node takes one pod more than allocatable pods",
      [(PLUGINS + "node_resources_fit.py", "return le(pods_on_node + 1, max_pods)", "return le(pods_on_node, max_pods)")],
      ["node-capacity-respected"]),
    M("cpu-fit-ignores-requested", "NodeResourcesFit compares the request with allocatable, not with what is free",
      [(PLUGINS + "node_resources_fit.py", "return any_of(request == 0, le(request, allocatable - requested))",
        "return any_of(request == 0, le(request, allocatable))")], ["node-capacity-respected"]),
    M("cordon-ignored", "a cordoned node still takes new pods",
      [(PLUGINS + "node_unschedulable.py", "return not_(node.unschedulable)", "return True")]),
    M("most-allocated", "LeastAllocated scores the used share (MostAllocated)",
      [(PLUGINS + "node_resources_fit.py", "idiv((capacity - requested) * MAX_NODE_SCORE,",
        "idiv(requested * MAX_NODE_SCORE,")], ["schedule-least-loaded"]),
    M("balanced-std-not-halved", "BalancedAllocation: the standard deviation is not halved",
      [(PLUGINS + "balanced_allocation.py", "std = abs((fractions[0] - fractions[1]) / 2)",
        "std = abs(fractions[0] - fractions[1])")]),
    M("spread-counts-terminating", "PodTopologySpread counts terminating pods",
      [(PLUGINS + "pod_topology_spread.py",
        "return pod.node_name is not None and not pod.terminal and pod.deletion_timestamp is None",
        "return pod.node_name is not None and not pod.terminal")]),
    M("textbook-pods-before-siblings", "textbook profile: fewest pods compared before fewest siblings",
      [(PLUGINS + "textbook_spread.py", "return (sibling_count(pod, node, cluster), cluster.usage(node.name).pods, node.name)",
        "return (cluster.usage(node.name).pods, sibling_count(pod, node, cluster), node.name)")],
      ["schedule-least-loaded"]),
]
