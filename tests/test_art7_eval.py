"""The Art. 7 evaluation (bench/art7) end to end on two generated agency sites (no hub; documents on
their own pages), each served on 127.0.0.1 and audited with the real CLI, offline."""

import sys
from pathlib import Path

from bench.art7 import evaluate


def test_generated_sites_get_their_ground_truth(tmp_path):
    govaudit = str(Path(sys.executable).with_name("govaudit"))
    outcomes = evaluate.evaluate([1, 2], tmp_path, jobs=1, govaudit=govaudit)
    assert {o.layout for o in outcomes} == {"spread", "lists"}
    assert {o.truth for o in outcomes} >= {"found", "missing", "weak"}
    wrong = [(o.site, o.cat, o.truth, o.got, o.reason) for o in outcomes if o.truth != o.got]
    assert not wrong
