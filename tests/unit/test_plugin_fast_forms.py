"""Every plugin of every profile: its fast form (what the engines' scheduler runs) against its readable form (what
`reference.schedule` and the Z3 layer run), over generated nodes, pods and clusters (SEMANTICS 55 to 60).

- a filter's `fast(shape(pod), node, usage)` is its `fits(pod, node, cluster)`, on every node, with the node's
  usage as the cluster counts it and with no usage at all (a node without pods);
- a score plugin's `fast(pod, cluster, candidates)` is `readable_scores` (PreScore, Score, NormalizeScore) over
  the same feasible nodes, None exactly when the readable form skips the pod;
- a rank profile's index form (`RankIndex.count`) is the count its readable `rank` reads;
- a profile's compiled `feasible_for_shape` is `framework.feasible`, and `refit` holds wherever every filter that
  reads the node's pods holds.

The profiles are read from `profiles.PROFILES`, so a profile or plugin added there is covered without an edit here.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.cluster import Cluster
from kmodel.scheduler import framework, profiles
from tests.unit.test_scheduler_differential import CONTROLLERS, nodes, pods
from kmodel.objects import Pod, Service

PROFILES = sorted(profiles.PROFILES.values(), key=lambda p: p.name)
FILTERS = sorted({(p.name, f.name): f for p in PROFILES for f in p.filters}.items())
SCORES = sorted({(p.name, s.name): s for p in PROFILES for s, _ in p.scores}.items())


@st.composite
def clusters(draw) -> Cluster:
    """Up to four nodes of mixed capacity, labels and health, pods bound to them, the three controllers and
    maybe a Service, and one queued pod `p`."""
    names = [f"n{i}" for i in range(draw(st.integers(1, 4)))]
    node_objs = [draw(nodes(n)) for n in names]
    base = Cluster.from_objects(node_objs + CONTROLLERS)
    bound = []
    for i in range(draw(st.integers(0, 5))):
        pod = draw(pods(f"b{i}", base))
        bound.append(Pod(pod.name, labels=pod.labels, owner=pod.owner, containers=pod.containers,
                         node_name=draw(st.sampled_from(names))))
    services = [Service("web", selector={"app": "web"})] if draw(st.booleans()) else []
    c = Cluster.from_objects(node_objs + CONTROLLERS + bound + services)
    return c.create(draw(pods("p", c)))


def test_every_profile_has_fast_forms_for_its_filters():
    """The built-in profiles are scheduled by their fast forms; the cache serves the rank profile."""
    assert all(p.fast for p in PROFILES)
    assert profiles.TEXTBOOK.cache_refusal is None
    assert profiles.KUBERNETES.cache_refusal is not None  # weighted sum: no rank index


@settings(max_examples=150)
@given(clusters(), st.data())
def test_filter_fast_form_is_its_readable_form(cluster, data):
    pod = cluster.pods["p"]
    for _, plugin in FILTERS:
        part = plugin.shape(pod)
        for name, node in cluster.nodes.items():
            assert plugin.fast(part, node, cluster.node_usage.get(name)) == bool(plugin.fits(pod, node, cluster)), \
                (plugin.name, name)
    # with no pod on the node at all (usage None), against a cluster of that node alone
    node = data.draw(nodes("solo"))
    alone = Cluster.from_objects([node]).create(pod)
    for _, plugin in FILTERS:
        assert plugin.fast(plugin.shape(pod), node, None) == bool(plugin.fits(pod, node, alone)), plugin.name


@settings(max_examples=150)
@given(clusters())
def test_profile_feasibility_and_refit_are_the_filters(cluster):
    pod = cluster.pods["p"]
    for profile in PROFILES:
        shape = profile.pod_shape(pod)
        for name, node in cluster.nodes.items():
            usage = cluster.node_usage.get(name)
            assert profile.feasible_for_shape(shape, node, usage) == bool(framework.feasible(profile, pod, node,
                                                                                             cluster))
            reading = [f for f in profile.filters if f.reads_usage]
            assert profile.refit(shape, node, usage) == all(f.fits(pod, node, cluster) for f in reading)


@settings(max_examples=150)
@given(clusters())
def test_score_fast_form_is_its_readable_form(cluster):
    pod = cluster.pods["p"]
    for profile in PROFILES:
        feasible = [n for _, n in sorted(cluster.nodes.items()) if framework.feasible(profile, pod, n, cluster)]
        candidates = [(n.name, n, cluster.node_usage.get(n.name)) for n in feasible]
        for plugin, _ in profile.scores:
            assert plugin.fast is not None, plugin.name
            assert plugin.fast(pod, cluster, candidates) == framework.readable_scores(plugin, pod, cluster,
                                                                                      feasible), plugin.name


@settings(max_examples=150)
@given(clusters())
def test_rank_index_counts_what_the_rank_reads(cluster):
    pod = cluster.pods["p"]
    for profile in PROFILES:
        if profile.rank_index is None:
            continue
        group = profile.rank_index.group(pod, cluster)
        for name, node in cluster.nodes.items():
            rank = profile.rank(pod, node, cluster)
            assert rank == (profile.rank_index.count(group, name, cluster), cluster.usage(name).pods, name)


def test_a_profile_without_fast_forms_is_scheduled_by_the_reference():
    """A filter given only in its readable form: the profile is not `fast`, the cache refuses it, and the
    engines' scheduler answers through the reference scan (exact)."""
    readable_only = framework.FilterPlugin("ReadableOnly", lambda pod, node, cluster: True,
                                           lambda pod, node, cluster: ())
    profile = framework.Profile("readable-only", profiles.FILTERS + (readable_only,), rank=profiles.TEXTBOOK.rank,
                                rank_index=profiles.TEXTBOOK.rank_index)
    assert not profile.fast and "ReadableOnly" in profile.cache_refusal


def test_a_filter_freed_by_assume_is_refused_by_the_cache():
    import attrs

    freeing = attrs.evolve(profiles.FILTERS[-1], name="Freeing", freed_by_assume=True)
    profile = framework.Profile("freeing", profiles.FILTERS[:-1] + (freeing,), rank=profiles.TEXTBOOK.rank,
                                rank_index=profiles.TEXTBOOK.rank_index)
    assert profile.fast and "Freeing" in profile.cache_refusal and "rejected node stays rejected" in \
        profile.cache_refusal



