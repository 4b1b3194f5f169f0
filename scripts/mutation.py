"""Mutation testing of the rule modules, each against its own tests (mutmut).

    python scripts/mutation.py                   # every module below
    python scripts/mutation.py scoring filters   # some of them, by name

For each module this copies the project into build/mutation/<name>/, writes a
mutmut configuration that mutates that module only and runs only its tests, runs
`mutmut run` there and prints the score and the surviving mutants. The copies
stay, so `cd build/mutation/<name> && mutmut show <mutant>` shows a survivor's
diff and `mutmut browse` lets you walk them. Not part of `make test` or CI: the
database-backed modules take long (see docs/testing.md).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
COPIED = (
    "marketplace",
    "tests",
    "migrations",
    "templates",
    "babel.cfg",
    "pyproject.toml",
    "setup.cfg",
    "wsgi.py",
)

MATCHING_TESTS = ("tests/unit/test_matching.py", "tests/unit/test_scoring_pinned.py")
# name: (module to mutate, the tests that check it)
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "scoring": ("marketplace/matching/scoring.py", MATCHING_TESTS),
    "filters": ("marketplace/matching/filters.py", MATCHING_TESTS),
    "applications": (
        "marketplace/applications/services.py",
        (
            "tests/functional/test_api_volunteers.py",
            "tests/functional/test_api_organizations.py",
            "tests/functional/test_volunteer_pages.py",
            "tests/functional/test_partner_pages.py",
            "tests/functional/test_concurrency.py",
        ),
    ),
    "privacy": (
        "marketplace/privacy/services.py",
        (
            "tests/functional/test_privacy.py",
            "tests/functional/test_erasure.py",
            "tests/functional/test_minors.py",
        ),
    ),
    "auth": (
        "marketplace/auth/*",
        (
            "tests/functional/test_auth.py",
            "tests/functional/test_sessions.py",
            "tests/functional/test_password_reset.py",
            "tests/functional/test_rate_limits.py",
            "tests/functional/test_api_accounts.py",
        ),
    ),
}


def _copy_project(into: Path) -> None:
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "test-artifacts")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, into / name)


def _configure(into: Path, module: str, tests: tuple[str, ...]) -> None:
    """Append the [mutmut] section: this module only, these tests only."""
    lines = "\n    ".join(tests)
    section = (
        "\n[mutmut]\n"
        "source_paths = marketplace\n"
        f"only_mutate = {module}\n"
        f"pytest_add_cli_args_test_selection =\n    {lines}\n"
        "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n"
        "also_copy =\n    migrations\n    templates\n    babel.cfg\n    wsgi.py\n"
        # A mutant that loops is stopped after twice its tests' CPU time, not
        # mutmut's default thirty times (minutes each on the matching tests).
        "timeout_multiplier = 1.0\n"
        "timeout_constant = 5.0\n"
    )
    with (into / "setup.cfg").open("a", encoding="utf-8") as config:
        config.write(section)


def _mutmut(into: Path, *args: str, capture: bool = False):
    command = [sys.executable, "-m", "mutmut", *args]
    return subprocess.run(
        command, cwd=into, check=False, text=True, capture_output=capture
    )


def run(name: str, children: int) -> dict:
    """Run one target; return its numbers and survivors."""
    module, tests = TARGETS[name]
    into = WORK / name
    _copy_project(into)
    _configure(into, module, tests)
    started = time.monotonic()
    _mutmut(into, "run", "--max-children", str(children))
    seconds = time.monotonic() - started
    _mutmut(into, "export-cicd-stats", capture=True)
    stats = json.loads((into / "mutants" / "mutmut-cicd-stats.json").read_text())
    listed = _mutmut(into, "results", capture=True).stdout.splitlines()
    survivors = [line.strip() for line in listed if "survived" in line]
    judged = stats["killed"] + stats["survived"] + stats["timeout"]
    score = 100.0 * (stats["killed"] + stats["timeout"]) / judged if judged else 0.0
    return {
        "name": name,
        "module": module,
        "seconds": round(seconds),
        "score": round(score, 1),
        "survivors": survivors,
        **stats,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"some of: {', '.join(TARGETS)}")
    parser.add_argument(
        "--children",
        type=int,
        default=int(os.environ.get("MUTATION_CHILDREN", "2")),
        help="mutants tested at once (default 2, or $MUTATION_CHILDREN)",
    )
    options = parser.parse_args()
    if unknown := set(options.names) - set(TARGETS):
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    os.environ.setdefault("MARKETPLACE_TEST_DB", "sqlite")
    # Property tests that honour it run fewer, fixed examples per mutant.
    os.environ.setdefault("MUTATION_MAX_EXAMPLES", "30")
    results = [run(name, options.children) for name in options.names or TARGETS]
    for result in results:
        print(
            f"{result['module']}: {result['score']}% killed "
            f"({result['killed']} killed, {result['timeout']} timed out, "
            f"{result['survived']} survived, {result['no_tests']} not covered) "
            f"in {result['seconds']} s"
        )
        for survivor in result["survivors"]:
            print(f"    {survivor}")
    (WORK / "summary.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
