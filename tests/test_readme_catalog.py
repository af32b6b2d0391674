"""The README's list of primitives (between its markers) is the rule table's, as
s2s_ad.rules.catalog writes it: regenerate with
`python -m s2s_ad.rules.catalog --write README.md` after adding rules."""
import pathlib
import re

import pytest

from s2s_ad.rules import catalog

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_lists_the_tables_primitives():
    pytest.importorskip("scipy")
    import scipy.linalg, scipy.special, scipy.stats  # noqa: F401,E401
    block = catalog.readme_block(README.read_text())
    assert block is not None, "README.md lost its primitives markers"
    assert block == catalog.markdown(), (
        "README.md's primitives are out of date: run "
        "python -m s2s_ad.rules.catalog --write README.md")


def test_the_count_is_the_sum_of_the_families():
    pytest.importorskip("scipy")
    import scipy.linalg, scipy.special, scipy.stats  # noqa: F401,E401
    text = catalog.markdown()
    total = int(re.search(r"\*\*(\d+) primitives\*\*", text).group(1))
    per_family = [int(n) for n in re.findall(r"\*\* \((\d+)\):", text)]
    assert total == sum(per_family) == sum(len(v) for v in catalog.primitives().values())
    # tuple results count once; the compiler's helpers and the parts not at all
    names = set().union(*(set(v) for v in catalog.primitives().values()))
    assert "eigh" in names and "eigh[0]" not in names and "scatter" not in names
