"""`make mutate [MODULE=core/curation.py]`: mutation testing of the modules that guard witness safety and integrity,
one module at a time, each with only the test modules that concern it.

mutmut 3 reads one configuration ([tool.mutmut] in pyproject.toml: source paths, files to copy, pytest arguments);
this script runs it once per module below with that module as `only_mutate`, the module's own tests as the test
selection (the stats run executes all of them once, then each mutant runs only the selected tests that reach the
mutated function) and, for a module of which only part guards witness safety, only the mutants of the functions
named. Each run starts from an empty `mutants/`; its results are kept in bench/out/mutation/<module>.txt and a score
line is printed per module. bench/MUTATION.md records the scores and explains the surviving mutants.

    python bench/mutate.py [--max-children N] [MODULE ...]   # every module when none is named
    python bench/mutate.py MODULE --mutants NAME ...         # only these mutants (names or patterns), e.g. to
                                                             # re-run a module's survivors after new tests
    python bench/mutate.py MODULE --mutants ... --tests T ...  # with a subset of its test modules: a mutant
                                                             # killed by a subset is killed by the whole
"""

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "mutation"


@dataclass(frozen=True)
class Target:
    """What mutmut runs for one entry of TARGETS, keyed `path/of/module.py` or `path/of/module.py:part`."""

    tests: tuple[str, ...]
    # mutmut mutant-name patterns (`<module>.x_<function>__mutmut_*`, `<module>.xǁ<Class>ǁ<method>__mutmut_*`);
    # empty: every mutant of the module.
    mutants: tuple[str, ...] = field(default=())


# In the order of their closeness to witness safety.
TARGETS: dict[str, Target] = {
    # The public rule (`public()`, `public_condition`, `is_public`, `public_related`), the workflow rules
    # (`may_set_status`, publishing together, source gaps) and optimistic locking (`stale_edit`, locked parents).
    "core/curation.py": Target(
        tests=(
            "tests/test_visibility.py",
            "tests/test_workflow.py",
            "tests/test_publish_sources.py",
            "tests/test_preview.py",
            "tests/test_link_review.py",
            "tests/test_review_queue.py",  # publishing together (added after the first run)
        ),
        mutants=(
            "core.curation.x_[!i]*",  # every function but the two below
            "core.curation.x_is_public__mutmut_*",
            "core.curation.xǁPublicQuerySetǁ*",
            "core.curation.xǁCuratedQuerySetǁ*",
            "core.curation.xǁSourcesMissingǁ*",
            "core.curation.xǁCuratedModelǁ*",
            "core.curation.xǁCitedLinkQuerySetǁwith_public_publication__mutmut_*",
        ),
    ),
    # The count of independent sources of a public link (only public links and publications are counted): its own
    # tests, as the public pages' tests that reach it do not check the figure and would run minutes per mutant.
    "core/curation.py:corroboration": Target(
        tests=("tests/test_corroboration.py",),
        mutants=(
            "core.curation.x_independent_link_sources__mutmut_*",
            "core.curation.xǁCitedLinkQuerySetǁwith_corroboration__mutmut_*",
        ),
    ),
    # Each model's own public rule (`public_condition`), which `public()` applies, and the public querysets of
    # testimonies (restricted witness fields deferred).
    "testimonies/models.py": Target(
        tests=("tests/test_visibility.py", "tests/test_evidence.py", "tests/test_reidentification.py"),
        mutants=(
            "testimonies.models.xǁ*QuerySetǁpublic_condition__mutmut_*",
            "testimonies.models.xǁTestimonyQuerySetǁfor_public_*",
            "testimonies.models.xǁTestimonyQuerySetǁpublic_with_site__mutmut_*",
        ),
    ),
    "sites/models.py": Target(
        tests=("tests/test_visibility.py",), mutants=("sites.models.xǁ*QuerySetǁpublic_condition__mutmut_*",)
    ),
    "units/models.py": Target(
        tests=("tests/test_visibility.py",), mutants=("units.models.xǁ*QuerySetǁpublic_condition__mutmut_*",)
    ),
    # Restricted witness fields in the admin: shown, searched, filtered and logged only with the permission.
    "testimonies/admin.py": Target(
        tests=(
            "tests/test_admin.py",
            "tests/test_access_log.py",
            "tests/test_reidentification.py",
            "tests/test_corroboration.py",  # the change page's warnings (added after the first run)
        ),
        mutants=tuple(
            f"testimonies.admin.xǁTestimonyAdminǁ{method}__mutmut_*"
            for method in (
                "may_see_restricted",
                "get_fieldsets",
                "change_view",
                "save_model",
                "changelist_view",
                "lookup_allowed",
                "get_search_results",
                "get_search_fields",
            )
        ),
    ),
    # The system check that private media (originals) is never under a served folder.
    "core/checks.py": Target(tests=("tests/test_evidence.py",)),
    # Evidence processing (verification, metadata stripped, re-encoding, thumbnails).
    "testimonies/evidence.py": Target(tests=("tests/test_evidence.py",)),
    # Evidence serving: only a public record's files, with their headers (the exports' views are declarations).
    "testimonies/views.py": Target(
        tests=("tests/test_evidence.py",),
        mutants=("testimonies.views.x_evidence_response__mutmut_*", "testimonies.views.xǁEvidence*"),
    ),
    # The exports' formula neutralisation, public URLs and the export view; the staff export.
    "core/csv_export.py": Target(
        tests=("tests/test_export.py", "tests/test_staff_export.py", "tests/test_import.py"),
    ),
    # Optimistic locking and the workflow rules in the admin's forms.
    "core/admin_base.py": Target(
        tests=("tests/test_workflow.py", "tests/test_link_review.py", "tests/test_admin.py"),
        mutants=(
            "core.admin_base.xǁCuratedAdminFormǁ*",
            "core.admin_base.xǁCuratedAdminǁsave*",
            "core.admin_base.xǁReviewedLinkFormǁ*",
            "core.admin_base.xǁReviewedLinkPermissionsǁ*",
            "core.admin_base.x_usable_key*",
        ),
    ),
    # The import's single transaction and its checks: the file refused whole on any problem, restricted columns
    # never imported, rows locked while written, the status and version rules, permissions, the reviewer rule,
    # what goes public, the model's validation and constraints (and the cache of constraints passed). Not the
    # bulk writing's mechanics nor the reading of relation cells, which the round-trip tests check as data.
    "core/csv_import.py": Target(
        tests=("tests/test_import.py",),
        mutants=tuple(
            f"core.csv_import.{function}__mutmut_*"
            for function in (
                "xǁCsvImporterǁrun",
                "xǁCsvImporterǁload",
                "xǁCsvImporterǁcheck_header",
                "xǁCsvImporterǁplan_rows",
                "xǁCsvImporterǁexisting_records",
                "xǁCsvImporterǁplan_status_and_version",
                "xǁCsvImporterǁcheck_record",
                "xǁCsvImporterǁwrite",
                "x_check_key",
                "x_import_csv",
            )
        ),
    ),
    # The previews' lifetime (a previewed file waits at most a day, only for its session and kind) and the view
    # that applies a preview only once.
    "core/admin_import.py": Target(
        tests=("tests/test_import.py",),
        mutants=(
            "core.admin_import.xǁPendingImportsǁ*",
            "core.admin_import.xǁCsvImportAdminMixinǁimport_view__mutmut_*",
        ),
    ),
    # Backups' confinement: no path leaves the restore's folders (the manifest's shape and database name, the
    # members unpacked, the checksums, the folder swap and its undo; no symbolic link followed out of a media folder
    # when backing up) and the row counts checked before anything is kept. Not the dump's and the tools' command
    # lines, nor the object store's part (its tests need SeaweedFS). On PostgreSQL the SQLite functions have no test
    # (and the reverse): run the entry on each to cover both.
    "core/backups.py": Target(
        tests=("tests/test_backup.py",),
        mutants=tuple(
            f"core.backups.{function}__mutmut_*"
            for function in (
                "x_media_files",
                "x_read_manifest",
                "x_unpack",
                "xǁFolderSwapǁ*",
                "x_check_database_file",
                "x_check_sqlite_file",
                "x_differ_from_counts",
                "x_load_sqlite",
                "x_row_count_check",
            )
        ),
    ),
}


def run_module(module: str, max_children: int, mutants: list[str], tests: list[str]) -> None:
    """mutmut over `module` in this process (a child of `main`), which exits as mutmut does."""
    from mutmut import configuration
    from mutmut.__main__ import cli

    target = TARGETS[module]
    config = configuration.config()
    config.only_mutate = [module.partition(":")[0]]
    config.pytest_add_cli_args_test_selection = tests or list(target.tests)
    args = ["run", "--max-children", str(max_children), *(mutants or target.mutants)]
    cli.main(args, prog_name="mutmut", standalone_mode=True)


def module_results(module: str) -> None:
    from mutmut import configuration
    from mutmut.__main__ import cli

    configuration.config().only_mutate = [module.partition(":")[0]]
    cli.main(["results", "--all", "true"], prog_name="mutmut", standalone_mode=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"default: all of {', '.join(TARGETS)}")
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument("--mutants", nargs="+", default=[], help="only these mutants of the (one) module named")
    parser.add_argument(
        "--tests", nargs="+", default=[], help="only these test modules (a subset: to re-check survivors quickly)"
    )
    parser.add_argument("--resume", action="store_true", help="keep mutants/ (its stats and results) from a run")
    parser.add_argument("--child", choices=["run", "results"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    unknown = [module for module in options.modules if module not in TARGETS]
    if unknown:
        sys.exit(f"not a module of bench/mutate.py's TARGETS: {', '.join(unknown)}")
    if options.mutants and len(options.modules) != 1:
        sys.exit("--mutants needs exactly one module")
    if options.child == "run":
        run_module(options.modules[0], options.max_children, options.mutants, options.tests)
        return
    if options.child == "results":
        module_results(options.modules[0])
        return

    OUT.mkdir(parents=True, exist_ok=True)
    summary = []
    for module in options.modules or list(TARGETS):
        if not options.resume:
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        started = time.monotonic()
        print(f"\n=== {module}: {' '.join(options.tests or TARGETS[module].tests)}", flush=True)
        me = [sys.executable, __file__, module, "--max-children", str(options.max_children)]
        only = ["--mutants", *options.mutants] if options.mutants else []
        only += ["--tests", *options.tests] if options.tests else []
        run = subprocess.run([*me, *only, "--child", "run"], cwd=ROOT)  # noqa: S603 (this script, fixed arguments)
        minutes = (time.monotonic() - started) / 60
        results = subprocess.run(  # noqa: S603 (this script, fixed arguments)
            [*me, "--child", "results"], cwd=ROOT, capture_output=True, text=True
        ).stdout
        name = module.replace("/", ".").replace(".py", "").replace(":", "-")
        (OUT / f"{name}.txt").write_text(results)
        scores = subprocess.run(  # noqa: S603 (the score script of bench/)
            [sys.executable, ROOT / "bench" / "mutation_scores.py"], input=results, capture_output=True, text=True
        ).stdout
        print(scores, flush=True)
        summary.append(f"{scores.splitlines()[1] if len(scores.splitlines()) > 1 else name}  ({minutes:.0f} min)")
        if run.returncode:
            summary[-1] += f"  [mutmut exited {run.returncode}]"
    print("\n" + "\n".join(summary))


if __name__ == "__main__":
    main()
