"""Kubernetes labels and label selectors, as apimachinery defines them (SEMANTICS 1 to 27).

What is modelled:

- label key and value validation: `content.IsLabelKey` / `IsLabelValue` and `ValidateLabels` (SEMANTICS 1 to 7),
  with the upstream reason texts;
- `Requirement` and `Selector` (`labels.Selector`): canonical `String()`, `Empty()`, `labels.Everything()` and
  `labels.Nothing()` (SEMANTICS 14, 20);
- `parse_selector`: the `labels.Parse` lexer and grammar, byte-for-byte (SEMANTICS 8 to 14);
- matching (`Requirement.Matches`, SEMANTICS 15 to 19), written once against a `LabelView` with the
  `kmodel.logic` operators so that a symbolic view can reuse the very same decision code;
- `selector_from_label_selector` (metav1.LabelSelectorAsSelector + ValidateLabelSelector, SEMANTICS 21, 22),
  `selector_from_map` (SelectorFromSet / ValidatedSelectorFromSet, SEMANTICS 23) and
  `convert_selector_to_labels_map` (labels.ConvertSelectorToLabelsMap, SEMANTICS 27).

Checked against upstream source (staging/src/k8s.io/apimachinery/pkg/labels/selector.go and labels.go,
pkg/api/validate/content/kube.go and dns.go, pkg/apis/meta/v1/helpers.go and validation/validation.go).
Where that source is more precise than SEMANTICS section 1, the source wins and the docstring says so:

- SEMANTICS 9 says "a NUL byte ends the input". Exactly: a NUL where a token would start ends the input; a NUL
  inside an identifier or right after an operator ends that token, is consumed, and lexing goes on after it
  (`Lexer.read` returns 0 for both a NUL byte and the end of the text, and only `Lex` treats 0 as the end).
  So `"x \\0,y"` is `x`, `"x\\0,y"` is `x,y` and `"x\\0y"` is an error.
- Requirements are ordered with Go's `sort.Sort` (pattern-defeating quicksort, not stable). For up to 12
  requirements that is an insertion sort, hence stable; `_go_sort_by_key` ports the Go algorithm so that the
  order of requirements sharing a key, and so `String()`, is Go's for any length.

Positions in error messages are 0-based character offsets into the text.

Length: about 1,250 lines, one module on purpose: it transcribes one upstream package
(k8s.io/apimachinery/pkg/labels: selector.go and its lexer, parser, validation and Go's sort), whose table tests
`tests/unit/test_labels*.py` reproduce; keeping the transcription whole keeps it comparable line by line.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Callable, Iterable, Mapping, Protocol, runtime_checkable

import attrs

from kmodel.errors import InvalidLabel, InvalidLabelSelector, SelectorSyntaxError
from kmodel.logic import Bool, all_of, not_

__all__ = [
    "EQUALS", "DOUBLE_EQUALS", "NOT_EQUALS", "IN", "NOT_IN", "EXISTS", "DOES_NOT_EXIST", "GREATER_THAN",
    "LESS_THAN", "OPERATORS",
    "LABEL_KEY_NAME_MAX_LENGTH", "LABEL_KEY_PREFIX_MAX_LENGTH", "LABEL_VALUE_MAX_LENGTH",
    "label_key_errors", "label_value_errors", "dns1123_subdomain_errors", "validate_labels",
    "parse_int64",
    "LabelView", "MappingView", "Requirement", "Selector",
    "parse_selector", "selector_from_label_selector", "selector_from_map", "convert_selector_to_labels_map",
    "selector_to_label_selector",
]

# ---------------------------------------------------------------------------------------------------------------
# Validation (SEMANTICS 1 to 7)
# ---------------------------------------------------------------------------------------------------------------

LABEL_KEY_NAME_MAX_LENGTH = 63  # SEMANTICS 3
LABEL_KEY_PREFIX_MAX_LENGTH = 253  # SEMANTICS 2
LABEL_VALUE_MAX_LENGTH = 63  # SEMANTICS 6

_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_ERR = ("must consist of alphanumeric characters, '-', '_' or '.', "
                  "and must start and end with an alphanumeric character")
_LABEL_VALUE_FMT = "(" + _LABEL_KEY_FMT + ")?"
_LABEL_VALUE_ERR = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                    "and must start and end with an alphanumeric character")
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_ERR = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                          "'-' or '.', and must start and end with an alphanumeric character")

# SEMANTICS 5: Go's `^...$` anchor the whole text, so these are only ever used with `fullmatch` (`re.match` with
# `$` would accept a trailing newline). The classes are spelled out in ASCII, so no non-ASCII character matches.
_LABEL_KEY_RE = re.compile(_LABEL_KEY_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    """content.RegexError, text for text (including its double spaces before ' or ')."""
    if not examples:
        return msg + " (regex used for validation is '" + fmt + "')"
    msg += " (e.g. "
    for i, ex in enumerate(examples):
        if i > 0:
            msg += " or "
        msg += "'" + ex + "', "
    return msg + "regex used for validation is '" + fmt + "')"


def _max_len_error(n: int) -> str:
    return f"must be no more than {n} bytes"


def _byte_len(s: str) -> int:
    """Go's len(string): UTF-8 bytes (SEMANTICS 5). surrogatepass so that no str makes this raise."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-8", "surrogatepass"))


def dns1123_subdomain_errors(value: str) -> list[str]:
    """content.IsDNS1123Subdomain: the label key prefix rule (SEMANTICS 2). Empty list when valid."""
    errs: list[str] = []
    if _byte_len(value) > LABEL_KEY_PREFIX_MAX_LENGTH:
        errs.append(_max_len_error(LABEL_KEY_PREFIX_MAX_LENGTH))
    if _DNS1123_SUBDOMAIN_RE.fullmatch(value) is None:
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


@functools.lru_cache(maxsize=8192)
def _label_key_errors(key: str) -> tuple[str, ...]:
    errs: list[str] = []
    parts = key.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in dns1123_subdomain_errors(prefix))
    else:
        # SEMANTICS 1: three or more parts; upstream returns at once with this text.
        return ("a valid label key " + _regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",)
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > LABEL_KEY_NAME_MAX_LENGTH:
        errs.append("name part " + _max_len_error(LABEL_KEY_NAME_MAX_LENGTH))
    if _LABEL_KEY_RE.fullmatch(name) is None:
        errs.append("name part " + _regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc"))
    return tuple(errs)


def label_key_errors(key: str) -> list[str]:
    """content.IsLabelKey (= IsQualifiedName), SEMANTICS 1 to 5: the reasons `key` is not a valid label key.

    Empty when valid. `[prefix/]name`: the optional prefix is a non-empty lowercase DNS-1123 subdomain of at most
    253 bytes; the name is 1 to 63 bytes of `[A-Za-z0-9_.-]`, starting and ending alphanumeric; 3+ parts invalid.
    """
    if not isinstance(key, str):
        return [f"must be a string, not {type(key).__name__}"]
    return list(_label_key_errors(key))


@functools.lru_cache(maxsize=8192)
def _label_value_errors(value: str) -> tuple[str, ...]:
    errs: list[str] = []
    if _byte_len(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(_max_len_error(LABEL_VALUE_MAX_LENGTH))
    if _LABEL_VALUE_RE.fullmatch(value) is None:
        errs.append(_regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return tuple(errs)


def label_value_errors(value: str) -> list[str]:
    """content.IsLabelValue, SEMANTICS 6: the reasons `value` is not a valid label value; empty when valid.

    At most 63 bytes, empty or `[A-Za-z0-9_.-]` starting and ending alphanumeric. The empty string is valid.
    """
    if not isinstance(value, str):
        return [f"must be a string, not {type(value).__name__}"]
    return list(_label_value_errors(value))


def _q(s: Any) -> str:
    """A string quoted for a message, with control characters escaped (like Go's %q)."""
    if isinstance(s, str):
        return json.dumps(s, ensure_ascii=False)
    return repr(s)


def validate_labels(labels: Mapping[str, str], where: str) -> None:
    """ValidateLabels (SEMANTICS 7): every key and value of an object's labels; raises `InvalidLabel`.

    The message names `where` (the object and field), the offending key and the reasons.
    """
    if not isinstance(labels, Mapping):
        raise InvalidLabel(f"{where}: labels must be a mapping of string keys to string values, "
                           f"not {type(labels).__name__}")
    for k, v in labels.items():
        if not isinstance(k, str):
            raise InvalidLabel(f"{where}: label key {k!r} must be a string, not {type(k).__name__}")
        if not isinstance(v, str):
            raise InvalidLabel(f"{where}[{k}]: label value {v!r} must be a string, not {type(v).__name__}")
        errs = _label_key_errors(k)
        if errs:
            raise InvalidLabel(f"{where}: invalid label key {_q(k)}: {'; '.join(errs)}")
        errs = _label_value_errors(v)
        if errs:
            raise InvalidLabel(f"{where}[{k}]: invalid label value {_q(v)}: {'; '.join(errs)}")


_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_DECIMAL_RE = re.compile(r"[+-]?[0-9]+")


def parse_int64(s: Any) -> int | None:
    """strconv.ParseInt(s, 10, 64): the int, or None when `s` is not a decimal int64 (SEMANTICS 8, 18).

    An optional sign, then one or more ASCII digits; leading zeros allowed; no spaces, no underscores; overflow
    is an error. (A selector's bound can never carry a sign, because it must also be a valid label value.)
    """
    if not isinstance(s, str) or _DECIMAL_RE.fullmatch(s) is None:
        return None
    n = int(s)
    if n < _INT64_MIN or n > _INT64_MAX:
        return None
    return n


# ---------------------------------------------------------------------------------------------------------------
# Requirements and matching (SEMANTICS 15 to 19)
# ---------------------------------------------------------------------------------------------------------------

# selection.Operator spellings.
EQUALS = "="
DOUBLE_EQUALS = "=="
NOT_EQUALS = "!="
IN = "in"
NOT_IN = "notin"
EXISTS = "exists"
DOES_NOT_EXIST = "!"
GREATER_THAN = "gt"
LESS_THAN = "lt"
OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN, EXISTS, DOES_NOT_EXIST)
_BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)


@runtime_checkable
class LabelView(Protocol):
    """How decision code reads a label set. Concrete views answer bools; a symbolic view answers Z3 terms."""

    def has(self, key: str) -> Bool:
        """The key is present (an empty value counts as present, SEMANTICS 17)."""

    def value_in(self, key: str, values: tuple[str, ...]) -> Bool:
        """The key is present and its value is one of `values`; false when absent."""

    def value_where(self, key: str, pred: Callable[[str], bool]) -> Bool:
        """The key is present and `pred(value)` holds; false when absent."""


class MappingView:
    """The `LabelView` of a concrete label set (any Mapping[str, str], e.g. a dict or an immutables.Map)."""

    __slots__ = ("_labels",)

    def __init__(self, labels: Mapping[str, str]) -> None:
        self._labels = labels

    def has(self, key: str) -> bool:
        return key in self._labels

    def value_in(self, key: str, values: tuple[str, ...]) -> bool:
        labels = self._labels
        return key in labels and labels[key] in values

    def value_where(self, key: str, pred: Callable[[str], bool]) -> bool:
        labels = self._labels
        return key in labels and bool(pred(labels[key]))

    def __repr__(self) -> str:
        return f"MappingView({dict(self._labels)!r})"


def _greater_than(bound: int) -> Callable[[str], bool]:
    def pred(value: str) -> bool:
        n = parse_int64(value)
        return n is not None and n > bound
    return pred


def _less_than(bound: int) -> Callable[[str], bool]:
    def pred(value: str) -> bool:
        n = parse_int64(value)
        return n is not None and n < bound
    return pred


def _sorted_unique(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise InvalidLabelSelector(f"requirement values must be a collection of strings, not the string {_q(values)}")
    vals = tuple(values)
    for v in vals:
        if not isinstance(v, str):
            raise InvalidLabelSelector(f"requirement values must be strings, not {type(v).__name__} ({v!r})")
    return tuple(sorted(set(vals)))


def _requirement_errors(key: str, operator: str, values: tuple[str, ...]) -> list[str]:
    """labels.NewRequirement's checks (SEMANTICS 8, 13, 22): each problem as one message."""
    errs: list[str] = []
    if not isinstance(key, str):
        return [f"key must be a string, not {type(key).__name__}"]
    kerrs = _label_key_errors(key)
    if kerrs:
        errs.append(f"invalid label key {_q(key)}: {'; '.join(kerrs)}")
    if operator in (IN, NOT_IN):
        if len(values) == 0:
            errs.append("for 'in', 'notin' operators, values set can't be empty")
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            errs.append("exact-match compatibility requires one single value")
    elif operator in (EXISTS, DOES_NOT_EXIST):
        if len(values) != 0:
            errs.append("values set must be empty for exists and does not exist")
    elif operator in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append("for 'Gt', 'Lt' operators, exactly one value is required")
        for v in values:
            if parse_int64(v) is None:
                errs.append(f"for 'Gt', 'Lt' operators, the value must be an integer (decimal int64), not {_q(v)}")
    else:
        errs.append(f"unsupported operator {_q(operator)}: supported values: "
                    + ", ".join(_q(o) for o in OPERATORS))
    for v in values:
        verrs = _label_value_errors(v)
        if verrs:
            errs.append(f"invalid label value {_q(v)} for key {_q(key)}: {'; '.join(verrs)}")
    return errs


_ABSENT = object()


def _concrete_test(key: str, op: str, values: tuple[str, ...]) -> Callable[[Mapping[str, str]], bool]:
    """A precomputed matcher for concrete mappings; must agree with `Requirement.matches_view(MappingView(m))`."""
    if op in (EQUALS, DOUBLE_EQUALS) or (op == IN and len(values) == 1):
        v = values[0]
        return lambda labels: labels.get(key, _ABSENT) == v
    if op == IN:
        vs = frozenset(values)
        return lambda labels: labels.get(key, _ABSENT) in vs
    if op == NOT_EQUALS or (op == NOT_IN and len(values) == 1):
        v = values[0]
        return lambda labels: labels.get(key, _ABSENT) != v
    if op == NOT_IN:
        vs = frozenset(values)
        return lambda labels: labels.get(key, _ABSENT) not in vs
    if op == EXISTS:
        return lambda labels: key in labels
    if op == DOES_NOT_EXIST:
        return lambda labels: key not in labels
    if op in (GREATER_THAN, LESS_THAN):
        pred = (_greater_than if op == GREATER_THAN else _less_than)(parse_int64(values[0]))  # type: ignore[arg-type]

        def test(labels: Mapping[str, str]) -> bool:
            v = labels.get(key, _ABSENT)
            return v is not _ABSENT and pred(v)  # type: ignore[arg-type]
        return test
    raise AssertionError(op)  # unreachable: operators are validated on construction


_OP_TEXT = {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", IN: " in ", NOT_IN: " notin ",
            GREATER_THAN: ">", LESS_THAN: "<"}


@attrs.frozen(repr=False)
class Requirement:
    """One `labels.Requirement`: key, selection.Operator spelling, and sorted unique values.

    Construction applies labels.NewRequirement's checks (key and values valid, value counts per operator, Gt/Lt
    bound a decimal int64) and raises `InvalidLabelSelector` when they fail.
    """

    key: str
    operator: str
    values: tuple[str, ...] = attrs.field(default=(), converter=_sorted_unique)
    _test: Callable[[Mapping[str, str]], bool] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        errs = _requirement_errors(self.key, self.operator, self.values)
        if errs:
            raise InvalidLabelSelector(f"invalid requirement {self.key!r} {self.operator!r} {list(self.values)!r}: "
                                       + "; ".join(errs))
        object.__setattr__(self, "_test", _concrete_test(self.key, self.operator, self.values))

    def matches_view(self, view: LabelView) -> Bool:
        """Requirement.Matches (SEMANTICS 15 to 19), the one decision code, over any `LabelView`.

        `=`, `==`, `in`: present and the value in the set (15). `!=`, `notin`: the negation, so an absent key
        matches (16). `exists` / `!`: present / absent (17). `gt` / `lt`: present and the value parses as a
        decimal int64 that is greater / less than the bound; absent or unparsable is false (18).
        """
        op = self.operator
        if op in (EQUALS, DOUBLE_EQUALS, IN):
            return view.value_in(self.key, self.values)
        if op in (NOT_EQUALS, NOT_IN):
            return not_(view.value_in(self.key, self.values))
        if op == EXISTS:
            return view.has(self.key)
        if op == DOES_NOT_EXIST:
            return not_(view.has(self.key))
        bound = parse_int64(self.values[0])
        assert bound is not None
        if op == GREATER_THAN:
            return view.value_where(self.key, _greater_than(bound))
        return view.value_where(self.key, _less_than(bound))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """`matches_view(MappingView(labels))`, precomputed for concrete mappings."""
        return self._test(labels)

    def __str__(self) -> str:
        """Requirement.String(): `!k`, `k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k>n`, `k<n`."""
        op = self.operator
        if op == DOES_NOT_EXIST:
            return "!" + self.key
        if op == EXISTS:
            return self.key
        if op in (IN, NOT_IN):
            return self.key + _OP_TEXT[op] + "(" + ",".join(self.values) + ")"
        return self.key + _OP_TEXT[op] + self.values[0]

    def __repr__(self) -> str:
        return f"Requirement({self.key!r}, {self.operator!r}, {self.values!r})"

    def __reduce__(self) -> tuple:
        return (Requirement, (self.key, self.operator, self.values))


# ---------------------------------------------------------------------------------------------------------------
# Go's sort.Sort (pdqsort), so that requirements sharing a key come out in Go's order (SEMANTICS 14)
# ---------------------------------------------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1


class _GoSort:
    """A port of Go's sort.Sort (src/sort/zsortinterface.go, Go 1.19 and later) over `keys`, swapping `items` too.

    Only the keys are compared (`Less(i, j) = keys[i] < keys[j]`), exactly like `labels.ByKey`.
    """

    __slots__ = ("keys", "items")

    def __init__(self, keys: list, items: list) -> None:
        self.keys = keys
        self.items = items

    def less(self, i: int, j: int) -> bool:
        return self.keys[i] < self.keys[j]

    def swap(self, i: int, j: int) -> None:
        k, it = self.keys, self.items
        k[i], k[j] = k[j], k[i]
        it[i], it[j] = it[j], it[i]

    def sort(self) -> None:
        n = len(self.keys)
        if n <= 1:
            return
        self.pdqsort(0, n, n.bit_length())

    def insertion_sort(self, a: int, b: int) -> None:
        for i in range(a + 1, b):
            j = i
            while j > a and self.less(j, j - 1):
                self.swap(j, j - 1)
                j -= 1

    def sift_down(self, lo: int, hi: int, first: int) -> None:
        root = lo
        while True:
            child = 2 * root + 1
            if child >= hi:
                return
            if child + 1 < hi and self.less(first + child, first + child + 1):
                child += 1
            if not self.less(first + root, first + child):
                return
            self.swap(first + root, first + child)
            root = child

    def heap_sort(self, a: int, b: int) -> None:
        first, lo, hi = a, 0, b - a
        for i in range((hi - 1) // 2, -1, -1):
            self.sift_down(i, hi, first)
        for i in range(hi - 1, -1, -1):
            self.swap(first, first + i)
            self.sift_down(lo, i, first)

    def pdqsort(self, a: int, b: int, limit: int) -> None:
        was_balanced = True
        was_partitioned = True
        while True:
            length = b - a
            if length <= 12:
                self.insertion_sort(a, b)
                return
            if limit == 0:
                self.heap_sort(a, b)
                return
            if not was_balanced:
                self.break_patterns(a, b)
                limit -= 1
            pivot, hint = self.choose_pivot(a, b)
            if hint == 2:  # decreasingHint
                self.reverse_range(a, b)
                pivot = (b - 1) - (pivot - a)
                hint = 1
            if was_balanced and was_partitioned and hint == 1:  # increasingHint
                if self.partial_insertion_sort(a, b):
                    return
            if a > 0 and not self.less(a - 1, pivot):
                a = self.partition_equal(a, b, pivot)
                continue
            mid, already = self.partition(a, b, pivot)
            was_partitioned = already
            left_len, right_len = mid - a, b - mid
            balance_threshold = length // 8
            if left_len < right_len:
                was_balanced = left_len >= balance_threshold
                self.pdqsort(a, mid, limit)
                a = mid + 1
            else:
                was_balanced = right_len >= balance_threshold
                self.pdqsort(mid + 1, b, limit)
                b = mid

    def partition(self, a: int, b: int, pivot: int) -> tuple[int, bool]:
        self.swap(a, pivot)
        i, j = a + 1, b - 1
        while i <= j and self.less(i, a):
            i += 1
        while i <= j and not self.less(j, a):
            j -= 1
        if i > j:
            self.swap(j, a)
            return j, True
        self.swap(i, j)
        i += 1
        j -= 1
        while True:
            while i <= j and self.less(i, a):
                i += 1
            while i <= j and not self.less(j, a):
                j -= 1
            if i > j:
                break
            self.swap(i, j)
            i += 1
            j -= 1
        self.swap(j, a)
        return j, False

    def partition_equal(self, a: int, b: int, pivot: int) -> int:
        self.swap(a, pivot)
        i, j = a + 1, b - 1
        while True:
            while i <= j and not self.less(a, i):
                i += 1
            while i <= j and self.less(a, j):
                j -= 1
            if i > j:
                break
            self.swap(i, j)
            i += 1
            j -= 1
        return i

    def partial_insertion_sort(self, a: int, b: int) -> bool:
        max_steps, shortest_shifting = 5, 50
        i = a + 1
        for _ in range(max_steps):
            while i < b and not self.less(i, i - 1):
                i += 1
            if i == b:
                return True
            if b - a < shortest_shifting:
                return False
            self.swap(i, i - 1)
            if i - a >= 2:
                j = i - 1
                while j >= 1:  # sic: Go compares with 1, not a
                    if not self.less(j, j - 1):
                        break
                    self.swap(j, j - 1)
                    j -= 1
            if b - i >= 2:
                for j in range(i + 1, b):
                    if not self.less(j, j - 1):
                        break
                    self.swap(j, j - 1)
        return False

    def break_patterns(self, a: int, b: int) -> None:
        length = b - a
        if length >= 8:
            random = length  # xorshift(length)
            modulus = 1 << length.bit_length()  # nextPowerOfTwo
            base = a + (length // 4) * 2
            for idx in range(base - 1, base + 2):
                random ^= (random << 13) & _MASK64
                random ^= random >> 7
                random ^= (random << 17) & _MASK64
                other = random & (modulus - 1)
                if other >= length:
                    other -= length
                self.swap(idx, a + other)

    def choose_pivot(self, a: int, b: int) -> tuple[int, int]:
        shortest_ninther, max_swaps = 50, 4 * 3
        length = b - a
        swaps = [0]
        i = a + length // 4 * 1
        j = a + length // 4 * 2
        k = a + length // 4 * 3
        if length >= 8:
            if length >= shortest_ninther:
                i = self.median(i - 1, i, i + 1, swaps)
                j = self.median(j - 1, j, j + 1, swaps)
                k = self.median(k - 1, k, k + 1, swaps)
            j = self.median(i, j, k, swaps)
        if swaps[0] == 0:
            return j, 1
        if swaps[0] == max_swaps:
            return j, 2
        return j, 0

    def order2(self, a: int, b: int, swaps: list[int]) -> tuple[int, int]:
        if self.less(b, a):
            swaps[0] += 1
            return b, a
        return a, b

    def median(self, a: int, b: int, c: int, swaps: list[int]) -> int:
        a, b = self.order2(a, b, swaps)
        b, c = self.order2(b, c, swaps)
        a, b = self.order2(a, b, swaps)
        return b

    def reverse_range(self, a: int, b: int) -> None:
        i, j = a, b - 1
        while i < j:
            self.swap(i, j)
            i += 1
            j -= 1


def _go_sort_by_key(items: Iterable[Any], key: Callable[[Any], Any]) -> list:
    """`items` in the order Go's `sort.Sort` leaves them when Less compares `key(item)` (not stable for n > 12)."""
    items = list(items)
    if len(items) > 1:
        _GoSort([key(x) for x in items], items).sort()
    return items


def _requirement_key(r: Requirement) -> str:
    return r.key


def _sort_requirements(reqs: Iterable[Requirement]) -> tuple[Requirement, ...]:
    reqs = tuple(reqs)
    for r in reqs:
        if not isinstance(r, Requirement):
            raise InvalidLabelSelector(f"a selector is made of Requirements, not {type(r).__name__} ({r!r})")
    if len(reqs) <= 1:
        return reqs
    return tuple(_go_sort_by_key(reqs, _requirement_key))


# ---------------------------------------------------------------------------------------------------------------
# Selector (SEMANTICS 14, 20)
# ---------------------------------------------------------------------------------------------------------------


def _false(labels: Mapping[str, str]) -> bool:
    return False


@attrs.frozen(eq=False, repr=False)
class Selector:
    """A `labels.Selector`: the AND of its requirements, kept in Go's key order (SEMANTICS 14).

    `Selector.everything()` (no requirements, `empty`) matches every label set; `Selector.nothing()`
    (`labels.Nothing()`, `is_nothing`) matches none. Both print as "" like Go's `String()`; they stay distinct
    through the `matches_nothing` flag, which equality includes. Otherwise two selectors are equal iff their
    canonical strings are. Constructing from requirements sorts them as `internalSelector.Add` does.
    """

    requirements: tuple[Requirement, ...] = attrs.field(default=(), converter=_sort_requirements)
    matches_nothing: bool = attrs.field(default=False, converter=bool)
    _text: str = attrs.field(init=False, repr=False)
    _hash: int = attrs.field(init=False, repr=False)
    _tests: tuple[Callable[[Mapping[str, str]], bool], ...] = attrs.field(init=False, repr=False)
    _pairs: tuple[tuple[str, str], ...] | None = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.matches_nothing and self.requirements:
            raise InvalidLabelSelector("labels.Nothing() has no requirements")
        text = ",".join(str(r) for r in self.requirements)
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_hash", hash((self.matches_nothing, text)))
        tests = (_false,) if self.matches_nothing else tuple(r._test for r in self.requirements)
        object.__setattr__(self, "_tests", tests)
        # The common case (Service and RC selectors, matchLabels): only single-value equalities.
        pairs = None
        if not self.matches_nothing and all(
                r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1 for r in self.requirements):
            pairs = tuple((r.key, r.values[0]) for r in self.requirements)
        object.__setattr__(self, "_pairs", pairs)

    @classmethod
    def everything(cls) -> Selector:
        """labels.Everything(): matches every label set (SEMANTICS 20)."""
        return _EVERYTHING

    @classmethod
    def nothing(cls) -> Selector:
        """labels.Nothing(): matches no label set (SEMANTICS 20, 21)."""
        return _NOTHING

    @property
    def empty(self) -> bool:
        """Selector.Empty(): true for Everything (no requirements), false for Nothing."""
        return not self.matches_nothing and not self.requirements

    @property
    def is_nothing(self) -> bool:
        """labels.MatchesNothing: true only for Nothing(); contradictions like `a,!a` are not detected (SEMANTICS 14)."""
        return self.matches_nothing

    def add(self, *requirements: Requirement) -> Selector:
        """Selector.Add: a new selector with more requirements, re-sorted by key; Nothing stays Nothing."""
        if self.matches_nothing:
            return self
        return Selector(self.requirements + tuple(requirements))

    def matches_view(self, view: LabelView) -> Bool:
        """Selector.Matches over any `LabelView`: the AND of the requirements; false for Nothing."""
        if self.matches_nothing:
            return False
        return all_of(*(r.matches_view(view) for r in self.requirements))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Selector.Matches on a concrete label set; same answer as `matches_view(MappingView(labels))`."""
        pairs = self._pairs
        if pairs is not None:
            get = labels.get
            for key, value in pairs:
                if get(key, _ABSENT) != value:
                    return False
            return True
        for test in self._tests:
            if not test(labels):
                return False
        return True

    def __str__(self) -> str:
        """Selector.String(): the canonical form, e.g. `a=b,c!=d,x in (a,b),!y,z>1`; "" for Everything and Nothing."""
        return self._text

    def __repr__(self) -> str:
        if self.matches_nothing:
            return "Selector.nothing()"
        return f"parse_selector({self._text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Selector):
            return NotImplemented
        return self._hash == other._hash and self.matches_nothing == other.matches_nothing \
            and self._text == other._text

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple:
        if self.matches_nothing:
            return (Selector.nothing, ())
        if not self.requirements:
            return (Selector.everything, ())
        return (Selector, (self.requirements,))


_EVERYTHING = Selector()
_NOTHING = Selector(matches_nothing=True)

# ---------------------------------------------------------------------------------------------------------------
# labels.Parse (SEMANTICS 8 to 14)
# ---------------------------------------------------------------------------------------------------------------

# Token kinds (selector.go's Token constants).
_ERROR, _EOS, _CLOSE, _COMMA, _NOT, _DEQ, _EQ, _GT, _IDENT, _IN, _LT, _NEQ, _NOTIN, _OPEN = range(14)
_STRING2TOKEN = {")": _CLOSE, ",": _COMMA, "!": _NOT, "==": _DEQ, "=": _EQ, ">": _GT, "in": _IN, "<": _LT,
                 "!=": _NEQ, "notin": _NOTIN, "(": _OPEN}
_WHITESPACE = frozenset(" \t\r\n")  # isWhitespace
_SPECIAL = frozenset("=!(),><")  # isSpecialSymbol
_NUL = "\0"


def _lex(s: str) -> list[tuple[int, str, int]]:
    """Lexer.Lex until EndOfStringToken: (token, literal, start position) triples.

    A port of selector.go's Lexer on characters instead of bytes, which is the same thing here: every byte the
    lexer tests for is ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII.
    """
    items: list[tuple[int, str, int]] = []
    n = len(s)
    pos = 0
    while True:
        # skipWhiteSpaces(read()): read() yields NUL both for a NUL character (consumed) and past the end.
        while True:
            start = pos
            if pos < n:
                ch = s[pos]
                pos += 1
            else:
                ch = _NUL
            if ch not in _WHITESPACE:
                break
        if ch == _NUL:
            items.append((_EOS, "", start))
            return items
        pos -= 1  # unread
        if ch in _SPECIAL:
            # scanSpecialSymbol: longest run of special characters that is still a token.
            buf = ""
            last: tuple[int, str] | None = None
            while True:
                if pos < n:
                    ch = s[pos]
                    pos += 1
                else:
                    ch = _NUL
                if ch == _NUL:
                    break
                if ch in _SPECIAL:
                    buf += ch
                    tok = _STRING2TOKEN.get(buf)
                    if tok is not None:
                        last = (tok, buf)
                    elif last is not None:
                        pos -= 1
                        break
                else:
                    pos -= 1
                    break
            if last is None:  # unreachable: every single special character is a token
                items.append((_ERROR, f"error expected: keyword found '{buf}'", start))
            else:
                items.append((last[0], last[1], start))
        else:
            # scanIDOrKeyword: up to a special character or whitespace (left unread) or a NUL (consumed).
            chars: list[str] = []
            while True:
                if pos < n:
                    ch = s[pos]
                    pos += 1
                else:
                    ch = _NUL
                if ch == _NUL:
                    break
                if ch in _SPECIAL or ch in _WHITESPACE:
                    pos -= 1
                    break
                chars.append(ch)
            lit = "".join(chars)
            items.append((_STRING2TOKEN.get(lit, _IDENT), lit, start))


class _ParseError(Exception):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def _shown(tok: int, lit: str) -> str:
    return "end of string" if tok == _EOS else lit


_KEY_AND_OPERATOR, _VALUES = 0, 1


class _Parser:
    """selector.go's Parser: recursive descent over the scanned tokens, same lookahead rules and messages."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.position = 0

    def lookahead(self, context: int) -> tuple[int, str, int]:
        tok, lit, pos = self.items[self.position]
        if context == _VALUES and tok in (_IN, _NOTIN):
            tok = _IDENT
        return tok, lit, pos

    def consume(self, context: int) -> tuple[int, str, int]:
        item = self.lookahead(context)
        self.position += 1
        return item

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            tok, lit, pos = self.lookahead(_VALUES)
            if tok in (_IDENT, _NOT):
                try:
                    requirements.append(self.parse_requirement())
                except _ParseError as e:
                    raise _ParseError("unable to parse requirement: " + e.message, e.position) from None
                t, lit2, pos2 = self.consume(_VALUES)
                if t == _EOS:
                    return requirements
                if t == _COMMA:
                    t3, lit3, pos3 = self.lookahead(_VALUES)
                    if t3 not in (_IDENT, _NOT):
                        raise _ParseError(f"found '{_shown(t3, lit3)}', expected: identifier after ','", pos3)
                else:
                    raise _ParseError(f"found '{_shown(t, lit2)}', expected: ',' or 'end of string'", pos2)
            elif tok == _EOS:
                return requirements
            else:
                raise _ParseError(f"found '{_shown(tok, lit)}', expected: !, identifier, or 'end of string'", pos)

    def parse_requirement(self) -> Requirement:
        key, key_pos, operator = self.parse_key_and_infer_operator()
        if operator in (EXISTS, DOES_NOT_EXIST):
            return self.new_requirement(key, key_pos, operator, {})
        operator = self.parse_operator()
        if operator in (IN, NOT_IN):
            values = self.parse_values()
        else:
            values = self.parse_exact_value()
        return self.new_requirement(key, key_pos, operator, values)

    def parse_key_and_infer_operator(self) -> tuple[str, int, str | None]:
        operator: str | None = None
        tok, lit, pos = self.consume(_VALUES)
        if tok == _NOT:
            operator = DOES_NOT_EXIST
            tok, lit, pos = self.consume(_VALUES)
        if tok != _IDENT:
            raise _ParseError(f"found '{_shown(tok, lit)}', expected: identifier", pos)
        errs = _label_key_errors(lit)
        if errs:
            raise _ParseError(f"invalid label key {_q(lit)}: {'; '.join(errs)}", pos)
        t, _, _ = self.lookahead(_VALUES)
        if t in (_EOS, _COMMA) and operator != DOES_NOT_EXIST:
            operator = EXISTS
        # As upstream: `!key` followed by anything but ',' or the end yields `!key`, and the caller then
        # fails on the next token (so `!x=a` is an error, SEMANTICS 10).
        return lit, pos, operator

    def parse_operator(self) -> str:
        tok, lit, pos = self.consume(_KEY_AND_OPERATOR)
        op = {_IN: IN, _EQ: EQUALS, _DEQ: DOUBLE_EQUALS, _GT: GREATER_THAN, _LT: LESS_THAN, _NOTIN: NOT_IN,
              _NEQ: NOT_EQUALS}.get(tok)
        if op is None:
            raise _ParseError(f"found '{_shown(tok, lit)}', expected: {', '.join(_BINARY_OPERATORS)}", pos)
        return op

    def parse_values(self) -> dict[str, int]:
        """`( list )`; the set of values, each with the position where it first appeared (SEMANTICS 11)."""
        tok, lit, pos = self.consume(_VALUES)
        if tok != _OPEN:
            raise _ParseError(f"found '{_shown(tok, lit)}' expected: '('", pos)
        tok, lit, pos = self.lookahead(_VALUES)
        if tok in (_IDENT, _COMMA):
            s = self.parse_identifiers_list()
            tok2, lit2, pos2 = self.consume(_VALUES)
            if tok2 != _CLOSE:  # unreachable, as upstream: the list only returns before a ')'
                raise _ParseError(f"found '{_shown(tok2, lit2)}', expected: ')'", pos2)
            return s
        if tok == _CLOSE:
            self.consume(_VALUES)
            return {"": pos}  # `()` is {""}, not the empty set
        raise _ParseError(f"found '{_shown(tok, lit)}', expected: ',', ')' or identifier", pos)

    def parse_identifiers_list(self) -> dict[str, int]:
        s: dict[str, int] = {}
        while True:
            tok, lit, pos = self.consume(_VALUES)
            if tok == _IDENT:
                s.setdefault(lit, pos)
                tok2, lit2, pos2 = self.lookahead(_VALUES)
                if tok2 == _COMMA:
                    continue
                if tok2 == _CLOSE:
                    return s
                raise _ParseError(f"found '{_shown(tok2, lit2)}', expected: ',' or ')'", pos2)
            if tok == _COMMA:
                if not s:
                    s.setdefault("", pos)  # "(,"
                tok2, _, pos2 = self.lookahead(_VALUES)
                if tok2 == _CLOSE:
                    s.setdefault("", pos2)  # ",)"
                    return s
                if tok2 == _COMMA:
                    s.setdefault("", pos2)  # ",,"
                continue
            raise _ParseError(f"found '{_shown(tok, lit)}', expected: ',', or identifier", pos)

    def parse_exact_value(self) -> dict[str, int]:
        tok, _, pos = self.lookahead(_VALUES)
        if tok in (_EOS, _COMMA):
            return {"": pos}  # `x=`, `x==`, `x!=` compare with "" (SEMANTICS 12)
        tok, lit, pos = self.consume(_VALUES)
        if tok == _IDENT:
            return {lit: pos}
        raise _ParseError(f"found '{_shown(tok, lit)}', expected: identifier", pos)

    @staticmethod
    def new_requirement(key: str, key_pos: int, operator: str, values: dict[str, int]) -> Requirement:
        """NewRequirement on parsed values: the key is already valid; values are checked (SEMANTICS 8, 13)."""
        vals = tuple(sorted(values))
        errs = _requirement_errors(key, operator, vals)
        if errs:
            bad = [values[v] for v in vals if _label_value_errors(v)
                   or (operator in (GREATER_THAN, LESS_THAN) and parse_int64(v) is None)]
            raise _ParseError("; ".join(errs), min(bad) if bad else key_pos)
        return Requirement(key, operator, vals)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Selector:
    try:
        requirements = _Parser(text).parse()
    except _ParseError as e:
        err = SelectorSyntaxError(f"{e.message} in {_q(text)} at position {e.position}")
        err.text = text  # type: ignore[attr-defined]
        err.position = e.position  # type: ignore[attr-defined]
        raise err from None
    if not requirements:
        return _EVERYTHING
    return Selector(requirements)


def parse_selector(text: str) -> Selector:
    """labels.Parse (SEMANTICS 8 to 14): the selector a string denotes, or `SelectorSyntaxError`.

    The error message names what was found, what was expected and the 0-based position, e.g.
    `unable to parse requirement: found 'end of string', expected: ',' or ')' in "a in (b" at position 7`;
    the exception also carries `.text` and `.position`. "" and whitespace-only text give Everything.
    """
    if not isinstance(text, str):
        raise SelectorSyntaxError(f"a selector must be a string, not {type(text).__name__} ({text!r})")
    return _parse_cached(text)


# ---------------------------------------------------------------------------------------------------------------
# metav1.LabelSelector, label maps, ConvertSelectorToLabelsMap (SEMANTICS 21 to 23, 27)
# ---------------------------------------------------------------------------------------------------------------

_LS_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}
_LS_FIELDS = ("matchLabels", "matchExpressions")
_LSR_FIELDS = ("key", "operator", "values")


def _is_list(x: Any) -> bool:
    return isinstance(x, (list, tuple))


def selector_from_label_selector(obj: Mapping[str, Any] | None) -> Selector:
    """metav1.LabelSelectorAsSelector with ValidateLabelSelector (SEMANTICS 21, 22).

    `None` (a nil pointer) is Nothing. `{}`, or empty `matchLabels` and `matchExpressions`, is Everything.
    `matchLabels` become `=` requirements; `matchExpressions` take In, NotIn (non-empty `values`), Exists and
    DoesNotExist (no `values`) only: Gt and Lt exist only in node selectors and the string syntax. Keys and values
    are validated. Raises `InvalidLabelSelector` naming each bad field path, e.g.
    `matchExpressions[0].values: must be specified when operator is "In"`.
    """
    if obj is None:
        return _NOTHING
    if not isinstance(obj, Mapping):
        raise InvalidLabelSelector(f"a label selector must be a mapping with matchLabels and/or matchExpressions, "
                                   f"not {type(obj).__name__} ({obj!r})")
    errs: list[str] = []
    for field in obj:
        if field not in _LS_FIELDS:
            errs.append(f"{field}: unknown field (a label selector has only matchLabels and matchExpressions)")
    match_labels = obj.get("matchLabels")
    if match_labels is None:
        match_labels = {}
    elif not isinstance(match_labels, Mapping):
        errs.append(f"matchLabels: must be a mapping of label keys to values, not {type(match_labels).__name__}")
        match_labels = {}
    exprs = obj.get("matchExpressions")
    if exprs is None:
        exprs = []
    elif not _is_list(exprs):
        errs.append(f"matchExpressions: must be a list, not {type(exprs).__name__}")
        exprs = []

    reqs: list[Requirement] = []
    for k in sorted(match_labels, key=lambda x: (not isinstance(x, str), str(x))):
        v = match_labels[k]
        path = f"matchLabels[{k}]"
        if not isinstance(k, str):
            errs.append(f"{path}: label key must be a string, not {type(k).__name__}")
            continue
        if not isinstance(v, str):
            errs.append(f"{path}: label value must be a string, not {type(v).__name__} ({v!r})")
            continue
        kerrs = _label_key_errors(k)
        if kerrs:
            errs.append(f"{path}: invalid label key {_q(k)}: {'; '.join(kerrs)}")
        verrs = _label_value_errors(v)
        if verrs:
            errs.append(f"{path}: invalid label value {_q(v)}: {'; '.join(verrs)}")
        if not kerrs and not verrs:
            reqs.append(Requirement(k, EQUALS, (v,)))

    for i, expr in enumerate(exprs):
        path = f"matchExpressions[{i}]"
        if not isinstance(expr, Mapping):
            errs.append(f"{path}: must be a mapping with key, operator and values, not {type(expr).__name__}")
            continue
        bad = False
        for field in expr:
            if field not in _LSR_FIELDS:
                errs.append(f"{path}.{field}: unknown field (a requirement has only key, operator and values)")
                bad = True
        key = expr.get("key")
        if key is None:
            errs.append(f"{path}.key: Required value")
            bad = True
        elif not isinstance(key, str):
            errs.append(f"{path}.key: must be a string, not {type(key).__name__}")
            bad = True
        else:
            kerrs = _label_key_errors(key)
            if kerrs:
                errs.append(f"{path}.key: invalid label key {_q(key)}: {'; '.join(kerrs)}")
                bad = True
        operator = expr.get("operator")
        values = expr.get("values")
        if values is None:
            values = []
        elif not _is_list(values):
            errs.append(f"{path}.values: must be a list of strings, not {type(values).__name__}")
            values = []
            bad = True
        if operator is None:
            errs.append(f"{path}.operator: Required value")
            bad = True
        elif not isinstance(operator, str):
            errs.append(f"{path}.operator: must be a string, not {type(operator).__name__}")
            bad = True
        elif operator not in _LS_OPERATORS:
            why = (" (Gt and Lt exist only in node selectors and the selector string syntax)"
                   if operator in ("Gt", "Lt") else "")
            errs.append(f"{path}.operator: Unsupported value: {_q(operator)}: supported values: "
                        f"\"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"{why}")
            bad = True
        elif operator in ("In", "NotIn") and len(values) == 0:
            errs.append(f"{path}.values: must be specified when operator is {_q(operator)}")
            bad = True
        elif operator in ("Exists", "DoesNotExist") and len(values) > 0:
            errs.append(f"{path}.values: may not be specified when operator is {_q(operator)}")
            bad = True
        for j, v in enumerate(values):
            if not isinstance(v, str):
                errs.append(f"{path}.values[{j}]: must be a string, not {type(v).__name__} ({v!r})")
                bad = True
                continue
            verrs = _label_value_errors(v)
            if verrs:
                errs.append(f"{path}.values[{j}]: invalid label value {_q(v)}: {'; '.join(verrs)}")
                bad = True
        if not bad:
            reqs.append(Requirement(key, _LS_OPERATORS[operator], tuple(values)))

    if errs:
        raise InvalidLabelSelector("; ".join(errs))
    if not reqs:
        return _EVERYTHING
    return Selector(reqs)


def selector_from_map(mapping: Mapping[str, str] | None) -> Selector:
    """labels.ValidatedSelectorFromSet (SEMANTICS 23): `=` terms; None or {} is Everything; bad labels raise
    `InvalidLabel`."""
    if mapping is None:
        return _EVERYTHING
    validate_labels(mapping, "selector")
    if not mapping:
        return _EVERYTHING
    return Selector(Requirement(k, EQUALS, (v,)) for k, v in mapping.items())


# strings.TrimSpace: unicode.IsSpace (Python's str.strip() would also trim \x1c to \x1f).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"


def convert_selector_to_labels_map(text: str) -> dict[str, str]:
    """labels.ConvertSelectorToLabelsMap (SEMANTICS 27): the strict `k=v,k=v` form, NOT `labels.Parse`.

    "" is {}. Otherwise split on ',', each part split on '=' into exactly two, key and value trimmed of
    whitespace and validated; a later duplicate key wins. Anything else raises `SelectorSyntaxError`, so `x`,
    `x!=y`, `x==y`, `x in (y)` and `,` are all rejected.
    """
    if not isinstance(text, str):
        raise SelectorSyntaxError(f"a selector must be a string, not {type(text).__name__} ({text!r})")
    result: dict[str, str] = {}
    if len(text) == 0:
        return result
    for label in text.split(","):
        parts = label.split("=")
        if len(parts) != 2:
            raise SelectorSyntaxError(f"invalid selector: [{' '.join(parts)}] in {_q(text)}: "
                                      "each term must be exactly one key=value")
        key = parts[0].strip(_GO_SPACE)
        kerrs = _label_key_errors(key)
        if kerrs:
            raise SelectorSyntaxError(f"invalid label key {_q(key)} in {_q(text)}: {'; '.join(kerrs)}")
        value = parts[1].strip(_GO_SPACE)
        verrs = _label_value_errors(value)
        if verrs:
            raise SelectorSyntaxError(f"invalid label value {_q(value)} for key {_q(key)} in {_q(text)}: "
                                      f"{'; '.join(verrs)}")
        result[key] = value
    return result


_TO_LS_OPERATOR = {IN: "In", NOT_IN: "NotIn", NOT_EQUALS: "NotIn", EXISTS: "Exists",
                   DOES_NOT_EXIST: "DoesNotExist"}


def selector_to_label_selector(selector: Selector) -> dict[str, Any] | None:
    """A metav1.LabelSelector (as a dict) that selects exactly what `selector` selects.

    Nothing is None; Everything is {}. `=`/`==` become matchLabels (a second equality on the same key becomes an
    In expression), `in`/`notin`/`exists`/`!` the matching expressions, and `k!=v` the equivalent `k notin (v)`.
    `gt`/`lt` have no LabelSelector form (SEMANTICS 21) and raise `InvalidLabelSelector`.
    """
    if selector.matches_nothing:
        return None
    match_labels: dict[str, str] = {}
    exprs: list[dict[str, Any]] = []
    for r in selector.requirements:
        if r.operator in (EQUALS, DOUBLE_EQUALS) and r.key not in match_labels:
            match_labels[r.key] = r.values[0]
        elif r.operator in (EQUALS, DOUBLE_EQUALS):
            exprs.append({"key": r.key, "operator": "In", "values": list(r.values)})
        elif r.operator in _TO_LS_OPERATOR:
            expr: dict[str, Any] = {"key": r.key, "operator": _TO_LS_OPERATOR[r.operator]}
            if r.values:
                expr["values"] = list(r.values)
            exprs.append(expr)
        else:
            raise InvalidLabelSelector(f"{_q(str(r))}: operator {_q(r.operator)} has no metav1.LabelSelector form "
                                       "(Gt and Lt exist only in node selectors and the selector string syntax)")
    out: dict[str, Any] = {}
    if match_labels:
        out["matchLabels"] = match_labels
    if exprs:
        out["matchExpressions"] = exprs
    return out
