"""Unsupported constructs around control flow give located errors."""
import inspect

import pytest

from s2s_ad import TranslationError, grad

from . import error_cases as cases


def line_of(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("fn, text, message", [
    (cases.comprehension, "for i in range(3)}", "set comprehensions"),
    (cases.try_block, "try:", "'try' blocks"),
    (cases.generator, "yield", "generators"),
    (cases.class_inside, "class Box", "class definitions"),
    (cases.global_write, "global G", "'global'"),
    (cases.for_else, "x = x + 1.0", "'for ... else'"),
    (cases.while_else, "x = x + 1.0", "'while ... else'"),
    (cases.missing_return, "if x > 0:", "on every path"),
    (cases.loop_over_call, "sorted(", "not over a call of sorted"),
    (cases.write_into_view, "v[0] = x", "does not own"),
])
def test_located_error(fn, text, message):
    with pytest.raises(TranslationError) as info:
        grad(fn)(1.5)
    error = info.value
    assert message in error.msg
    assert error.lineno == line_of(fn, text)
    assert error.filename.endswith("error_cases.py")
    assert text.strip() in error.text
