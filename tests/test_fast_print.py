"""fast_print writes astor's text for the statements it prints, and leaves the rest to
astor (emit.statements_source then prints those with astor)."""
import ast

import pytest

from s2s_ad import emit

# astor is the printer where it imports without warnings (3.11 here); elsewhere the
# standard library's unparser prints everything and fast_print is not used.
astor = emit._astor()
needs_astor = pytest.mark.skipif(astor is None, reason="astor is not the printer here")

STATEMENTS = [
    "x_bar = g * np.cos(x)",
    "y = -x ** 2",
    "y = (-x) ** 2",
    "y = (a + b) * c",
    "y = a - (b - c)",
    "y = a - b - c",
    "y = a ** b ** c",
    "y = (a ** b) ** c",
    "y = a / (b * c)",
    "y = -(a * b)",
    "y = not a",
    "y = a if b else c",
    "y = x[1:, ::2]",
    "y = x[i, j]",
    "y = x[(i, j)]",
    "y = x[:, None]",
    "y = x[a:b:None]",
    "y = (a, b)",
    "y = a,",
    "y = ()",
    "y = [a, (b, c)]",
    "a, b = t",
    "y = np.sum(x, axis=(0, 1), keepdims=True)",
    "y = f(*args)",
    "y = f(**kw)",
    "y = f(a)(b).c[d]",
    "y = (a + b).T",
    "y = (1.0).real",
    "y = a < b <= c",
    "y = a and (b or c)",
    "y = a is not None",
    "y = 'text'",
    "y = 1e300 * 10.0",
    "y = 3 + True",
    "lst.append(v)",
    "y = x @ (a @ b)",
    "y = a % b // c",
]


@needs_astor
@pytest.mark.parametrize("text", STATEMENTS)
def test_same_text_as_astor_or_left_to_it(text):
    from s2s_ad import fast_print
    statement = ast.parse(text).body[0]
    expected = astor.to_source(statement, pretty_source="".join).rstrip("\n")
    try:
        line = fast_print.line(statement)
    except fast_print.Unprintable:
        return
    assert line == expected


@needs_astor
def test_trees_built_by_hand_print_as_astor_prints_them():
    from s2s_ad import fast_print
    # Negative literals and nested operators as the compiler builds them, not as parse.
    name = lambda n: ast.Name(n, ast.Load())        # noqa: E731
    cases = [ast.BinOp(ast.Constant(-2.0), ast.Pow(), name("x")),
             ast.BinOp(name("x"), ast.Pow(), ast.Constant(-1)),
             ast.BinOp(name("a"), ast.Sub(), ast.BinOp(name("b"), ast.Add(), name("c"))),
             ast.UnaryOp(ast.USub(), ast.Constant(3.0)),
             ast.Attribute(ast.Constant(2), "real", ast.Load())]
    for value in cases:
        statement = ast.fix_missing_locations(
            ast.Assign([ast.Name("y", ast.Store())], value, lineno=1))
        assert fast_print.line(statement) == \
            astor.to_source(statement, pretty_source="".join).rstrip("\n")


def test_statements_source_prints_each_statement_as_the_printer_does_in_order():
    texts = ["a = b + c", "y = 'text'", "z = f(*args)", "w = a * 2.0", "v = -x ** 2"]
    statements = [ast.parse(t).body[0] for t in texts]
    printed = emit.statements_source(statements)
    assert printed.splitlines() == [emit.to_source(s).rstrip("\n") for s in statements]
    assert [ast.dump(ast.parse(line).body[0]) for line in printed.splitlines()] == \
        [ast.dump(s) for s in statements]
