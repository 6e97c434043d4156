"""Bug synthesis: plant bugs in a correct repository and keep those its tests catch.

    result = synthesize(Path("mylib"), make_sandbox(), SynthesisConfig(n=20, seed=1))
    write_tasks(result.tasks, Path("suite"))

`OPERATORS` names the mutation operators; `enumerate_mutants` lists every mutant of a
repository; `synthesize` tries them, keeps the caught ones, deduplicates and validates;
`build_suite` does that for several repositories into one suite directory, skipping the
mutants earlier builds into it tried.
"""

from fixloop.tasks.synthesis.build import build_suite, check_output_directory
from fixloop.tasks.synthesis.mutants import Mutant, enumerate_mutants, is_test_file
from fixloop.tasks.synthesis.operators import OPERATORS, Site
from fixloop.tasks.synthesis.seeds import SEEDS_DIR, seed_repos
from fixloop.tasks.synthesis.synthesizer import (
    Candidate,
    Rejection,
    Strategy,
    SynthesisConfig,
    SynthesisError,
    SynthesisResult,
    Verdict,
    synthesize,
    write_tasks,
)

__all__ = [
    "OPERATORS",
    "SEEDS_DIR",
    "Candidate",
    "Mutant",
    "Rejection",
    "Site",
    "Strategy",
    "SynthesisConfig",
    "SynthesisError",
    "SynthesisResult",
    "Verdict",
    "build_suite",
    "check_output_directory",
    "enumerate_mutants",
    "is_test_file",
    "seed_repos",
    "synthesize",
    "write_tasks",
]
