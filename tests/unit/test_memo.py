"""`kmodel.memo`: every memo of the model and the rules is bounded, registered and cleared by `clear_all`, and
`swapped` / the `swap` fixture clear them around a swapped decision."""

from __future__ import annotations

from kmodel import memo, scenarios
from kmodel.decisions import kubelet as kubelet_decisions
from kmodel.memo import Memo, Swaps, clear_all, memos, swapped
from kmodel.settle import settle


def test_a_memo_is_cleared_when_full_and_keeps_what_it_answers_for():
    m = Memo("test-bounded", 2, keep=True)
    a, b, c = object(), object(), object()
    m.remember(id(a), 1, a)
    m.remember(id(b), 2, b)
    assert len(m) == 2 and m.kept == [a, b]
    m.remember(id(c), 3, c)
    assert dict(m) == {id(c): 3} and m.kept == [c]


def test_clear_all_empties_every_memo_the_engines_filled():
    clear_all()
    settle(scenarios.CATALOGUE["seed"].cluster())
    filled = {name for name, m in memos().items() if len(m)}
    assert {"pod-facts", "kubelet-writes", "containers-summary"} <= filled
    clear_all()
    assert all(len(m) == 0 for m in memos().values())


def test_the_rules_memos_are_registered_too():
    from invariants.registry import load_catalog

    load_catalog()
    assert {"rules-pod-facts", "rules-selector-agreement", "rules-routes"} <= set(memos())


def test_swapped_sets_clears_and_restores():
    settle(scenarios.CATALOGUE["seed"].cluster())
    original = kubelet_decisions.has_work
    with swapped((kubelet_decisions, "has_work", lambda pod: True)):
        assert kubelet_decisions.has_work(None) is True
        assert len(memos()["pod-facts"]) == 0
    assert kubelet_decisions.has_work is original


def test_swaps_restore_class_attributes_as_stored():
    class K:
        @staticmethod
        def f():
            return 1

    s = Swaps()
    s.setattr(K, "f", lambda: 2)
    s.setattr(K, "g", 3)
    s.undo()
    assert isinstance(vars(K)["f"], staticmethod) and K.f() == 1 and not hasattr(K, "g")


def test_no_memo_compares_function_identities():
    # Issue 19 item 5: memos are keyed by objects and values only; a swap clears them. Read from the repository's
    # source files (the compiled build installs the modules without their source).
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "kmodel"
    source = "".join((root / name).read_text() for name in ("cluster.py", "facts.py", "recompute.py",
                                                          "controllers/kubelet.py", "decisions/kubelet.py"))
    for gone in ("_transition_code", "_facts_table", "_entry_fns", "_claim_fns", "_FNS", "phase_fn"):
        assert gone not in source
    from kmodel.controllers import kubelet  # noqa: F401 - registers the kubelet's memos

    assert memo.memos()["kubelet-writes"].limit == 8_192
