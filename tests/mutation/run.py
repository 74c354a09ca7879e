"""Mutation testing on demand: break each line of the modules that guard data and access, one
mutant at a time, and see whether a test notices. Prints each module's score (mutants killed out
of those tried) and the mutants that survived. Not part of the default suite: it takes minutes
per module.

    .venv/bin/python tests/mutation/run.py                 # every module below
    .venv/bin/python tests/mutation/run.py audit sync      # some of them, by name
    .venv/bin/python tests/mutation/run.py --list          # their names and tests

Each module runs with mutmut in a copy of the working tree under ``build/mutation/<name>``, with
the tests that exercise it (mutmut then runs, for each mutant, only those of them that reach the
mutated function). A survivor is either a missing test or an equivalent mutant; the README's
"Mutation testing" section lists the equivalent ones and why.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "mutation"

#: Module (or package) -> the tests that exercise it.
TARGETS = {
    "access": ("dailylife/access.py", ["tests/test_access_matrix.py",
                                       "tests/test_allocation_dates.py",
                                       "tests/test_voice.py", "tests/test_people.py"]),
    "audit": ("dailylife/audit.py", ["tests/test_audit.py", "tests/test_concurrency.py",
                                     "tests/test_sync.py"]),
    "sync": ("dailylife/sync/*", ["tests/test_sync.py", "tests/test_bad_input.py",
                                  "tests/test_concurrency.py", "tests/test_siblings.py"]),
    "operations": ("dailylife/entries/operations.py", ["tests/test_recording.py",
                                                       "tests/test_checking.py",
                                                       "tests/test_bad_input.py",
                                                       "tests/test_sync.py"]),
    "payload": ("dailylife/entries/payload.py", ["tests/test_kinds.py", "tests/test_bad_input.py",
                                                 "tests/test_recording.py",
                                                 "tests/test_checking.py"]),
    "processing": ("dailylife/media/processing.py", ["tests/test_media.py"]),
    "sessions": ("dailylife/people/sessions.py", ["tests/test_accounts.py",
                                                  "tests/test_signin_defences.py",
                                                  "tests/test_child_mode.py", "tests/test_mfa.py"]),
    "rules": ("dailylife/signals/rules.py", ["tests/test_signals.py", "tests/test_status.py",
                                             "tests/test_unborn.py", "tests/test_moves.py",
                                             "tests/test_standing_facts.py"]),
    "rescue": ("dailylife/rescue/*", ["tests/test_rescue.py"]),
}
#: What the tests read besides the package and themselves.
ALSO_COPY = ("templates", "static", "migrations")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"some of: {', '.join(TARGETS)}")
    parser.add_argument("--list", action="store_true", help="name each module and its tests")
    parser.add_argument("--jobs", type=int, default=max(os.cpu_count() or 1, 1))
    options = parser.parse_args()
    if options.list:
        for name, (module, tests) in TARGETS.items():
            print(f"{name:12} {module}  <-  {' '.join(tests)}")
        return 0
    unknown = [name for name in options.names if name not in TARGETS]
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    results = [mutate(name, options.jobs) for name in options.names or TARGETS]
    print("\nmodule        killed / tried   score   time")
    for name, stats, seconds, _ in results:
        print(f"{name:12} {stats['killed']:7} / {tried(stats):<7} {score(stats):6.1%}"
              f"  {seconds / 60:5.1f} min")
    for name, _, _, survivors in results:
        if survivors:
            print(f"\nSurvived in {name} (a missing test, or an equivalent mutant):")
            print("\n".join(f"  {line}" for line in survivors))
    return 0


def tried(stats: dict) -> int:
    """Mutants a test could judge: those no test reaches count as survivors (a gap), those that
    timed out as killed (the change made the code hang, which a test noticed)."""
    return stats["killed"] + stats["survived"] + stats["no_tests"] + stats["timeout"]


def score(stats: dict) -> float:
    return (stats["killed"] + stats["timeout"]) / max(tried(stats), 1)


def mutate(name: str, jobs: int) -> tuple[str, dict, float, list[str]]:
    module, tests = TARGETS[name]
    where = copy_of_the_tree(name)
    (where / "setup.cfg").write_text(mutmut_settings(module, tests))
    started = time.monotonic()
    print(f"=== {name}: mutating {module}, judged by {' '.join(tests)}", flush=True)
    mutmut = [sys.executable, "-m", "mutmut"]
    subprocess.run([*mutmut, "run", "--max-children", str(jobs)], cwd=where, check=False)
    seconds = time.monotonic() - started
    subprocess.run([*mutmut, "export-cicd-stats"], cwd=where, check=True,
                   stdout=subprocess.DEVNULL)
    stats = json.loads((where / "mutants" / "mutmut-cicd-stats.json").read_text())
    survivors = subprocess.run([*mutmut, "results"], cwd=where, check=True, text=True,
                               capture_output=True).stdout.splitlines()
    return name, stats, seconds, [line.strip() for line in survivors if line.strip()]


def mutmut_settings(module: str, tests: list[str]) -> str:
    def listed(paths) -> str:
        return "".join(f"\n    {path}" for path in paths)

    return (f"[mutmut]\nsource_paths=dailylife/\nonly_mutate={module}\n"
            f"also_copy={listed(ALSO_COPY)}\n"
            f"pytest_add_cli_args_test_selection={listed(tests)}\n")


def copy_of_the_tree(name: str) -> Path:
    """The working tree as it is (uncommitted changes too), with the shared virtualenv and the
    OpenID provider's node modules linked rather than copied."""
    where = BUILD / name
    shutil.rmtree(where, ignore_errors=True)
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True).stdout.split(b"\0")
    for path in filter(None, (entry.decode() for entry in listed)):
        source = ROOT / path
        if source.is_file():
            (where / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, where / path)
    (where / ".venv").symlink_to(ROOT / ".venv")
    modules = ROOT / "tests" / "oidc" / "node_modules"
    if modules.exists():
        (where / "tests" / "oidc" / "node_modules").symlink_to(modules)
    return where


if __name__ == "__main__":
    sys.exit(main())
