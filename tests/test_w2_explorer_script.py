"""The live W2 explorer's script, run by Node.js outside any page: for every W₂ position and T and
x₁ around every branch of the drawing, it writes the same SVG and caption as rnn_helpers, and
numbers as number_text writes them (ties, carries, subnormals). The page itself, its sliders and
the website's copy are tested in browser/test_explorer_page.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

import pytest

from rnn_helpers.formatting import number_text
from rnn_helpers.w2_explorer import _svg_geometry, explorer_picture

NODE = shutil.which("node")
# bash .ci/setup needs Node.js (npm fetches MathJax and the widget manager), so CI always has it
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js, which bash .ci/setup needs too")

# T around every change of step_ticks' spacing; x_1 at both ends, whole and quarter decades
STEPS = (2, 5, 8, 9, 25, 26, 60)
QUARTERS = (-12, -7, -1, 0, 4)
NUMBERS = [
    0.0625, 0.375, 12.5, 13.5, 125.0, 0.5**20,  # exact ties: half to even, as numpy and Python round
    0.235, 2.35e-9,  # just below a tie (0.23499…): rounded from the exact value, not from the shortest '0.235'
    9.96e7, 9.95e-7, 999999.0, 1e6, 1e-6, 9.999e-7, 4.2e-5, 3.6e7, 2.5**40,  # carries and range ends
    8.2e-34, 2.2e-308, 5e-324, 1.7976931348623157e308, 0.0, -16.0,  # tiny, subnormal, largest, zero, sign
]

HARNESS = """
globalThis.window = globalThis;
globalThis.document = {querySelectorAll: () => []};  // no page: the script only defines its functions
%s
const task = JSON.parse(require("fs").readFileSync(0, "utf8"));
const explorer = window.rnnBookW2Explorer;
process.stdout.write(JSON.stringify({
  pictures: task.cases.map(([k, steps, quarter]) => {
    const size = explorer.sizeOf(quarter);
    return [size, explorer.picture(task.geometry, k / 20, steps, size)];
  }),
  numbers: task.numbers.map((value) => explorer.numberText(value)),
}));
"""


@pytest.fixture(scope="module")
def script_output():
    cases = [(k, steps, quarter) for k in range(51) for steps in STEPS for quarter in QUARTERS]
    script = resources.files("rnn_helpers").joinpath("js/w2_explorer.js").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / "harness.js"
        program.write_text(HARNESS % script, encoding="utf-8")
        task = json.dumps({"geometry": _svg_geometry(), "cases": cases, "numbers": NUMBERS})
        done = subprocess.run([NODE, str(program)], input=task, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return cases, json.loads(done.stdout)


def test_script_draws_what_python_draws(script_output):
    cases, output = script_output
    assert len(output["pictures"]) == len(cases) == 1785
    mismatches = [(k / 20, steps, size) for (k, steps, _), (size, html) in zip(cases, output["pictures"])
                  if html != explorer_picture(k / 20, steps, size)]
    assert not mismatches, f"{len(mismatches)} of {len(cases)} pictures differ, e.g. {mismatches[:3]}"


def test_script_writes_numbers_as_number_text(script_output):
    _, output = script_output
    assert output["numbers"] == [number_text(value) for value in NUMBERS]
