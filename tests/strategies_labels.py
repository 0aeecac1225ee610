"""Hypothesis strategies for labels and selectors, built from the rules (SEMANTICS 1 to 19), not from the vectors.

Valid generators follow the grammar of SEMANTICS 1 to 6 directly; `invalid_label_keys` / `invalid_label_values`
take a valid one and break exactly one rule, returning `(kind, text)` so a test can check the reason.
The small pools (`POOL_KEYS`, `POOL_VALUES`, `LABEL_VALUES_FOR_MATCHING`) make selectors and label sets collide
often, so matching properties see both outcomes.
"""

from __future__ import annotations

import string

from hypothesis import strategies as st

from kmodel.labels import OPERATORS, Requirement, Selector

ALNUM = string.ascii_letters + string.digits
NAME_INNER = ALNUM + "-_."
LOWER_ALNUM = string.ascii_lowercase + string.digits
DNS_INNER = LOWER_ALNUM + "-"
WHITESPACE = " \t\r\n"  # the selector lexer's whitespace set (SEMANTICS 9)

# Characters outside [A-Za-z0-9_.-] and not '/', each one enough to break a name, a prefix or a value.
BAD_CHARS = " %^=@,!\\$#?*:;~+&|<>()[]{}'\"`\t\r\x00"
NON_ASCII = "éßДλ中€\u00a0\u2028٣"


@st.composite
def label_names(draw, min_size: int = 1, max_size: int = 63) -> str:
    """`([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` of the given length range (SEMANTICS 3, 6)."""
    n = draw(st.integers(min_size, max_size))
    if n == 1:
        return draw(st.sampled_from(ALNUM))
    first = draw(st.sampled_from(ALNUM))
    last = draw(st.sampled_from(ALNUM))
    middle = draw(st.text(NAME_INNER, min_size=n - 2, max_size=n - 2))
    return first + middle + last


@st.composite
def dns_labels(draw, min_size: int = 1, max_size: int = 20) -> str:
    """`[a-z0-9]([-a-z0-9]*[a-z0-9])?`."""
    n = draw(st.integers(min_size, max_size))
    if n == 1:
        return draw(st.sampled_from(LOWER_ALNUM))
    first = draw(st.sampled_from(LOWER_ALNUM))
    last = draw(st.sampled_from(LOWER_ALNUM))
    return first + draw(st.text(DNS_INNER, min_size=n - 2, max_size=n - 2)) + last


@st.composite
def dns_subdomains(draw, max_size: int = 253) -> str:
    """A lowercase DNS-1123 subdomain of at most `max_size` bytes (SEMANTICS 2). Labels have no 63 limit here."""
    labels = draw(st.lists(dns_labels(max_size=min(20, max_size)), min_size=1, max_size=5))
    out = labels[0]
    for lab in labels[1:]:
        if len(out) + 1 + len(lab) > max_size:
            break
        out += "." + lab
    return out


@st.composite
def long_dns_subdomains(draw, min_size: int, max_size: int) -> str:
    """A subdomain of a length in [min_size, max_size], dot-separated 63-character-or-shorter labels."""
    n = draw(st.integers(min_size, max_size))
    out = ""
    while len(out) < n:
        remaining = n - len(out) - (1 if out else 0)
        if remaining <= 0:
            break
        lab = draw(dns_labels(min_size=1, max_size=min(63, remaining)))
        out = (out + "." + lab) if out else lab
    while len(out) < n:  # pad the last label with a valid trailing character
        out += draw(st.sampled_from(LOWER_ALNUM))
    return out


def label_prefixes() -> st.SearchStrategy[str]:
    return st.one_of(dns_subdomains(), long_dns_subdomains(200, 253))


@st.composite
def label_keys(draw) -> str:
    """`[prefix/]name` (SEMANTICS 1 to 4)."""
    name = draw(st.one_of(label_names(max_size=12), label_names()))
    if draw(st.booleans()):
        return draw(label_prefixes()) + "/" + name
    return name


def label_values() -> st.SearchStrategy[str]:
    """Valid label values: "" or a name-shaped string of at most 63 bytes (SEMANTICS 6)."""
    return st.one_of(st.just(""), label_names(max_size=8), label_names())


def int_bounds() -> st.SearchStrategy[str]:
    """Gt/Lt bounds: decimal int64 text that is also a valid label value, leading zeros allowed (SEMANTICS 8)."""
    plain = st.integers(0, 2**63 - 1).map(str)
    padded = st.tuples(st.integers(1, 5), st.integers(0, 2**63 - 1)).map(lambda t: "0" * t[0] + str(t[1]))
    return st.one_of(plain, padded, st.sampled_from(["0", "1", "01", "10", "9223372036854775807"]))


@st.composite
def invalid_label_keys(draw) -> tuple[str, str]:
    """A valid key broken in exactly one way: (kind, key)."""
    name = draw(label_names(max_size=20))
    prefix = draw(dns_subdomains(max_size=40))
    kind = draw(st.sampled_from([
        "name too long", "prefix too long", "uppercase prefix", "bad char", "trailing newline", "leading dash",
        "three slashes", "non-ascii", "empty prefix", "empty name", "empty", "leading dot", "trailing dash",
    ]))
    if kind == "name too long":
        key = draw(label_names(min_size=64, max_size=100))
        if draw(st.booleans()):
            key = prefix + "/" + key
    elif kind == "prefix too long":
        key = draw(long_dns_subdomains(254, 300)) + "/" + name
    elif kind == "uppercase prefix":
        i = draw(st.integers(0, len(prefix)))
        key = prefix[:i] + draw(st.sampled_from(string.ascii_uppercase)) + prefix[i:] + "/" + name
    elif kind == "bad char":
        c = draw(st.sampled_from(BAD_CHARS))
        if draw(st.booleans()):
            i = draw(st.integers(0, len(name)))
            key = name[:i] + c + name[i:]
        else:
            i = draw(st.integers(0, len(prefix)))
            key = prefix[:i] + c + prefix[i:] + "/" + name
    elif kind == "trailing newline":
        key = (prefix + "/" + name if draw(st.booleans()) else name) + "\n"
    elif kind == "leading dash":
        key = ("-" + name) if draw(st.booleans()) else (prefix + "/-" + name)
    elif kind == "trailing dash":
        key = name + "-"
    elif kind == "leading dot":
        key = "." + name
    elif kind == "three slashes":
        parts = draw(st.lists(label_names(max_size=8), min_size=3, max_size=5))
        key = "/".join(parts)
    elif kind == "non-ascii":
        c = draw(st.sampled_from(NON_ASCII))
        i = draw(st.integers(0, len(name)))
        key = name[:i] + c + name[i:]
    elif kind == "empty prefix":
        key = "/" + name
    elif kind == "empty name":
        key = prefix + "/"
    else:
        key = ""
    return kind, key


@st.composite
def invalid_label_values(draw) -> tuple[str, str]:
    """A valid value broken in exactly one way: (kind, value)."""
    value = draw(label_names(max_size=20))
    kind = draw(st.sampled_from(["too long", "bad char", "trailing newline", "leading dash", "trailing dash",
                                 "non-ascii", "leading dot", "slash"]))
    if kind == "too long":
        value = draw(label_names(min_size=64, max_size=100))
    elif kind == "bad char":
        i = draw(st.integers(0, len(value)))
        value = value[:i] + draw(st.sampled_from(BAD_CHARS)) + value[i:]
    elif kind == "trailing newline":
        value = value + "\n"
    elif kind == "leading dash":
        value = "-" + value
    elif kind == "trailing dash":
        value = value + "-"
    elif kind == "leading dot":
        value = "." + value
    elif kind == "slash":
        value = value + "/" + value
    else:
        i = draw(st.integers(0, len(value)))
        value = value[:i] + draw(st.sampled_from(NON_ASCII)) + value[i:]
    return kind, value


@st.composite
def requirements(draw, keys=None, values=None, bounds=None, operators=OPERATORS) -> Requirement:
    """A valid Requirement: value counts per operator as NewRequirement demands (SEMANTICS 8, 22)."""
    keys = keys if keys is not None else label_keys()
    values = values if values is not None else label_values()
    bounds = bounds if bounds is not None else int_bounds()
    op = draw(st.sampled_from(operators))
    key = draw(keys)
    if op in ("in", "notin"):
        vals = draw(st.lists(values, min_size=1, max_size=4))
    elif op in ("=", "==", "!="):
        vals = [draw(values)]
    elif op in ("gt", "lt"):
        vals = [draw(bounds)]
    else:
        vals = []
    return Requirement(key, op, vals)


def selectors(keys=None, values=None, bounds=None, operators=OPERATORS, max_size: int = 6):
    """A Selector (Everything included; Nothing excluded since it has no string form)."""
    return st.lists(requirements(keys, values, bounds, operators), max_size=max_size).map(Selector)


# Small pools so that selectors and label sets meet.
POOL_KEYS = ["a", "b", "x", "example.com/k"]
POOL_VALUES = ["", "a", "b", "0", "1", "01", "10", "9223372036854775807"]
# Label values a matcher may be handed: valid ones plus strings that probe the int64 rule (SEMANTICS 18).
LABEL_VALUES_FOR_MATCHING = POOL_VALUES + ["+5", "-3", " 1", "1_0", "٣", "9223372036854775808",
                                           "-9223372036854775808", "v2", "A"]


def pool_keys() -> st.SearchStrategy[str]:
    return st.sampled_from(POOL_KEYS)


def pool_values() -> st.SearchStrategy[str]:
    return st.sampled_from(POOL_VALUES)


def pool_bounds() -> st.SearchStrategy[str]:
    return st.sampled_from(["0", "1", "01", "5", "10", "9223372036854775807"])


def pool_selectors(max_size: int = 5, operators=OPERATORS):
    return selectors(pool_keys(), pool_values(), pool_bounds(), operators, max_size=max_size)


def pool_requirements(operators=OPERATORS):
    return requirements(pool_keys(), pool_values(), pool_bounds(), operators)


def label_sets(keys=None, values=None) -> st.SearchStrategy[dict[str, str]]:
    keys = keys if keys is not None else pool_keys()
    values = values if values is not None else st.sampled_from(LABEL_VALUES_FOR_MATCHING)
    return st.dictionaries(keys, values, max_size=len(POOL_KEYS))


@st.composite
def spaced_selector_text(draw, selector: Selector) -> str:
    """`selector` written token by token with arbitrary whitespace between tokens (SEMANTICS 9).

    Whitespace is mandatory only between a key and `in`/`notin`, where two identifiers meet.
    """
    def ws(required: bool = False) -> str:
        return draw(st.text(WHITESPACE, min_size=1 if required else 0, max_size=3))

    parts: list[str] = [ws()]
    for i, r in enumerate(selector.requirements):
        if i:
            parts += [",", ws()]
        if r.operator == "!":
            parts += ["!", ws(), r.key]
        elif r.operator == "exists":
            parts += [r.key]
        elif r.operator in ("in", "notin"):
            parts += [r.key, ws(True), r.operator, ws(), "("]
            for j, v in enumerate(r.values):
                if j:
                    parts += [ws(), ","]
                parts += [ws(), v]
            parts += [ws(), ")"]
        else:
            sym = {"=": "=", "==": "==", "!=": "!=", "gt": ">", "lt": "<"}[r.operator]
            parts += [r.key, ws(), sym, ws(), r.values[0]]
        parts.append(ws())
    return "".join(parts)
