"""The proof framework: named proofs, their verdicts, and the one way a claim is sent to Z3 (DESIGN principle 7).

A proof is a function registered with `@proof(name)`, like an invariant. It builds claims by running the
project's decision functions on symbolic inputs (`invariants.smt.domains`) and hands each claim to
`ProofContext.check`, which asks Z3 for a counterexample:

- `unsat`: the claim holds for every input of the encoding: `Proved`.
- `sat`: the model is decoded into concrete objects (the witness) and REPLAYED through the concrete code; only a
  witness on which the concrete code really breaks the claim is reported, as `Counterexample(witness)`. A witness
  that does not replay means the encoding and the code disagree: `EncodingError` is raised, loudly, because a
  proof about a wrong encoding proves nothing.
- `unknown` (including a timeout or a spent budget): `Inconclusive(reason)`. Never a pass.

Each proof gets one time budget (`timeout_ms`) for all its solver calls; an obligation reached after the budget is
spent is Inconclusive without being sent. `run(names, timeout_ms)` runs proofs and times them.

A proof names the registry invariants (`invariants.registry()`) that check the same behaviour in the other
engines (`@proof(name, rules=..., invariants=...)`), so a counterexample says which rule the bug breaks (issue 18
item 6). The names are checked against the registry when proofs run (the registry can grow after import): an
unknown one raises `UnknownProofInvariant` before anything runs.
"""

from __future__ import annotations

import importlib
import time
from typing import Any, Callable, Iterable, Iterator, Mapping

import attrs
import z3

from invariants.registry import registry
from kmodel.errors import KModelError

__all__ = [
    "Proved", "Counterexample", "Inconclusive", "Verdict", "PROVED", "ProofResult", "Proof", "ProofContext",
    "EncodingError", "UnknownProof", "ProofInconclusive", "proof", "proofs", "get", "run", "combine",
    "DEFAULT_TIMEOUT_MS", "exit_code", "UnknownProofInvariant", "check_invariant_names",
]

DEFAULT_TIMEOUT_MS = 20_000


@attrs.frozen
class Proved:
    """The claim holds for every input the encoding covers."""

    kind = "proved"

    @property
    def witness(self) -> None:
        return None


@attrs.frozen
class Counterexample:
    """Z3 found an input that breaks the claim, and the concrete code, run on it, breaks it too."""

    witness: Any
    kind = "counterexample"


@attrs.frozen
class Inconclusive:
    """Z3 answered unknown, timed out, or the budget was spent first. Never a pass."""

    reason: str
    kind = "inconclusive"

    @property
    def witness(self) -> None:
        return None


Verdict = Proved | Counterexample | Inconclusive
PROVED = Proved()


class EncodingError(AssertionError):
    """A Z3 counterexample that does not replay through the concrete code: the encoding is wrong."""


class UnknownProof(KModelError):
    """A proof name that is not registered; the message lists the known ones."""

    def __init__(self, names: Iterable[str], known: Iterable[str]) -> None:
        self.names = tuple(names)
        self.known = tuple(sorted(known))
        super().__init__(f"unknown proof{'s' if len(self.names) > 1 else ''} "
                         f"{', '.join(repr(n) for n in self.names)}; known proofs: {', '.join(self.known)}")


class UnknownProofInvariant(KModelError):
    """A proof names an invariant that `invariants.registry()` does not hold; the message lists each one."""

    def __init__(self, unknown: Mapping[str, Iterable[str]]) -> None:
        self.unknown = {p: tuple(names) for p, names in unknown.items()}
        parts = [f"proof {p!r} names unknown invariant{'s' if len(n) > 1 else ''} {', '.join(repr(x) for x in n)}"
                 for p, n in self.unknown.items()]
        super().__init__("; ".join(parts) + " (see `kmodel check --list` for the registered invariants)")


class ProofInconclusive(RuntimeError):
    """Raised by the question-answering helpers (e.g. `kmodel.labels.overlap`) when Z3 cannot decide."""


@attrs.frozen
class ProofResult:
    """One proof's outcome: its name, the verdict, the wall time in seconds, and the concrete witness (or None)."""

    name: str
    verdict: Verdict
    seconds: float
    witness: Any = None
    invariants: tuple[str, ...] = ()  # the registry invariants that check the same behaviour
    rules: tuple[str, ...] = ()  # the SEMANTICS rules the proof covers

    @property
    def verdict_name(self) -> str:
        return self.verdict.kind

    @property
    def breaks(self) -> tuple[str, ...]:
        """The invariants a counterexample breaks (none unless the verdict is a counterexample)."""
        return self.invariants if isinstance(self.verdict, Counterexample) else ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "verdict": self.verdict.kind, "seconds": round(self.seconds, 6)}
        if isinstance(self.verdict, Counterexample):
            out["witness"] = to_jsonable(self.witness)
            if self.invariants:
                out["invariants"] = list(self.invariants)
                out["rules"] = list(self.rules)
        if isinstance(self.verdict, Inconclusive):
            out["reason"] = self.verdict.reason
        return out


def to_jsonable(x: Any) -> Any:
    """Concrete objects (attrs values, immutables.Map, tuples) as plain JSON data."""
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if attrs.has(type(x)):
        out = {"kind": type(x).__name__}
        for f in attrs.fields(type(x)):
            if f.init and not f.name.startswith("_"):
                out[f.name] = to_jsonable(getattr(x, f.name))
        return out
    if isinstance(x, Mapping) or hasattr(x, "items") and hasattr(x, "keys"):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        items = [to_jsonable(v) for v in x]
        return sorted(items, key=repr) if isinstance(x, (set, frozenset)) else items
    return repr(x)


class ProofContext:
    """What a proof function receives: the budget, and `check` to discharge one claim."""

    def __init__(self, name: str, timeout_ms: int) -> None:
        if timeout_ms < 1:
            raise ValueError(f"timeout_ms must be at least 1, got {timeout_ms}")
        self.name = name
        self.timeout_ms = timeout_ms
        self.started = time.perf_counter()
        self.queries = 0

    def remaining_ms(self) -> int:
        spent = (time.perf_counter() - self.started) * 1000.0
        return int(self.timeout_ms - spent)

    def check(self, claim: Any, *, assumptions: Iterable[Any] = (), decode: Callable[[z3.ModelRef], Any],
              replay: Callable[[Any], bool], what: str = "", prefer: Iterable[Any] = ()) -> Verdict:
        """Prove `assumptions ⇒ claim` for every value of the free variables.

        `decode(model)` turns a Z3 model into concrete objects (the witness); `replay(witness)` runs the concrete
        code on them and returns True when the claim is broken there too. A witness that does not replay raises
        `EncodingError`. `prefer`: constraints (e.g. small counts) that a counterexample should also meet when
        one such exists, so that the witness is small enough to build as real objects; they never restrict
        what is proved.
        """
        label = f"{self.name}{': ' + what if what else ''}"
        remaining = self.remaining_ms()
        if remaining <= 0:
            return Inconclusive(f"{label}: time budget of {self.timeout_ms} ms spent before this obligation")
        solver = z3.Solver()
        solver.set("timeout", remaining)
        for a in assumptions:
            solver.add(_as_bool(a))
        solver.add(z3.Not(_as_bool(claim)))
        self.queries += 1
        result = solver.check()
        if result == z3.unsat:
            return PROVED
        if result == z3.unknown:
            reason = solver.reason_unknown()
            if self.remaining_ms() <= 0 or reason in ("timeout", "canceled"):
                reason = f"timed out (budget {self.timeout_ms} ms)"
            return Inconclusive(f"{label}: Z3 answered unknown: {reason}")
        model = solver.model()
        prefer = [_as_bool(p) for p in prefer]
        if prefer:
            solver.push()
            solver.add(*prefer)
            solver.set("timeout", max(1, min(self.remaining_ms(), 5_000)))
            if solver.check() == z3.sat:
                model = solver.model()
            solver.pop()
        witness = decode(model)
        if not replay(witness):
            raise EncodingError(f"{label}: Z3's counterexample {witness!r} does not replay through the concrete "
                                "code: the symbolic encoding and the decision code disagree")
        return Counterexample(witness)


def _as_bool(x: Any) -> Any:
    if isinstance(x, bool):
        return z3.BoolVal(x)
    return x


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """All obligations of one proof: the first counterexample; else the first inconclusive; else proved.

    Lazy: obligations after a counterexample are not sent.
    """
    first_inconclusive: Inconclusive | None = None
    for v in verdicts:
        if isinstance(v, Counterexample):
            return v
        if isinstance(v, Inconclusive) and first_inconclusive is None:
            first_inconclusive = v
    return first_inconclusive or PROVED


@attrs.frozen
class Proof:
    """A registered proof: its name, the function, the first docstring line, the SEMANTICS rules it covers, and
    the registry invariants that check the same behaviour (named by a counterexample)."""

    name: str
    fn: Callable[[ProofContext], Verdict] = attrs.field(eq=False)
    doc: str = ""
    rules: tuple[str, ...] = ()
    invariants: tuple[str, ...] = ()


_PROOFS: dict[str, Proof] = {}


def proof(name: str, rules: Iterable[str] = (), invariants: Iterable[str] = ()
          ) -> Callable[[Callable[[ProofContext], Verdict]], Callable]:
    """Register `fn(ctx) -> Verdict` as the proof `name`. A duplicate name raises ValueError.

    `invariants`: the names of the registry invariants that check the same behaviour (validated against
    `invariants.registry()` when the proof runs, `check_invariant_names`)."""

    def register(fn: Callable[[ProofContext], Verdict]) -> Callable[[ProofContext], Verdict]:
        if name in _PROOFS:
            raise ValueError(f"proof {name!r} is already registered")
        doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        _PROOFS[name] = Proof(name, fn, doc, tuple(str(r) for r in rules), tuple(str(i) for i in invariants))
        return fn

    return register


def unregister(name: str) -> None:
    """Remove a proof (for tests that register temporary ones)."""
    _PROOFS.pop(name, None)


PROOF_MODULES = (
    "invariants.smt.selectors",
    "invariants.smt.scheduling",
    "invariants.smt.replication",
    "invariants.smt.endpoints",
    "invariants.smt.probes",
    "invariants.smt.status",
)
_loaded = False


def load_proofs() -> None:
    """Import every proof module once, so the registry is complete (each registers its proofs with `@proof`)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for mod in PROOF_MODULES:
            importlib.import_module(mod)


def proofs() -> Mapping[str, Proof]:
    """Every registered proof, in registration order."""
    load_proofs()
    return dict(_PROOFS)


def get(name: str) -> Proof:
    known = proofs()
    if name not in known:
        raise UnknownProof([name], known)
    return known[name]


def check_invariant_names(chosen: Iterable[Proof]) -> None:
    """Every invariant the proofs name is in `invariants.registry()`; else `UnknownProofInvariant`."""
    chosen = list(chosen)
    if not any(p.invariants for p in chosen):
        return
    known = registry()
    unknown = {p.name: [n for n in p.invariants if n not in known] for p in chosen}
    unknown = {p: names for p, names in unknown.items() if names}
    if unknown:
        raise UnknownProofInvariant(unknown)


def run_one(p: Proof, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> ProofResult:
    ctx = ProofContext(p.name, timeout_ms)
    verdict = p.fn(ctx)
    if not isinstance(verdict, (Proved, Counterexample, Inconclusive)):
        raise TypeError(f"proof {p.name!r} returned {verdict!r}, not a verdict")
    seconds = time.perf_counter() - ctx.started
    return ProofResult(p.name, verdict, seconds, verdict.witness, p.invariants, p.rules)


def run(names: Iterable[str] | None = None, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> list[ProofResult]:
    """Run the named proofs (all when `names` is None), each with a budget of `timeout_ms`.

    Unknown names raise `UnknownProof` (listing the known ones), and an invariant name a chosen proof gives that
    the registry does not hold raises `UnknownProofInvariant`, both before anything runs.
    """
    known = proofs()
    if names is None:
        chosen = list(known.values())
    else:
        names = list(dict.fromkeys(names))
        missing = [n for n in names if n not in known]
        if missing:
            raise UnknownProof(missing, known)
        chosen = [known[n] for n in names]
    check_invariant_names(chosen)
    return [run_one(p, timeout_ms) for p in chosen]


def exit_code(results: Iterable[ProofResult]) -> int:
    """0 when everything is proved, 1 when some proof has a counterexample, else 3 when one is inconclusive."""
    kinds = {r.verdict.kind for r in results}
    if Counterexample.kind in kinds:
        return 1
    if Inconclusive.kind in kinds:
        return 3
    return 0


def iter_results(results: Iterable[ProofResult]) -> Iterator[dict[str, Any]]:
    for r in results:
        yield r.to_json()
