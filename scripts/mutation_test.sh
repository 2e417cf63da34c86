#!/usr/bin/env bash
# Mutation testing of rnn_helpers with the unit tests alone (issue 20). A contributor runs it;
# it is not part of .ci/test. Needs the development tools: .venv/bin/pip install -r requirements-dev.txt
#
#   bash scripts/mutation_test.sh                    # every module (many hours on a small machine)
#   bash scripts/mutation_test.sh numpy_rnn losses   # only these modules of rnn_helpers
#   bash scripts/mutation_test.sh --again [module ...]  # only the mutants a past run left alive
#
# mutmut (configured in pyproject.toml, [tool.mutmut]) copies the package and the tests into
# ./mutants/, changes one thing in the code at a time (a mutant), and runs the unit tests that
# reach the changed function; a mutant is killed when one of them fails. Results are kept in
# ./mutants/ between runs: a run without modules tests only mutants not yet checked (or of
# changed functions); naming modules reruns all of theirs. Inspect a survivor with
# `.venv/bin/mutmut show NAME`, rerun one with `.venv/bin/mutmut run NAME`. Equivalent
# mutants are listed, each with its reason, in tests/mutation_equivalents.md.
# --again reruns only the mutants that survived (or had no test) in the results kept in ./mutants/,
# after tests were added: much quicker than a whole module, and the killed ones stay killed as
# long as no test was weakened. It recollects which tests reach which function first.
# It runs niced with one worker (set MUTMUT_WORKERS for more), so the machine stays usable.
set -euo pipefail
cd "$(dirname "$0")/.."
# the mutated copy in ./mutants/ must be the package imported, not the checkout
unset PYTHONPATH
workers="${MUTMUT_WORKERS:-1}"
patterns=()
if [[ "${1:-}" == "--again" ]]; then
    shift
    modules="${*:-.*}"
    mapfile -t patterns < <(.venv/bin/mutmut results 2>/dev/null \
        | grep -E "^ *rnn_helpers\.(${modules// /|})\.[^ ]*: (survived|no tests)$" | sed -E 's/^ *//; s/: .*//')
    if (( ${#patterns[@]} == 0 )); then
        echo "no surviving mutants recorded in ./mutants/ for: ${modules}" >&2
        exit 1
    fi
    rm -f mutants/mutmut-stats.json  # new tests: collect again which tests reach which function
else
    for module in "$@"; do
        patterns+=("rnn_helpers.${module}.*")
    done
fi
nice -n 19 .venv/bin/mutmut run --max-children "$workers" "${patterns[@]}" || true
.venv/bin/python scripts/mutation_score.py "$@"
