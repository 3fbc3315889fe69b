"""`make mutation`: mutation testing of the pure rule modules, each against its own unit tests.

Every module listed in modules.toml (beside this file) is copied with the rest of the tree into a
scratch folder (OCC_MUTATION_DIR, default /tmp/occ-mutation/<module>) and mutated there, never in
the work tree:

1. mutmut 3 mutates the code inside the module's functions and methods (comparisons flipped,
   numbers moved by one, `and`/`or`, strings, arguments dropped, assignments to None, …) and runs
   the module's own tests against each mutant, one worker process (`--max-children 1`);
2. a second pass moves by one each number mutmut does not reach (module constants, dataclass
   defaults, numbers in properties: the policy constants) and runs the same tests once for each.

A survivor listed as equivalent in modules.toml (with the text of its mutated line, so a stale
entry cannot hide a new survivor) is counted apart. The table at the end gives, per module, the
mutants, killed, survived, equivalent and the share of non-equivalent ones killed; the run exits 1
when a module is below --threshold (95 %). Survivors are printed with their diff.

    make mutation                     # every module
    make mutation ARGS="sla damping"  # some of them
"""
from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("modules.toml")
WORK = Path(os.environ.get("OCC_MUTATION_DIR") or Path(tempfile.gettempdir()) / "occ-mutation")
BIN = Path(sys.executable).parent
COPIED = ("app.py", "chatops", "blocks", "storage", "tests")
KILLED = {1, 3, 36, 24, -24, 152, 255, -9, -11}  # tests failed, pytest errored, timed out, crashed
PYTEST = ["-p", "no:cacheprovider", "-k", "not postgresql"]  # the rule, not the second engine


@dataclass
class Module:
    name: str
    source: str
    tests: list[str]
    only: list[str] = field(default_factory=list)  # functions / Class.method patterns; [] = all
    constants: list[str] = field(default_factory=list)  # module constants in scope when `only` is set
    equivalent: list[dict] = field(default_factory=list)

    @property
    def dotted(self) -> str:
        return self.source.removesuffix(".py").replace("/", ".")

    def patterns(self) -> list[str]:
        """mutmut's mutant names for `only`: x_func__mutmut_N, xǁClassǁmethod__mutmut_N."""
        out = []
        for item in self.only:
            cls, _, func = item.rpartition(".")
            out.append(f"{self.dotted}.xǁ{cls}ǁ{func}__mutmut_*" if cls else f"{self.dotted}.x_{func}__mutmut_*")
        return out


@dataclass
class Outcome:
    mutants: int = 0
    killed: int = 0
    survivors: list[tuple[str, str]] = field(default_factory=list)  # (name, diff)
    equivalent: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # equivalent entries that no longer match
    seconds: float = 0.0

    @property
    def score(self) -> float:
        counted = self.mutants - len(self.equivalent)
        return 100.0 if counted == 0 else 100.0 * self.killed / counted


def load(names: list[str]) -> list[Module]:
    data = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    unknown = sorted(set(names) - set(data))
    if unknown:
        sys.exit(f"unknown module(s) {', '.join(unknown)}; modules.toml has {', '.join(data)}")
    return [Module(name=n, **data[n]) for n in (names or list(data))]


def prepare(mod: Module) -> Path:
    """A scratch copy of the tree, with the module's mutmut settings added to pyproject.toml."""
    where = WORK / mod.name
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "*.db", "*.db-*")
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, where / name, ignore=ignore)
        else:
            shutil.copy2(src, where / name)
    settings = {
        "source_paths": ["chatops", "blocks", "storage"],
        "only_mutate": [mod.source],
        "pytest_add_cli_args_test_selection": mod.tests,
        "pytest_add_cli_args": PYTEST,
        "use_git_change_detection": False,
    }
    lines = ["", "[tool.mutmut]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (where / "pyproject.toml").write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
    return where


def run_mutmut(mod: Module, where: Path, result: Outcome) -> None:
    log = where / "mutmut.log"
    with open(log, "w", encoding="utf-8") as out:
        done = subprocess.run([str(BIN / "mutmut"), "run", "--max-children", "1", *mod.patterns()], cwd=where,
                              stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    meta_path = where / "mutants" / (mod.source + ".meta")
    if not meta_path.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        sys.exit(f"{mod.name}: mutmut produced no results (exit {done.returncode}); its log ends:\n{tail}")
    codes = json.loads(meta_path.read_text(encoding="utf-8"))["exit_code_by_key"]
    wanted = mod.patterns()
    missed = []
    for name, code in codes.items():
        if wanted and not any(fnmatch.fnmatchcase(name, p) for p in wanted):
            continue
        result.mutants += 1
        if code in KILLED:
            result.killed += 1
        else:  # survived, no test reached it, or not run: not caught by this module's tests
            missed.append(name)
    for name, diff in zip(missed, diffs(where, mod.source, missed)):
        result.survivors.append((name.removeprefix(mod.dotted + "."), diff))


def diffs(where: Path, source: str, names: list[str]) -> list[str]:
    """The diff of each mutant, from one process (`mutmut show` takes a second each)."""
    if not names:
        return []
    script = ("import json, sys\nfrom mutmut.mutation.diff_apply import get_diff_for_mutant\n"
              "names = json.load(sys.stdin)\n"
              "print(json.dumps([get_diff_for_mutant(n, path=sys.argv[1]) for n in names]))\n")
    done = subprocess.run([sys.executable, "-c", script, source], cwd=where, input=json.dumps(names),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the second pass: numbers mutmut does not reach ---------------------------------------------
def _reached_by_mutmut(func: ast.AST) -> bool:
    decorators = getattr(func, "decorator_list", [])
    return not decorators or (len(decorators) == 1 and isinstance(decorators[0], ast.Name)
                              and decorators[0].id in ("staticmethod", "classmethod"))


def constants(mod: Module, source: str) -> list[tuple[str, ast.Constant]]:
    """(name, node) of every number outside the functions mutmut mutates, within the module's scope."""
    tree = ast.parse(source)
    classes = {item.rpartition(".")[0] or item for item in mod.only}
    found: list[tuple[str, ast.Constant]] = []
    counts: dict[str, list[int]] = {}

    def numbers(node: ast.AST, label: str, count: list[int]) -> None:
        for sub in ast.iter_child_nodes(node):
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and _reached_by_mutmut(sub):
                continue  # mutmut's part
            if isinstance(sub, ast.Constant) and type(sub.value) in (int, float):
                count[0] += 1
                found.append((f"const:{label}:{count[0]}", sub))
            numbers(sub, label, count)

    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            if mod.only and stmt.name not in classes:
                continue
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if not _reached_by_mutmut(item):
                        numbers(item, f"{stmt.name}.{item.name}", [0])
                else:
                    numbers(item, stmt.name, counts.setdefault(stmt.name, [0]))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not _reached_by_mutmut(stmt) and (not mod.only or stmt.name in mod.only):
                numbers(stmt, stmt.name, [0])
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            label = ",".join(t.id for t in targets if isinstance(t, ast.Name)) or "module"
            if not mod.only or label in mod.constants:
                numbers(stmt, label, [0])
    return found


def run_constants(mod: Module, where: Path, result: Outcome) -> None:
    path = where / mod.source
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    tests = [t for t in mod.tests if t]
    for name, node in constants(mod, original):
        row = lines[node.lineno - 1]
        raw = row.encode("utf-8")  # ast's columns count UTF-8 bytes
        start, end = (len(raw[:col].decode("utf-8")) for col in (node.col_offset, node.end_col_offset))
        mutated_row = row[:start] + repr(node.value + 1) + row[end:]
        path.write_text("".join(lines[:node.lineno - 1] + [mutated_row] + lines[node.lineno:]), encoding="utf-8")
        try:
            done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", *PYTEST, *tests], cwd=where,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300,
                                  env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = 36
        finally:
            path.write_text(original, encoding="utf-8")
        result.mutants += 1
        if code in KILLED:
            result.killed += 1
        else:
            diff = f"# {name}\n--- {mod.source}:{node.lineno}\n-{row.rstrip()}\n+{mutated_row.rstrip()}\n"
            result.survivors.append((name, diff))


# --- equivalents, the table -------------------------------------------------------------------------
def _squash(text: str) -> str:
    return " ".join(text.split())


def sort_equivalents(mod: Module, result: Outcome) -> None:
    marks = {e["mutant"]: e for e in mod.equivalent}
    left = []
    for name, diff in result.survivors:
        mark = marks.get(name)
        added = _squash(" ".join(line[1:] for line in diff.splitlines()
                                 if line.startswith("+") and not line.startswith("+++")))
        if mark and _squash(mark["change"]) in added:
            result.equivalent.append(name)
        else:
            if mark:
                result.stale.append(name)
            left.append((name, diff))
    result.survivors = left


def show_survivors(name: str, r: Outcome) -> None:
    for mutant, diff in r.survivors:
        note = " (listed as equivalent, but its mutated line no longer matches)" if mutant in r.stale else ""
        print(f"--- {name}: {mutant} survived{note}\n{diff.strip()}\n", flush=True)


def report(results: dict[str, Outcome], threshold: float) -> bool:
    print()
    head = f"{'module':<18} {'mutants':>7} {'killed':>7} {'survived':>8} {'equivalent':>10} {'killed %':>8} {'time':>6}"
    print(head)
    print("-" * len(head))
    ok = True
    totals = Outcome()
    for name, r in results.items():
        ok &= r.score >= threshold
        print(f"{name:<18} {r.mutants:>7} {r.killed:>7} {len(r.survivors):>8} {len(r.equivalent):>10} "
              f"{r.score:>7.1f}% {r.seconds:>5.0f}s")
        totals.mutants += r.mutants
        totals.killed += r.killed
        totals.survivors += r.survivors
        totals.equivalent += r.equivalent
        totals.seconds += r.seconds
    print("-" * len(head))
    print(f"{'all':<18} {totals.mutants:>7} {totals.killed:>7} {len(totals.survivors):>8} "
          f"{len(totals.equivalent):>10} {totals.score:>7.1f}% {totals.seconds:>5.0f}s")
    print(f"\n% = killed of the non-equivalent mutants; every module needs {threshold:.0f} %: "
          + ("all do." if ok else "some do not."))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="modules.toml entries to run (default: all)")
    parser.add_argument("--threshold", type=float, default=95.0)
    parser.add_argument("--no-constants", action="store_true", help="skip the second pass")
    args = parser.parse_args()
    results: dict[str, Outcome] = {}
    for mod in load(args.modules):
        start = time.monotonic()
        print(f"{mod.name}: {mod.source} against {' '.join(mod.tests)}", flush=True)
        where = prepare(mod)
        result = Outcome()
        run_mutmut(mod, where, result)
        if not args.no_constants:
            run_constants(mod, where, result)
        sort_equivalents(mod, result)
        result.seconds = time.monotonic() - start
        results[mod.name] = result
        print(f"  {result.mutants} mutants, {result.killed} killed, {len(result.survivors)} survived, "
              f"{len(result.equivalent)} equivalent ({result.seconds:.0f} s)", flush=True)
        show_survivors(mod.name, result)
    summary = {n: {"mutants": r.mutants, "killed": r.killed, "survived": [s for s, _ in r.survivors],
                   "equivalent": r.equivalent, "score": round(r.score, 1), "seconds": round(r.seconds)}
               for n, r in results.items()}
    (WORK / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0 if report(results, args.threshold) else 1


if __name__ == "__main__":
    sys.exit(main())
