"""The apimachinery conformance vectors (vectors/, copied from the shared conformance set), one case each.

Each case's id is its index in its file and the Go test it was transcribed from (its `origin`). The files pin
labels.Parse, Selector.Matches, the label key/value validators, LabelSelectorAsSelector + ValidateLabelSelector and
ConvertSelectorToLabelsMap (SEMANTICS 1 to 27); vectors/README.md describes them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kmodel.errors import InvalidLabelSelector, SelectorSyntaxError
from kmodel.labels import (
    MappingView,
    convert_selector_to_labels_map,
    dns1123_subdomain_errors,
    label_key_errors,
    label_value_errors,
    parse_selector,
    selector_from_label_selector,
    selector_from_map,
)

VECTORS = Path(__file__).parent / "vectors"


def _load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _origin_tail(origin: str) -> str:
    """`.../selector_test.go#TestSetSelectorParser (note)` -> `selector_test.go#TestSetSelectorParser`."""
    return re.sub(r"\(.*$", "", origin).split()[0].rsplit("/", 1)[-1]


def _cases(name: str, key: str = "cases", default_origin: str | None = None) -> list:
    data = _load(name)
    params = []
    for i, case in enumerate(data[key]):
        origin = case.get("origin") or default_origin or data.get("source", name)
        if isinstance(origin, list):
            origin = origin[0]
        params.append(pytest.param(case, id=f"{i:03d}-{_origin_tail(origin)}"))
    return params


def test_vector_files_are_all_here():
    names = sorted(p.name for p in VECTORS.iterdir())
    assert names == ["README.md", "convert_selector_to_labels_map.json", "label_selector_object.json",
                     "label_validation.json", "selector_match.json", "selector_parse.json"]


# ---------------------------------------------------------------------------------------------------------------
# selector_parse.json: labels.Parse
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("selector_parse.json"))
def test_selector_parse(case):
    text = case["selector"]
    if not case["valid"]:
        with pytest.raises(SelectorSyntaxError):
            parse_selector(text)
        return
    sel = parse_selector(text)
    assert not sel.is_nothing  # MatchesNothing is only true for labels.Nothing() (SEMANTICS 14)
    if "canonical" in case:
        assert str(sel) == case["canonical"]
    if "requirements" in case:
        got = [[r.key, r.operator, list(r.values)] for r in sel.requirements]
        assert got == case["requirements"]
    # The canonical form parses back to the same selector.
    assert parse_selector(str(sel)) == sel


# ---------------------------------------------------------------------------------------------------------------
# selector_match.json: labels.Parse(s).Matches(set), and SelectorFromSet where given
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("selector_match.json"))
def test_selector_match(case):
    sel = parse_selector(case["selector"])
    labels = case["labels"]
    assert sel.matches(labels) is case["matches"]
    assert sel.matches_view(MappingView(labels)) is case["matches"]
    if "selector_set" in case:
        from_set = selector_from_map(case["selector_set"])
        assert from_set == sel
        assert from_set.matches(labels) is case["matches"]


# ---------------------------------------------------------------------------------------------------------------
# label_validation.json: IsLabelKey / IsLabelValue / ValidateLabels, and IsDNS1123Subdomain for prefixes
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("label_validation.json"))
def test_label_validation(case):
    key, value = case["key"], case["value"]
    errs: list[str] = []
    if key is not None:
        errs += label_key_errors(key)
    if value is not None:
        errs += label_value_errors(value)
    assert (not errs) is case["valid"], errs


@pytest.mark.parametrize("case", _cases("label_validation.json", key="dns1123_subdomain_cases",
                                        default_origin=_load("label_validation.json")["dns1123_subdomain_source"]))
def test_dns1123_subdomain_prefix(case):
    prefix = case["prefix"]
    assert (not dns1123_subdomain_errors(prefix)) is case["valid"]
    # The same verdict as the prefix part of a label key (SEMANTICS 2).
    assert (not label_key_errors(prefix + "/name")) is case["valid"]


# ---------------------------------------------------------------------------------------------------------------
# label_selector_object.json: LabelSelectorAsSelector + ValidateLabelSelector
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("label_selector_object.json"))
def test_label_selector_object(case):
    obj = case["labelSelector"]
    if not case["valid"]:
        with pytest.raises(InvalidLabelSelector):
            selector_from_label_selector(obj)
        return
    sel = selector_from_label_selector(obj)
    assert sel.is_nothing is case["matches_nothing"]
    if case["equivalent_selector"] is None:
        assert sel.is_nothing and not sel.matches({}) and not sel.matches({"foo": "bar"})
    else:
        assert str(sel) == case["equivalent_selector"]
        assert sel == parse_selector(case["equivalent_selector"])


# ---------------------------------------------------------------------------------------------------------------
# convert_selector_to_labels_map.json: the strict k=v,k=v parser (not labels.Parse)
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("convert_selector_to_labels_map.json"))
def test_convert_selector_to_labels_map(case):
    text = case["selector"]
    if not case["valid"]:
        with pytest.raises(SelectorSyntaxError):
            convert_selector_to_labels_map(text)
        return
    assert convert_selector_to_labels_map(text) == case["labels_if_valid"]
