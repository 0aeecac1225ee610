"""kube-scheduler in the model (SEMANTICS 55 to 62).

- `framework`: filter and score plugin protocols, profiles, `ScheduleResult`, the score arithmetic.
- `plugins/`: one pure module per plugin; `profiles`: `textbook` and `kubernetes`.
- `reference`: the specification, a scan of every node (the oracle).
- `index`: the fast path, a persistent index inside the Cluster state (O(log n) per write for textbook).
- `scheduler`: the events `SchedulerBindPod` and `SchedulerMarkUnschedulable`, `reconcile`, `choose_node`.

This package's `__init__` imports nothing: `kmodel.cluster` imports `index` while it is itself being imported.
"""
