"""Print mutmut's counts per module of rnn_helpers and the mutation score (issue 20).

Usage: ``.venv/bin/python scripts/mutation_score.py [module ...]`` after a mutmut run
(scripts/mutation_test.sh calls it). Reads the results mutmut keeps in
mutants/rnn_helpers/*.py.meta. A mutant listed in tests/mutation_equivalents.md (its name in
backticks at the start of a list item) is equivalent: it computes what the original computes,
so no test can kill it; it is counted apart and left out of the score.

score = killed / (killed + survived + timeout + no tests + suspicious), over the modules
whose every mutant was checked; modules with unchecked mutants are listed as not run.
A timeout counts as killed, as mutmut itself counts it (the mutant made the tests hang).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", None: "not checked"}
COLUMNS = ("killed", "timeout", "survived", "equivalent", "no tests", "suspicious", "not checked")


def equivalents() -> set[str]:
    path = ROOT / "tests" / "mutation_equivalents.md"
    if not path.exists():
        return set()
    return set(re.findall(r"^- `(rnn_helpers\.[^`]+)`", path.read_text(), flags=re.M))


def counts(modules: list[str]) -> dict[str, Counter]:
    equivalent = equivalents()
    table = {}
    for meta in sorted((ROOT / "mutants" / "rnn_helpers").glob("*.py.meta")):
        module = meta.name[: -len(".py.meta")]
        if modules and module not in modules:
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        row = Counter()
        for name, code in codes.items():
            status = STATUS.get(code, "suspicious")
            if status == "survived" and name in equivalent:
                status = "equivalent"
            row[status] += 1
        if codes:
            table[module] = row
    return table


def main(modules: list[str]) -> int:
    table = counts(modules)
    print(f"{'module':18}" + "".join(f"{c:>12}" for c in COLUMNS))
    total, skipped = Counter(), []
    for module, row in table.items():
        print(f"{module:18}" + "".join(f"{row[c]:>12}" for c in COLUMNS))
        if row["not checked"]:
            skipped.append(module)
        else:
            total += row
    killed = total["killed"] + total["timeout"]
    scored = killed + total["survived"] + total["no tests"] + total["suspicious"]
    if scored:
        print(f"\nmodules fully run: {len(table) - len(skipped)}; mutants: {sum(total.values())}, "
              f"equivalent: {total['equivalent']}")
        print(f"mutation score: {killed} of {scored} non-equivalent mutants killed "
              f"({100 * killed / scored:.1f} %)")
    if skipped:
        print("not (fully) run: " + ", ".join(skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
