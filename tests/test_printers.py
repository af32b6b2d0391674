"""The generated source is the same code whichever printer prints it: astor where it
works, ast.unparse where astor is missing, fails or warns."""
import ast
import warnings

import numpy as np
import pytest
from s2s_ad import emit, grad, value_and_grad
from tests.test_export import CASES


def sources(monkeypatch, module):
    monkeypatch.setattr(emit, "_ASTOR", [module])
    out = []
    for fun, args, argnums, mode in CASES:
        transform = value_and_grad if mode == "value_and_grad" else grad
        g = transform(fun, argnums=argnums)
        g.compile(*args)
        out.append(g.source)
    return out


def test_both_printers_give_the_same_code(monkeypatch):
    with warnings.catch_warnings():         # astor warns on Python 3.12+ (ast.Num)
        warnings.simplefilter("ignore")
        astor = pytest.importorskip("astor")   # made unavailable: nothing to compare
        by_unparse = sources(monkeypatch, None)
        for text in by_unparse:             # astor reprints what ast.unparse printed
            tree = ast.parse(text)
            assert ast.dump(ast.parse(astor.to_source(tree))) == ast.dump(tree)
    if emit._astor() is not None:           # where s2s_ad prints with astor itself
        for a, b in zip(sources(monkeypatch, astor), by_unparse):
            assert ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
            # the return line is printed by render.py itself: identical text
            assert a.rstrip().splitlines()[-1] == b.rstrip().splitlines()[-1]


def test_return_line_has_no_added_parentheses(monkeypatch):
    monkeypatch.setattr(emit, "_ASTOR", [None])
    g = value_and_grad(lambda_free, argnums=(0, 1))
    g(1.0, 2.0)
    last = g.source.rstrip().splitlines()[-1]
    assert last.startswith("    return ") and not last.startswith("    return (")
    assert last.endswith(", (float(x_bar), float(x))")


def lambda_free(x, y):
    return x * y + np.sin(x)


def test_printer_is_named():
    assert emit.printer() in ("astor", "ast.unparse")
