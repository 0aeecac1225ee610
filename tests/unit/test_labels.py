"""kmodel.labels: label validation, the selector parser, matching and the LabelSelector forms (SEMANTICS 1 to 27).

Properties are written from the rules; an independent oracle (`oracle_matches`) restates SEMANTICS 15 to 19.
The upstream test tables live in tests/conformance.
"""

from __future__ import annotations

import copy
import pickle
import random
import string

import immutables
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kmodel.errors import InvalidLabel, InvalidLabelSelector, KModelError, SelectorSyntaxError
from kmodel.labels import (
    LabelView,
    MappingView,
    Requirement,
    Selector,
    _go_sort_by_key,
    convert_selector_to_labels_map,
    label_key_errors,
    label_value_errors,
    parse_int64,
    parse_selector,
    selector_from_label_selector,
    selector_from_map,
    selector_to_label_selector,
    validate_labels,
)
from tests.strategies_labels import (
    WHITESPACE,
    invalid_label_keys,
    invalid_label_values,
    label_keys,
    label_names,
    label_sets,
    label_values,
    pool_keys,
    pool_requirements,
    pool_selectors,
    pool_values,
    selectors,
    spaced_selector_text,
)

# ---------------------------------------------------------------------------------------------------------------
# The oracle: SEMANTICS 15 to 19, restated without the implementation's helpers.
# ---------------------------------------------------------------------------------------------------------------


def oracle_int64(s: str) -> int | None:
    """strconv.ParseInt(s, 10, 64) by hand: optional sign, at least one ASCII digit, within int64."""
    i, neg = 0, False
    if s[:1] in ("+", "-"):
        neg, i = s[0] == "-", 1
    if i == len(s):
        return None
    n = 0
    for c in s[i:]:
        if c not in "0123456789":
            return None
        n = n * 10 + (ord(c) - ord("0"))
    n = -n if neg else n
    return n if -(2**63) <= n <= 2**63 - 1 else None


def oracle_requirement(key: str, op: str, values: tuple[str, ...], labels: dict[str, str]) -> bool:
    present = key in labels
    if op in ("=", "==", "in"):  # 15: present and in the set
        return present and labels[key] in values
    if op in ("!=", "notin"):  # 16: absent, or present and not in the set
        return (not present) or labels[key] not in values
    if op == "exists":  # 17
        return present
    if op == "!":
        return not present
    assert op in ("gt", "lt")  # 18: present and a decimal int64, compared with the bound
    if not present:
        return False
    n, bound = oracle_int64(labels[key]), oracle_int64(values[0])
    if n is None:
        return False
    return n > bound if op == "gt" else n < bound


def oracle_matches(sel: Selector, labels: dict[str, str]) -> bool:
    if sel.is_nothing:
        return False
    return all(oracle_requirement(r.key, r.operator, r.values, labels) for r in sel.requirements)


# ---------------------------------------------------------------------------------------------------------------
# Validation (SEMANTICS 1 to 7)
# ---------------------------------------------------------------------------------------------------------------


@given(label_keys())
def test_generated_keys_are_valid(key):
    assert label_key_errors(key) == []


@given(label_values())
def test_generated_values_are_valid(value):
    assert label_value_errors(value) == []


@given(invalid_label_keys())
def test_broken_keys_are_rejected_with_a_reason(case):
    kind, key = case
    errs = label_key_errors(key)
    assert errs, f"{kind}: {key!r} accepted"
    assert all(isinstance(e, str) and e for e in errs)
    if kind == "name too long":
        assert any("63" in e for e in errs)
    if kind == "prefix too long":
        assert any("253" in e for e in errs)
    if kind == "uppercase prefix":
        assert any("prefix part" in e and "lower case" in e for e in errs)
    if kind == "empty prefix":
        assert "prefix part must be non-empty" in errs
    if kind == "empty name":
        assert "name part must be non-empty" in errs


@given(invalid_label_values())
def test_broken_values_are_rejected_with_a_reason(case):
    kind, value = case
    errs = label_value_errors(value)
    assert errs, f"{kind}: {value!r} accepted"
    assert all(isinstance(e, str) and e for e in errs)
    if kind == "too long":
        assert any("63" in e for e in errs)


@given(label_names(min_size=63, max_size=63), st.sampled_from(["", "example.com/"]))
def test_63_byte_name_is_the_limit(name, prefix):
    assert label_key_errors(prefix + name) == []
    assert label_value_errors(name) == []


def test_64_character_name_part_is_rejected_mentioning_63():
    errs = label_key_errors("a" * 64)
    assert errs == ["name part must be no more than 63 bytes"]
    assert label_key_errors("example.com/" + "b" * 64) == ["name part must be no more than 63 bytes"]


def test_uppercase_prefix_is_rejected():
    errs = label_key_errors("Example.com/x")
    assert len(errs) == 1 and errs[0].startswith("prefix part a lowercase RFC 1123 subdomain")
    assert label_key_errors("example.com/X") == []  # upper case is fine in the name (SEMANTICS 3)


def test_key_structure_rules():
    assert label_key_errors("a/b/c")[0].startswith("a valid label key must consist")  # 3 parts (SEMANTICS 1)
    assert label_key_errors("/a") == ["prefix part must be non-empty"]
    assert label_key_errors("a/")[0] == "name part must be non-empty"
    assert len(label_key_errors("")) == 2  # empty, and the regex fails too, as upstream reports both
    assert label_key_errors("a" * 253 + "/" + "b" * 63) == []  # 317 bytes, the maximum (SEMANTICS 4)
    assert label_key_errors("a" * 254 + "/b") == ["prefix part must be no more than 253 bytes"]
    assert label_key_errors("example_com/abc")  # underscores are invalid in the prefix (SEMANTICS 2)
    assert label_key_errors("a_b.C-d") == []


def test_fullmatch_not_match_trailing_newline():
    # SEMANTICS 5: `re.match("...$")` would accept these.
    assert label_key_errors("abc\n")
    assert label_value_errors("abc\n")
    assert label_key_errors("example.com\n/abc")


def test_lengths_are_utf8_bytes():
    # 62 ASCII characters and one 2-byte character: 63 characters but 64 bytes.
    errs = label_value_errors("a" * 62 + "é")
    assert "must be no more than 63 bytes" in errs
    assert label_value_errors("a" * 63) == []
    assert label_value_errors("\ud800")  # a lone surrogate does not crash the byte count


def test_empty_value_is_valid():
    assert label_value_errors("") == []


def test_non_strings_get_a_reason():
    assert label_key_errors(5) == ["must be a string, not int"]  # type: ignore[arg-type]
    assert label_value_errors(None) == ["must be a string, not NoneType"]  # type: ignore[arg-type]


def test_validate_labels_names_where_key_and_reason():
    validate_labels({"app": "web", "example.com/tier": ""}, "Pod/p: metadata.labels")
    validate_labels(immutables.Map({"a": "b"}), "x")
    with pytest.raises(InvalidLabel) as e:
        validate_labels({"ok": "1", "Bad Key": "v"}, "Pod/p: metadata.labels")
    msg = str(e.value)
    assert msg.startswith("Pod/p: metadata.labels: invalid label key \"Bad Key\": name part must consist")
    with pytest.raises(InvalidLabel, match=r"Pod/p: metadata.labels\[k\]: invalid label value \"-v\""):
        validate_labels({"k": "-v"}, "Pod/p: metadata.labels")
    with pytest.raises(InvalidLabel, match="must be a string"):
        validate_labels({1: "v"}, "where")  # type: ignore[dict-item]
    with pytest.raises(InvalidLabel, match="must be a string"):
        validate_labels({"k": 1}, "where")  # type: ignore[dict-item]
    with pytest.raises(InvalidLabel, match="must be a mapping"):
        validate_labels(["k"], "where")  # type: ignore[arg-type]
    assert issubclass(InvalidLabel, KModelError)


def test_parse_int64():
    assert parse_int64("01") == 1
    assert parse_int64("9223372036854775807") == 2**63 - 1
    assert parse_int64("9223372036854775808") is None
    assert parse_int64("-9223372036854775808") == -(2**63)
    assert parse_int64("+5") == 5
    for bad in ["", "+", "-", " 1", "1 ", "1_0", "٣", "0x1", "1.0", "v2"]:
        assert parse_int64(bad) is None, bad


@given(st.text(alphabet=string.digits + "+-_ x٣", max_size=25))
def test_parse_int64_agrees_with_the_oracle(s):
    assert parse_int64(s) == oracle_int64(s)


# ---------------------------------------------------------------------------------------------------------------
# Parser (SEMANTICS 8 to 14)
# ---------------------------------------------------------------------------------------------------------------


def test_unterminated_list_names_position():
    with pytest.raises(SelectorSyntaxError) as e:
        parse_selector("a in (b")
    assert str(e.value) == ("unable to parse requirement: found 'end of string', expected: ',' or ')' "
                            "in \"a in (b\" at position 7")
    assert e.value.position == 7 and e.value.text == "a in (b"


@pytest.mark.parametrize("text, position, found", [
    ("x,,y", 2, "','"),
    (",x", 0, "','"),
    ("x,", 2, "'end of string'"),
    ("!x=a", 2, "'='"),
    ("x>=1", 2, "'='"),
    ("x==a==b", 4, "'=='"),
    ("a in (xyz abc)", 10, "'abc'"),
    ("a notin(", 8, "'end of string'"),
    ("a (", 2, "'('"),
    ("(", 0, "'('"),
    ("x nott in (y)", 2, "'nott'"),
    ("a in (xyz)b notin ()", 10, "'b'"),
    ("!", 1, "'end of string'"),
    ("!!x", 1, "'!'"),
    ("x in", 4, "'end of string'"),
    ("x in (a,(", 8, "'('"),
    ("x=(", 2, "'('"),
])
def test_syntax_errors_say_what_was_found_and_where(text, position, found):
    with pytest.raises(SelectorSyntaxError) as e:
        parse_selector(text)
    assert e.value.position == position
    assert f"found {found}" in str(e.value)
    assert str(e.value).endswith(f"at position {position}")


@pytest.mark.parametrize("text, canonical", [
    ("x==a", "x==a"),  # `==` is its own operator and prints as such
    ("x!=", "x!="),  # SEMANTICS 12
    ("x==", "x=="),
    ("notin=in", "notin=in"),  # SEMANTICS 9: keywords only in operator position
    ("in", "in"),
    ("in in (notin)", "in in (notin)"),
    ("!in", "!in"),
    ("a,in,notin", "a,in,notin"),
    ("x>01", "x>01"),  # leading zeros (SEMANTICS 8)
    ("x<9223372036854775807", "x<9223372036854775807"),
    ("x in (b,a,b)", "x in (a,b)"),  # SEMANTICS 11
    ("x in (a,,)", "x in (,a)"),
    ("x in (, a)", "x in (,a)"),
    ("x in ()", "x in ()"),
    ("x in (\t)", "x in ()"),
    (" \t\r\nx\n=\ra\t", "x=a"),  # whitespace set (SEMANTICS 9)
    ("x\x00,y", "x,y"),  # NUL inside an identifier ends it and is consumed (see kmodel.labels docstring)
    ("x \x00,y", "x"),  # NUL where a token starts ends the input
    ("a=\x00b", "a=b"),  # NUL right after an operator ends the operator
    ("\x00x", ""),
    ("b=1,a=2,c", "a=2,b=1,c"),  # SEMANTICS 14: sorted by key
    ("a,!a", "a,!a"),  # same key twice: kept, in input order (insertion sort for <= 12 requirements)
    ("!a,a", "!a,a"),
])
def test_parses_to_canonical(text, canonical):
    sel = parse_selector(text)
    assert str(sel) == canonical
    assert not sel.is_nothing


@pytest.mark.parametrize("text", [
    "x>-1", "x<+1",  # a sign can never be a valid label value (SEMANTICS 8)
    "x>9223372036854775808",  # overflow
    "x>a", "x<", "x>", "x>1.5",
    "x\x00y",  # NUL inside an identifier splits it: `x` then `y` is not an operator
    "x=a b", "x in (a b)", "x y",
    "-x", "x=-a", "x in (a,-b)", "Example.com/x", "a/b/c=d", "x=" + "a" * 64, "a" * 64,
    "x=a||y=b", "x|y", "x=a,", ",", "x;y",
    "x in (a", "x in a", "x notin", "x = (a)", "x=a)", "!x in (a)", "!x,",
    "=a", "!=a", "in (a)",  # `in` is a key here, then `(` is not an operator
])
def test_rejects(text):
    with pytest.raises(SelectorSyntaxError) as e:
        parse_selector(text)
    assert 0 <= e.value.position <= len(text)


def test_invalid_key_and_value_errors_name_them():
    with pytest.raises(SelectorSyntaxError, match=r'invalid label key "-x".*at position 0'):
        parse_selector("-x=a")
    with pytest.raises(SelectorSyntaxError, match=r'invalid label value "-a" for key "x".*at position 9'):
        parse_selector("x in (b, -a)")
    with pytest.raises(SelectorSyntaxError, match=r"must be an integer.*at position 2"):
        parse_selector("x<a")


def test_empty_and_blank_text_is_everything():
    for text in ["", " ", "\t\r\n "]:
        sel = parse_selector(text)
        assert sel == Selector.everything() and sel.empty and not sel.is_nothing
        assert sel.matches({}) and sel.matches({"a": "b"})


def test_parse_rejects_non_strings():
    with pytest.raises(SelectorSyntaxError):
        parse_selector(None)  # type: ignore[arg-type]


@given(pool_selectors(max_size=6))
def test_parse_of_string_round_trips(sel):
    assert parse_selector(str(sel)) == sel
    assert str(parse_selector(str(sel))) == str(sel)


@given(selectors(max_size=4))
def test_parse_of_string_round_trips_for_any_valid_keys_and_values(sel):
    again = parse_selector(str(sel))
    assert again == sel
    assert again.requirements == sel.requirements


@given(st.data())
def test_whitespace_between_tokens_does_not_matter(data):
    sel = data.draw(pool_selectors(max_size=4))
    text = data.draw(spaced_selector_text(sel))
    assert parse_selector(text) == sel


@given(pool_selectors(max_size=4), st.text(max_size=10), st.text(WHITESPACE, max_size=2))
def test_nul_at_a_token_start_ends_the_input(sel, junk, ws):
    assert parse_selector(str(sel) + ws + " \x00" + junk) == sel


@given(st.text(alphabet="ax1=!(),<> \t\x00in-.", max_size=20))
def test_parser_fails_only_with_selector_syntax_error(text):
    try:
        sel = parse_selector(text)
    except SelectorSyntaxError as e:
        assert 0 <= e.position <= len(text)
        assert f"at position {e.position}" in str(e)
    else:
        assert parse_selector(str(sel)) == sel


@given(st.text(max_size=30))
def test_parser_fails_only_with_selector_syntax_error_on_any_text(text):
    try:
        parse_selector(text)
    except SelectorSyntaxError:
        pass


def test_equal_iff_canonical_strings_equal():
    assert parse_selector("a=x,x=a") == parse_selector("x=a,a=x")
    assert hash(parse_selector("a=x,x=a")) == hash(parse_selector("x=a,a=x"))
    assert parse_selector("x=a") != parse_selector("x==a")
    assert parse_selector("x=a") != parse_selector("x in (a)")
    assert Selector.nothing() != Selector.everything()
    assert str(Selector.nothing()) == str(Selector.everything()) == ""
    assert len({Selector.nothing(), Selector.everything(), parse_selector("")}) == 2
    assert Selector.nothing().is_nothing and not Selector.nothing().empty
    assert Selector.everything().empty and not Selector.everything().is_nothing
    assert not parse_selector("a").empty
    assert parse_selector("a") != "a"


def test_contradictions_are_not_nothing_but_match_nothing():
    # SEMANTICS 14: MatchesNothing only detects labels.Nothing().
    for text in ["a,!a", "a=b,a!=b", "a in (b),a notin (b)"]:
        sel = parse_selector(text)
        assert not sel.is_nothing
        for labels in [{}, {"a": "b"}, {"a": "c"}, {"a": ""}]:
            assert not sel.matches(labels)


def test_selector_repr_and_add():
    sel = parse_selector("b=1,a")
    assert repr(sel) == "parse_selector('a,b=1')"
    assert repr(Selector.nothing()) == "Selector.nothing()"
    assert str(sel.add(Requirement("a0", "!", ()))) == "a,!a0,b=1"
    assert Selector.nothing().add(Requirement("a", "exists", ())) is Selector.nothing()
    with pytest.raises(InvalidLabelSelector):
        Selector((Requirement("a", "exists"),), matches_nothing=True)


# ---------------------------------------------------------------------------------------------------------------
# Requirements
# ---------------------------------------------------------------------------------------------------------------


def test_requirement_normalises_and_prints():
    r = Requirement("x", "in", ["b", "a", "b"])
    assert r.values == ("a", "b") and str(r) == "x in (a,b)"
    assert str(Requirement("x", "notin", [""])) == "x notin ()"
    assert str(Requirement("x", "!", ())) == "!x"
    assert str(Requirement("x", "exists")) == "x"
    assert str(Requirement("x", "gt", ["1"])) == "x>1"
    assert str(Requirement("x", "lt", ["1"])) == "x<1"
    assert str(Requirement("x", "!=", ["1"])) == "x!=1"
    assert Requirement("x", "in", ["a", "b"]) == Requirement("x", "in", ("b", "a"))
    assert hash(Requirement("x", "in", ["a", "b"])) == hash(Requirement("x", "in", ("b", "a")))


@pytest.mark.parametrize("key, op, values", [
    ("x", "in", []), ("x", "notin", []),  # NewRequirement: in/notin need values
    ("x", "=", []), ("x", "=", ["a", "b"]), ("x", "!=", []),
    ("x", "exists", ["a"]), ("x", "!", ["a"]),
    ("x", "gt", []), ("x", "gt", ["a"]), ("x", "lt", ["1", "2"]),
    ("x", "In", ["a"]), ("x", "~", ["a"]),
    ("-x", "exists", []), ("x", "=", ["-a"]), (1, "exists", []),
])
def test_requirement_rejects_what_new_requirement_rejects(key, op, values):
    with pytest.raises(InvalidLabelSelector):
        Requirement(key, op, values)


def test_requirement_values_must_be_strings():
    with pytest.raises(InvalidLabelSelector):
        Requirement("x", "in", "ab")  # a string is not a collection of values
    with pytest.raises(InvalidLabelSelector):
        Requirement("x", "in", [1])


# ---------------------------------------------------------------------------------------------------------------
# Matching (SEMANTICS 15 to 19)
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, labels, expected", [
    ("x!=a", {}, True),  # 16: absent matches
    ("x notin (a)", {}, True),
    ("x notin (a)", {"x": "a"}, False),
    ("x notin ()", {"x": ""}, False),  # 19
    ("x notin ()", {"x": "v"}, True),
    ("x notin ()", {}, True),
    ("x in ()", {"x": ""}, True),
    ("x in ()", {}, False),
    ("x", {"x": ""}, True),  # 17: empty value is present
    ("!x", {"x": ""}, False),
    ("x>1", {}, False),  # 18: absent is false, unlike !=
    ("x>1", {"x": "v2"}, False),
    ("x>1", {"x": "+5"}, True),  # strconv.ParseInt accepts a sign in the label value
    ("x<1", {"x": "-3"}, True),
    ("x>1", {"x": "02"}, True),
    ("x>1", {"x": " 2"}, False),
    ("x>1", {"x": "9223372036854775808"}, False),  # overflow does not parse
    ("x<9223372036854775807", {"x": "-9223372036854775808"}, True),
    ("x=", {"x": ""}, True),  # 12
    ("x=", {}, False),
    ("x!=", {}, True),
    ("x!=", {"x": ""}, False),
])
def test_matching_rules(text, labels, expected):
    sel = parse_selector(text)
    assert sel.matches(labels) is expected
    assert sel.matches_view(MappingView(labels)) is expected
    assert sel.matches(immutables.Map(labels)) is expected


def test_nothing_matches_nothing_and_everything_matches_all():
    for labels in [{}, {"a": "b"}]:
        assert not Selector.nothing().matches(labels)
        assert Selector.nothing().matches_view(MappingView(labels)) is False
        assert Selector.everything().matches(labels)
        assert Selector.everything().matches_view(MappingView(labels)) is True


@given(pool_selectors(), label_sets())
def test_matches_agrees_with_the_oracle(sel, labels):
    assert sel.matches(labels) == oracle_matches(sel, labels)


@given(pool_selectors(), label_sets())
def test_fast_path_agrees_with_the_view(sel, labels):
    assert sel.matches(labels) == sel.matches_view(MappingView(labels))
    for r in sel.requirements:
        assert r.matches(labels) == r.matches_view(MappingView(labels))


@given(pool_keys(), pool_values(), label_sets())
def test_not_equals_is_exactly_not_equals(key, value, labels):
    eq = parse_selector(f"{key}={value}")
    deq = parse_selector(f"{key}=={value}")
    ne = parse_selector(f"{key}!={value}")
    assert ne.matches(labels) == (not eq.matches(labels))
    assert deq.matches(labels) == eq.matches(labels)


@given(pool_keys(), st.lists(pool_values(), min_size=1, max_size=4), label_sets())
def test_notin_is_exactly_not_in(key, values, labels):
    inside = Requirement(key, "in", values)
    outside = Requirement(key, "notin", values)
    assert outside.matches(labels) == (not inside.matches(labels))
    assert parse_selector(str(Selector((outside,)))).matches(labels) == (not inside.matches(labels))


@given(pool_keys(), label_sets())
def test_exists_is_exactly_not_does_not_exist(key, labels):
    assert parse_selector(f"!{key}").matches(labels) == (not parse_selector(key).matches(labels))


@given(pool_keys(), st.sampled_from(["0", "1", "5", "10"]), label_sets())
def test_gt_and_lt_require_the_key_unlike_not_equals(key, bound, labels):
    gt = parse_selector(f"{key}>{bound}").matches(labels)
    lt = parse_selector(f"{key}<{bound}").matches(labels)
    if key not in labels:
        assert not gt and not lt
    assert not (gt and lt)


@given(st.lists(pool_requirements(), max_size=5), label_sets())
def test_selector_is_the_and_of_its_requirements(reqs, labels):
    assert Selector(reqs).matches(labels) == all(r.matches(labels) for r in reqs)


class _RecordingView:
    """A LabelView that only answers through the protocol (what a symbolic view will supply)."""

    def __init__(self, labels):
        self.labels = labels
        self.calls = []

    def has(self, key):
        self.calls.append(("has", key))
        return key in self.labels

    def value_in(self, key, values):
        self.calls.append(("value_in", key, values))
        return key in self.labels and self.labels[key] in values

    def value_where(self, key, pred):
        self.calls.append(("value_where", key))
        return key in self.labels and pred(self.labels[key])


def test_decisions_read_labels_only_through_the_view():
    view = _RecordingView({"a": "1", "b": "x"})
    assert isinstance(view, LabelView)
    sel = parse_selector("a>0,b in (x,y),!c,d notin (q),e")
    assert sel.matches_view(view) is False
    assert ("has", "e") in view.calls and ("value_where", "a") in view.calls


def test_matches_view_builds_a_z3_term():
    z3 = pytest.importorskip("z3")

    class Z3View:
        def has(self, key):
            return z3.Bool(f"has[{key}]")

        def value_in(self, key, values):
            return z3.And(z3.Bool(f"has[{key}]"), z3.Or(*[z3.Bool(f"{key}={v}") for v in values]))

        def value_where(self, key, pred):
            return z3.And(z3.Bool(f"has[{key}]"), z3.BoolVal(pred("7")))

    term = parse_selector("a in (x),b!=y,!c,d>5").matches_view(Z3View())
    assert isinstance(term, z3.BoolRef)
    s = z3.Solver()
    s.add(term, z3.Not(z3.Bool("has[b]")))
    assert s.check() == z3.sat
    s.add(z3.Bool("has[c]"))
    assert s.check() == z3.unsat


# ---------------------------------------------------------------------------------------------------------------
# Go's sort.Sort order for requirements (SEMANTICS 14)
# ---------------------------------------------------------------------------------------------------------------


@given(st.lists(st.sampled_from("abcde"), max_size=12))
def test_go_sort_is_stable_up_to_12(keys):
    items = list(enumerate(keys))
    assert _go_sort_by_key(items, lambda t: t[1]) == sorted(items, key=lambda t: t[1])


@given(st.lists(st.sampled_from("abcdefgh"), max_size=200))
def test_go_sort_sorts_and_is_idempotent(keys):
    items = list(enumerate(keys))
    out = _go_sort_by_key(items, lambda t: t[1])
    assert [k for _, k in out] == sorted(keys)
    assert sorted(out) == items
    assert _go_sort_by_key(out, lambda t: t[1]) == out  # so Selector(parse(...).requirements) keeps Go's order


def test_go_sort_handles_adversarial_inputs():
    rnd = random.Random(7)
    for n in [13, 49, 50, 51, 64, 100, 257, 1000]:
        for pattern in ["sorted", "reversed", "equal", "random", "sawtooth", "organ"]:
            if pattern == "sorted":
                keys = list(range(n))
            elif pattern == "reversed":
                keys = list(range(n, 0, -1))
            elif pattern == "equal":
                keys = [1] * n
            elif pattern == "random":
                keys = [rnd.randrange(5) for _ in range(n)]
            elif pattern == "sawtooth":
                keys = [i % 7 for i in range(n)]
            else:
                keys = list(range(n // 2)) + list(range(n - n // 2, 0, -1))
            out = _go_sort_by_key(list(enumerate(keys)), lambda t: t[1])
            assert [k for _, k in out] == sorted(keys), (n, pattern)


def test_many_requirements_on_one_key_keep_a_deterministic_order():
    text = ",".join(f"k!={i}" for i in range(30))
    first = parse_selector(text)
    assert str(parse_selector(text)) == str(first)
    assert parse_selector(str(first)) == first


# ---------------------------------------------------------------------------------------------------------------
# metav1.LabelSelector, maps, ConvertSelectorToLabelsMap (SEMANTICS 21 to 23, 27)
# ---------------------------------------------------------------------------------------------------------------


def test_label_selector_nil_empty_and_forms():
    assert selector_from_label_selector(None).is_nothing
    assert selector_from_label_selector({}) == Selector.everything()
    assert selector_from_label_selector({"matchLabels": {}, "matchExpressions": []}) == Selector.everything()
    assert selector_from_label_selector({"matchLabels": None, "matchExpressions": None}).empty
    sel = selector_from_label_selector({
        "matchLabels": {"z": "1", "a": ""},
        "matchExpressions": [
            {"key": "b", "operator": "NotIn", "values": ["y", "x", "x"]},
            {"key": "c", "operator": "Exists"},
            {"key": "d", "operator": "DoesNotExist", "values": []},
            {"key": "a", "operator": "In", "values": [""]},
        ],
    })
    assert str(sel) == "a=,a in (),b notin (x,y),c,!d,z=1"


def test_in_without_values_is_invalid():
    with pytest.raises(InvalidLabelSelector) as e:
        selector_from_label_selector({"matchExpressions": [{"key": "k", "operator": "In"}]})
    assert str(e.value) == 'matchExpressions[0].values: must be specified when operator is "In"'
    with pytest.raises(InvalidLabelSelector, match=r'matchExpressions\[1\]\.values: must be specified .*"NotIn"'):
        selector_from_label_selector({"matchExpressions": [{"key": "k", "operator": "Exists"},
                                                           {"key": "k", "operator": "NotIn", "values": []}]})


@pytest.mark.parametrize("obj, path", [
    ({"matchExpressions": [{"key": "k", "operator": "Exists", "values": ["a"]}]}, "matchExpressions[0].values"),
    ({"matchExpressions": [{"key": "k", "operator": "Gt", "values": ["1"]}]}, "matchExpressions[0].operator"),
    ({"matchExpressions": [{"key": "k", "operator": "Lt", "values": ["1"]}]}, "matchExpressions[0].operator"),
    ({"matchExpressions": [{"key": "k", "operator": "in", "values": ["1"]}]}, "matchExpressions[0].operator"),
    ({"matchExpressions": [{"key": "k", "values": ["1"]}]}, "matchExpressions[0].operator"),
    ({"matchExpressions": [{"operator": "Exists"}]}, "matchExpressions[0].key"),
    ({"matchExpressions": [{"key": "-k", "operator": "Exists"}]}, "matchExpressions[0].key"),
    ({"matchExpressions": [{"key": "k", "operator": "In", "values": ["a", "-v"]}]}, "matchExpressions[0].values[1]"),
    ({"matchExpressions": [{"key": "k", "operator": "In", "values": "a"}]}, "matchExpressions[0].values"),
    ({"matchExpressions": [{"key": "k", "operator": "In", "values": [1]}]}, "matchExpressions[0].values[0]"),
    ({"matchExpressions": [{"key": "k", "operator": "Exists", "extra": 1}]}, "matchExpressions[0].extra"),
    ({"matchExpressions": ["k"]}, "matchExpressions[0]"),
    ({"matchExpressions": {"key": "k"}}, "matchExpressions"),
    ({"matchLabels": {"Bad Key": "v"}}, "matchLabels[Bad Key]"),
    ({"matchLabels": {"k": "bad value"}}, "matchLabels[k]"),
    ({"matchLabels": {"k": 1}}, "matchLabels[k]"),
    ({"matchLabels": ["k"]}, "matchLabels"),
    ({"matchLables": {"k": "v"}}, "matchLables"),
])
def test_invalid_label_selectors_name_the_field(obj, path):
    with pytest.raises(InvalidLabelSelector) as e:
        selector_from_label_selector(obj)
    assert str(e.value).startswith(path + ":")


def test_label_selector_must_be_a_mapping():
    with pytest.raises(InvalidLabelSelector):
        selector_from_label_selector("app=web")  # type: ignore[arg-type]


@given(pool_selectors(operators=("=", "==", "!=", "in", "notin", "exists", "!")), label_sets())
def test_label_selector_form_selects_the_same(sel, labels):
    obj = selector_to_label_selector(sel)
    back = selector_from_label_selector(obj)
    assert back.matches(labels) == sel.matches(labels)


def test_selector_to_label_selector():
    assert selector_to_label_selector(Selector.nothing()) is None
    assert selector_to_label_selector(Selector.everything()) == {}
    assert selector_to_label_selector(parse_selector("a=1,a=2,b in (x),!c,d,e notin (),f!=g")) == {
        "matchLabels": {"a": "1"},
        "matchExpressions": [
            {"key": "a", "operator": "In", "values": ["2"]},
            {"key": "b", "operator": "In", "values": ["x"]},
            {"key": "c", "operator": "DoesNotExist"},
            {"key": "d", "operator": "Exists"},
            {"key": "e", "operator": "NotIn", "values": [""]},
            {"key": "f", "operator": "NotIn", "values": ["g"]},
        ],
    }
    with pytest.raises(InvalidLabelSelector, match="Gt and Lt"):
        selector_to_label_selector(parse_selector("x>1"))


def test_selector_from_map():
    assert selector_from_map(None) == Selector.everything()
    assert selector_from_map({}) == Selector.everything()
    assert str(selector_from_map({"b": "2", "a": "1"})) == "a=1,b=2"
    assert str(selector_from_map(immutables.Map({"b": "2", "a": ""}))) == "a=,b=2"
    with pytest.raises(InvalidLabel, match=r'selector: invalid label key "Bad Key"'):
        selector_from_map({"Bad Key": "v"})
    with pytest.raises(InvalidLabel):
        selector_from_map({"k": "-v"})


@given(st.dictionaries(label_keys(), label_values(), max_size=5), label_sets())
def test_selector_from_map_is_the_and_of_equalities(mapping, labels):
    sel = selector_from_map(mapping)
    assert sel.matches(labels) == all(k in labels and labels[k] == v for k, v in mapping.items())
    assert str(sel) == ",".join(f"{k}={mapping[k]}" for k in sorted(mapping))
    assert sel.matches(mapping)


@given(st.dictionaries(pool_keys(), pool_values(), min_size=1, max_size=4), label_sets())
def test_selector_from_map_matches_like_the_pool_oracle(mapping, labels):
    assert selector_from_map(mapping).matches(labels) == oracle_matches(selector_from_map(mapping), labels)


@pytest.mark.parametrize("text, expected", [
    ("", {}),
    ("x=a,x=b", {"x": "b"}),  # a later key wins (map assignment)
    ("x=", {"x": ""}),
    ("\u00a0x=a\u3000", {"x": "a"}),  # strings.TrimSpace trims Unicode spaces
    ("\tx\n=\va ", {"x": "a"}),
])
def test_convert_selector_to_labels_map(text, expected):
    assert convert_selector_to_labels_map(text) == expected


@pytest.mark.parametrize("text", [" ", ",", "x", "x==y", "x!=y", "x in (y)", "x=a=b", "x=a,", "\x1cx=a", "-x=a",
                                  "x=-a", "x=a b"])
def test_convert_selector_to_labels_map_rejects(text):
    with pytest.raises(SelectorSyntaxError):
        convert_selector_to_labels_map(text)


@given(st.dictionaries(label_keys(), label_values(), min_size=1, max_size=5), st.data())
def test_convert_selector_to_labels_map_reads_k_equals_v_lists(mapping, data):
    pad = st.text(" \t", max_size=2)
    text = ",".join(data.draw(pad) + k + data.draw(pad) + "=" + data.draw(pad) + v + data.draw(pad)
                    for k, v in mapping.items())
    assert convert_selector_to_labels_map(text) == mapping
    assert parse_selector(text) == selector_from_map(mapping)  # the same selector as labels.Parse gives


def test_errors_are_kmodel_errors():
    for exc in (InvalidLabel, InvalidLabelSelector, SelectorSyntaxError):
        assert issubclass(exc, KModelError)


def test_selector_is_hashable_and_frozen():
    sel = parse_selector("a=b")
    with pytest.raises(Exception):
        sel.requirements = ()  # type: ignore[misc]
    assert {sel: 1}[parse_selector("a = b")] == 1


@given(pool_selectors())
def test_selectors_pickle_and_copy(sel):
    assert pickle.loads(pickle.dumps(sel)) == sel
    assert copy.deepcopy(sel) == sel
    assert pickle.loads(pickle.dumps(Selector.nothing())) is Selector.nothing()
    for r in sel.requirements:
        assert pickle.loads(pickle.dumps(r)) == r


@given(pool_selectors(), pool_selectors())
def test_equality_is_canonical_string_equality(s1, s2):
    assert (s1 == s2) == (str(s1) == str(s2))
    if s1 == s2:
        assert hash(s1) == hash(s2)


@given(label_names(max_size=20))
def test_keywords_and_names_as_values(name):
    assume(name not in ("in", "notin"))
    sel = parse_selector(f"{name} in (in,notin,{name})")
    assert sel.requirements[0].values == tuple(sorted({"in", "notin", name}))


@pytest.mark.parametrize("operator", [{"x": 1}, ["In"], 3])
def test_label_selector_operator_of_the_wrong_type_is_invalid(operator):
    """A matchExpressions operator that is not a string is a clear InvalidLabelSelector (SEMANTICS 22), not a
    TypeError (found by the manifest loader's mutation tests)."""
    with pytest.raises(InvalidLabelSelector, match=r"matchExpressions\[0\]\.operator: must be a string"):
        selector_from_label_selector({"matchExpressions": [{"key": "a", "operator": operator, "values": ["b"]}]})
