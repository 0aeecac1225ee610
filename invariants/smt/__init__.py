"""Z3 proofs over the model's own decision code (DESIGN principles 4 and 7; issue 5).

Importing this package imports z3; `kmodel` itself never does (its manifest findings import
`invariants.smt.selectors` for selector overlaps, lazily). Modules:

- `framework`: `@proof(name)`, verdicts `Proved` / `Counterexample(witness)` / `Inconclusive(reason)`,
  `ProofContext.check` (counterexamples are replayed through the concrete code), `run`.
- `domains`: symbolic label sets (a `LabelView` over Z3), value domains, fresh symbols.
- one module per topic, each registering its proofs: `selectors`, `scheduling`, `replication`, `endpoints`,
  `probes` (the threshold automaton, restarts, CrashLoopBackOff), `status` (pod phase, container ready).
"""

from __future__ import annotations

from invariants.smt.framework import (
    DEFAULT_TIMEOUT_MS,
    PROOF_MODULES,
    PROVED,
    Counterexample,
    EncodingError,
    Inconclusive,
    Proof,
    ProofContext,
    ProofInconclusive,
    ProofResult,
    Proved,
    UnknownProof,
    UnknownProofInvariant,
    exit_code,
    get,
    load_proofs,
    proof,
    proofs,
    run,
)

__all__ = ["DEFAULT_TIMEOUT_MS", "PROVED", "Counterexample", "EncodingError", "Inconclusive", "Proof",
           "ProofContext", "ProofInconclusive", "ProofResult", "Proved", "UnknownProof", "UnknownProofInvariant",
           "exit_code", "get",
           "load_proofs", "proof", "proofs", "run", "PROOF_MODULES"]
