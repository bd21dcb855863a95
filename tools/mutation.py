"""Mutation check: do the unit tests notice when the connector's Python changes?

    .venv/bin/python -m tools.mutation                       # every mutant, then the score and the survivors
    .venv/bin/python -m tools.mutation --list                # the mutants only, nothing run
    .venv/bin/python -m tools.mutation --only 12 --only 40   # some mutants again (numbers from --list)

Each mutant is one small change to source_twilio/components.py or source_twilio/source.py, made with `ast`: a
comparison turned around (`<` to `<=`, `==` to `!=`, `in` to `not in`, ...), `and` to `or` and back, a `not` dropped,
a number plus one, True to False, a string emptied (or an empty one filled), a returned value replaced by None.
Docstrings, annotations and the text of f-strings are left alone. Each mutant is written into a copy of the
repository in a temporary folder and the unit tests run there (`pytest -x` on unit_tests/, test_components.py first,
with a time limit): a test that fails kills the mutant; a mutant the tests pass with survives, and is listed with its line.
A mutant that makes the tests run past the time limit counts as killed (`timeout`). To be quick, each mutant runs only
the tests that execute its line, found by one traced run of the unit tests first (this module is also that run's
pytest plugin); a line that runs at import, or in no traced test, runs every unit test.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("source_twilio/components.py", "source_twilio/source.py")
# Every unit test module, the fast and direct test_components.py first: most mutants die there.
TESTS = sorted((str(p.relative_to(ROOT)) for p in (ROOT / "unit_tests").glob("test_*.py")), key=lambda name: (not name.endswith("test_components.py"), name))
IGNORED = shutil.ignore_patterns(".git", ".venv*", "build", "out", ".bench", "__pycache__", "*.pyc", ".pytest_cache")

_FLIPPED = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in",
           ast.Is: "is", ast.IsNot: "is not"}


@dataclass(frozen=True)
class Mutant:
    number: int
    path: str
    line: int
    description: str


def _changes(node: ast.AST) -> List[Tuple[str, Callable[[ast.AST], ast.AST]]]:
    """The mutations of one node: (what changes, a function that makes the mutated node from a copy)."""
    found: List[Tuple[str, Callable[[ast.AST], ast.AST]]] = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _FLIPPED:
                def flip(n: ast.Compare, i: int = i) -> ast.AST:
                    n.ops[i] = _FLIPPED[type(n.ops[i])]()
                    return n
                found.append((f"{_SYMBOL[type(op)]} -> {_SYMBOL[_FLIPPED[type(op)]]}", flip))
    elif isinstance(node, ast.BoolOp):
        swapped = ast.Or if isinstance(node.op, ast.And) else ast.And
        found.append((f"{'and -> or' if swapped is ast.Or else 'or -> and'}", lambda n: ast.BoolOp(op=swapped(), values=n.values)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        found.append(("not dropped", lambda n: n.operand))
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            found.append((f"{value} -> {not value}", lambda n: ast.Constant(not n.value)))
        elif isinstance(value, (int, float)):
            found.append((f"{value!r} -> {value + 1!r}", lambda n: ast.Constant(n.value + 1)))
        elif isinstance(value, str):
            shown = value if len(value) <= 40 else value[:37] + "..."
            found.append((f"{shown!r} -> {'' if value else 'mutated'!r}", lambda n: ast.Constant("" if n.value else "mutated")))
    elif isinstance(node, ast.Return) and node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
        found.append(("return value -> return None", lambda n: ast.Return(value=ast.Constant(None))))
    return found


class _Walker(ast.NodeTransformer):
    """Visits the mutable nodes in a fixed order; with `target`, replaces the target-th mutation's node by its mutant."""

    def __init__(self, target: Optional[int] = None) -> None:
        self.target = target
        self.seen: List[Tuple[int, str]] = []  # (line, description) of every mutation, in order

    def _skip_docstring(self, node: ast.AST) -> None:
        body = getattr(node, "body", None)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body[0] = _Frozen(body[0])

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, _Frozen):
            return node.node
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            self._skip_docstring(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
            for argument in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
                argument.annotation = None
        if isinstance(node, ast.AnnAssign):
            node.annotation = _Frozen(node.annotation)
        if isinstance(node, ast.JoinedStr):  # an f-string's text: messages, not logic
            return node
        replacement = node
        for description, change in _changes(node):
            number = len(self.seen)
            self.seen.append((getattr(node, "lineno", 0), description))
            if number == self.target:
                replacement = ast.copy_location(change(copy.deepcopy(node)), node)
        if replacement is not node:
            return replacement
        return self.generic_visit(node)


class _Frozen(ast.AST):
    """A node the walker must not enter (a docstring, an annotation)."""

    _fields = ()

    def __init__(self, node: ast.AST) -> None:
        super().__init__()
        self.node = node


def mutants() -> List[Mutant]:
    found: List[Mutant] = []
    for path in TARGETS:
        walker = _Walker()
        walker.visit(ast.parse((ROOT / path).read_text()))
        found += [Mutant(len(found) + i, path, line, description) for i, (line, description) in enumerate(walker.seen)]
    return found


def mutated_source(mutant: Mutant, first: int) -> str:
    """The text of `mutant.path` with that one mutation (`first`: the number of the file's first mutant)."""
    tree = ast.parse((ROOT / mutant.path).read_text())
    tree = _Walker(target=mutant.number - first).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


# Which tests run each line: one traced run of the unit tests first (this module as a pytest plugin), so that each mutant
# runs only the tests that execute its line. A line run at import, or by no traced test (a subprocess, say), runs them all.
_TRACE_OUT = "SOURCE_TWILIO_MUTATION_TRACE"
_current: List[str] = []
_lines: Dict[str, Set[str]] = {}


def _tracer(frame: Any, event: str, arg: Any) -> Optional[Callable]:
    path = frame.f_code.co_filename
    if not any(path.endswith(target) for target in TARGETS):
        return None

    def local(frame: Any, event: str, arg: Any) -> Callable:
        if event == "line":
            key = f"{next(t for t in TARGETS if frame.f_code.co_filename.endswith(t))}:{frame.f_lineno}"
            _lines.setdefault(key, set()).add(_current[0] if _current else "")
        return local
    return local(frame, event, arg)


def pytest_configure(config: Any) -> None:
    if os.environ.get(_TRACE_OUT):
        import threading
        sys.settrace(_tracer)
        threading.settrace(_tracer)


def pytest_runtest_setup(item: Any) -> None:
    _current[:] = [item.nodeid]


def pytest_runtest_teardown(item: Any) -> None:
    _current[:] = []


def pytest_unconfigure(config: Any) -> None:
    if os.environ.get(_TRACE_OUT):
        sys.settrace(None)
        Path(os.environ[_TRACE_OUT]).write_text(json.dumps({key: sorted(ids) for key, ids in _lines.items()}))


def tests_by_line(workdir: Path) -> Dict[str, List[str]]:
    """{"source_twilio/components.py:40": [test ids], ...}; "" among the ids: the line ran outside any test (at import)."""
    out = workdir / "mutation-trace.json"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tools.mutation", *TESTS], cwd=workdir,
                   capture_output=True, text=True, env={**os.environ, _TRACE_OUT: str(out), "PYTHONDONTWRITEBYTECODE": "1"})
    return json.loads(out.read_text())


def run_tests(workdir: Path, timeout: float, tests: List[str] = TESTS) -> str:
    """'killed', 'timeout' or 'survived'."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=workdir, capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if result.returncode == 0 else "killed"


def check(selected: List[Mutant], everything: List[Mutant], timeout: float) -> Iterator[Tuple[Mutant, str, float]]:
    firsts = {path: min(m.number for m in everything if m.path == path) for path in TARGETS}
    with tempfile.TemporaryDirectory(prefix="source-twilio-mutants-") as folder:
        workdir = Path(folder) / "repo"
        shutil.copytree(ROOT, workdir, ignore=IGNORED)
        covering = tests_by_line(workdir)
        for mutant in selected:
            ids = covering.get(f"{mutant.path}:{mutant.line}", [""])
            tests = TESTS if "" in ids else sorted(ids, key=lambda test: "test_components.py" not in test)  # the direct tests first
            original = (workdir / mutant.path).read_text()
            (workdir / mutant.path).write_text(mutated_source(mutant, firsts[mutant.path]))
            started = time.monotonic()
            try:
                outcome = run_tests(workdir, timeout, tests)
            finally:
                (workdir / mutant.path).write_text(original)
            yield mutant, outcome, time.monotonic() - started


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and run nothing")
    parser.add_argument("--only", type=int, action="append", metavar="N", help="run mutant N only (repeatable)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds the unit tests may take with one mutant (default 180)")
    args = parser.parse_args(argv)
    everything = mutants()
    if args.list:
        for m in everything:
            print(f"{m.number:4d}  {m.path}:{m.line}  {m.description}")
        return 0
    selected = [m for m in everything if not args.only or m.number in args.only]
    survivors: List[Mutant] = []
    started = time.monotonic()
    for mutant, outcome, seconds in check(selected, everything, args.timeout):
        print(f"{mutant.number:4d}  {outcome:8s} {seconds:5.1f} s  {mutant.path}:{mutant.line}  {mutant.description}", flush=True)
        if outcome == "survived":
            survivors.append(mutant)
    killed = len(selected) - len(survivors)
    print(f"\nkilled {killed}/{len(selected)} ({100 * killed / max(len(selected), 1):.0f}%) in {time.monotonic() - started:.0f} s")
    for m in survivors:
        print(f"survived  #{m.number}  {m.path}:{m.line}  {m.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
