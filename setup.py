"""Build: the model's modules compiled by Cython from their own Python source, with the pure source as fallback.

The engines spend their time in the model's interpretive overhead (small functions over frozen records and
persistent maps), whose dispatch compiling the very same modules removes: the explorer runs 1.2-1.7x faster, most
often 1.25-1.45x (README, Performance). Nothing changes in the source or its semantics:

- pure-Python mode, with `annotation_typing=False` (annotations are documentation, and the decision functions
  also run on Z3 terms, `kmodel.logic`) and `infer_types=False` (no C types inferred: Python integers stay
  Python integers); module globals are looked up at call time, so a test that patches a decision still does.
- the `.py` files are installed beside the compiled modules (tracebacks and `inspect` read them); only the
  modules the engines run hot are compiled: not the CLI, the manifest reader, the trace files, the Hypothesis
  machine or the Z3 encodings.
- `KMODEL_PURE_PYTHON=1`, an editable install (`pip install -e .`: its source must stay what runs) or a machine
  without a C compiler give the pure build; `kmodel.COMPILED` says which one is installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
NOT_COMPILED = {  # besides every package's `__init__.py`
    "kmodel/__main__.py", "kmodel/cli.py", "kmodel/check.py", "kmodel/stateful.py", "kmodel/manifests.py",
    "kmodel/findings.py", "kmodel/trace.py",
    # not on the engines' hot path: Hypothesis strategies (`st.composite` reads its functions' signatures) and the
    # README's rule table, run as `python -m kmodel.rules_table`
    "kmodel/generate.py", "kmodel/rules_table.py",
}
NOT_COMPILED_DIRS = ("kmodel/commands/", "invariants/smt/")
COMPILE_ARGS = ["-O2", "-g0"]  # after the interpreter's own flags: no debug info (a tenth of the size, faster builds)
DIRECTIVES = {"language_level": 3, "binding": True, "annotation_typing": False, "infer_types": False}


def compiled_sources() -> list[str]:
    """The modules to compile, as paths relative to this file."""
    out = []
    for package in ("kmodel", "invariants"):
        for path in sorted((HERE / package).rglob("*.py")):
            rel = path.relative_to(HERE).as_posix()
            if path.name != "__init__.py" and rel not in NOT_COMPILED and not rel.startswith(NOT_COMPILED_DIRS):
                out.append(rel)
    return out


def pure_requested() -> bool:
    return os.environ.get("KMODEL_PURE_PYTHON", "") not in ("", "0")


class OptionalBuildExt(build_ext):
    """Compile every module, in parallel; on an editable install, when asked for the pure build, or when a module
    does not compile here, install the pure source instead (and say so)."""

    def finalize_options(self) -> None:
        # Cythonize first, so that setuptools finalizes the extensions it will build (their C sources).
        self.pure = getattr(self, "editable_mode", False) or pure_requested()
        if not self.pure:
            try:
                from Cython.Build import cythonize

                self.distribution.ext_modules[:] = cythonize(
                    self.distribution.ext_modules, compiler_directives=DIRECTIVES, build_dir="build/cython",
                    quiet=True, nthreads=os.cpu_count() or 1)
            except Exception as exc:  # no Cython here: the pure source is the same model
                print(f"kmodel: Cython failed ({exc}); installing the pure-Python build", file=sys.stderr)
                self.pure = True
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1

    def run(self) -> None:
        if self.pure:
            print("kmodel: pure-Python build (editable install, KMODEL_PURE_PYTHON, or no Cython)", file=sys.stderr)
            self.remove_compiled()
            self.extensions = []
            return
        try:
            super().run()
        except Exception as exc:  # no compiler, no Python headers: the pure source is the same model
            print(f"kmodel: compiling failed ({exc}); installing the pure-Python build", file=sys.stderr)
            self.remove_compiled()
            self.extensions = []

    def remove_compiled(self) -> None:
        """Remove compiled modules an earlier build left where this one puts its files (the `build` folder, or the
        source tree for an editable install): they would be installed, or imported, instead of the source."""
        for ext in self.extensions:
            path = Path(self.get_ext_fullpath(ext.name))
            if path.exists():
                path.unlink()

    def get_outputs(self) -> list[str]:
        return [] if self.pure else super().get_outputs()


def extensions() -> list[Extension]:
    """One extension per compiled module, its source the module's own `.py` file (`build_ext` cythonizes it)."""
    return [Extension(rel[:-3].replace("/", "."), [rel], extra_compile_args=COMPILE_ARGS)
            for rel in compiled_sources()]


if __name__ == "__main__":  # as setuptools' build backend runs it; `tests/unit/test_build.py` reads the functions
    setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
