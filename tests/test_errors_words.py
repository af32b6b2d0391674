"""Messages that say what to do, in the user's words (issue 9, item 4): each names the
user's own variable or function as they wrote it, never a rule's parameter, a private
qualified name, a memory address or one of Python's AST node names, and says what to
write instead; one compile reports every subset problem of a function at once."""
import functools
import inspect
import subprocess
import sys

import numpy as np
import pytest
try:
    import scipy.stats
except ImportError:     # the SciPy name tests skip themselves
    scipy = None

from s2s_ad import TranslationError, grad


def line_of(fun, needle):
    lines, start = inspect.getsourcelines(fun)
    return start + next(i for i, line in enumerate(lines) if needle in line)


def refusal(fun, *args):
    with pytest.raises(TranslationError) as info:
        grad(fun)(*args)
    return info.value


# -- the user's variable, not the rule's parameter ------------------------------------------

def masked_running_sum(x):
    kept = x[x > 0]
    return np.sum(np.cumsum(kept))


def test_an_unknown_shape_names_the_users_variable():
    error = refusal(masked_running_sum, np.array([1.0, -2.0, 3.0]))
    assert "the shape of 'kept'" in error.msg and "'a'" not in error.msg
    assert "np.where(mask, x, 0.0)" in error.msg            # what to write instead
    assert error.lineno == line_of(masked_running_sum, "np.cumsum(kept)")


# -- public names, no addresses ----------------------------------------------------------------

def uses_laplace(x):
    return scipy.stats.laplace.cdf(x)


def uses_ppf(x):
    return scipy.stats.norm.ppf(x)


@pytest.mark.parametrize("fun, public", [(uses_laplace, "scipy.stats.laplace.cdf"),
                                         (uses_ppf, "scipy.stats.norm.ppf")])
def test_a_missing_scipy_rule_is_named_as_the_user_wrote_it(fun, public):
    pytest.importorskip("scipy")
    error = refusal(fun, 0.3)
    assert f"no derivative rule for {public};" in error.msg
    assert "._" not in error.msg and "rv_continuous" not in error.msg


def scaled(x, factor):
    return np.sum(x * factor)


def test_a_partial_is_shown_without_its_address_with_what_to_write():
    with pytest.raises(TypeError) as info:
        grad(functools.partial(scaled, factor=2.0))(np.ones(3))
    message = str(info.value)
    assert " at 0x" not in message and "functools.partial(" in message
    assert "scaled" in message and "lambda x: scaled(x, factor=...)" in message


PARTIAL = functools.partial(scaled, factor=2.0)


def calls_a_partial(x):
    return PARTIAL(x)


def test_a_partial_called_inside_is_named_without_its_address():
    error = refusal(calls_a_partial, np.ones(3))
    assert " at 0x" not in error.msg and "scaled" in error.msg


# -- what a statement changes ------------------------------------------------------------------

def dict_write(x):
    d = {"a": 1.0}
    d["a"] = x
    return d["a"] * 2.0


def test_assigning_into_a_dict_is_not_called_an_array_write():
    error = refusal(dict_write, 0.3)
    assert "the dict 'd'" in error.msg and "array" not in error.msg
    assert "d = {" in error.msg
    assert error.lineno == line_of(dict_write, 'd["a"] = x')


def out_assigned(x):
    buffer = np.zeros(3)
    y = np.multiply(x, 2.0, out=buffer)
    return np.sum(y)


def out_statement(x):
    buffer = np.zeros(3)
    np.multiply(x, 2.0, out=buffer)
    return np.sum(buffer)


def sorts_in_place(x):
    y = x * 1.0
    y.sort()
    return np.sum(y * np.arange(3.0))


@pytest.mark.parametrize("fun, needle, says", [
    (out_assigned, "out=buffer", ["into 'buffer' in place", "buffer = np.multiply(x, 2.0)"]),
    (out_statement, "out=buffer", ["into 'buffer' in place", "buffer = np.multiply(x, 2.0)"]),
    (sorts_in_place, "y.sort()", ["changes 'y' in place", "y = np.sort(y)"]),
])
def test_in_place_changes_say_what_they_change_and_what_to_write(fun, needle, says):
    error = refusal(fun, np.array([3.0, 1.0, 2.0]))
    for text in says:
        assert text in error.msg
    assert "no effect" not in error.msg
    assert error.lineno == line_of(fun, needle)


def two_outputs(x):
    return x * 2.0, x


def test_a_tuple_return_mentions_has_aux():
    error = refusal(two_outputs, 0.3)
    assert "has_aux=True" in error.msg and "a tuple of 2 values" in error.msg


# -- Python's words, not its AST's --------------------------------------------------------------

def uses_match(x):
    match x:
        case 1.0:
            return x
    return x * 2.0


def identity_of_values(x):
    y = x * 2.0
    if y is x:
        return x
    return y


def uses_set(x):
    s = {1.0, 2.0}
    return x * len(s)


@pytest.mark.parametrize("fun, words", [(uses_match, "'match' statement"),
                                        (identity_of_values, "'is' compares"),
                                        (uses_set, "set displays")])
def test_no_ast_node_names(fun, words):
    error = refusal(fun, 0.3)
    assert words in error.msg
    assert not any(f"'{n}'" in error.msg for n in ("Match", "Set", "Is", "Compare"))


# -- several problems, one compile ---------------------------------------------------------------

def many_problems(x):
    s = {1.0, 2.0}
    match x:
        case 1.0:
            pass
    with open("never") as handle:
        pass
    del s
    return x


def test_every_subset_problem_is_reported_at_once():
    error = refusal(many_problems, 0.3)
    assert error.lineno == line_of(many_problems, "s = {1.0, 2.0}")     # the first
    assert "set displays" in error.msg
    assert "'many_problems' has 3 more problems to fix:" in error.msg
    for needle, words in (("match x:", "the 'match'"), ("with open", "'with'"),
                          ("del s", "'del'")):
        assert f"line {line_of(many_problems, needle)}: {words}" in error.msg


def test_show_of_a_missing_function_is_a_clean_message(tmp_path):
    (tmp_path / "m.py").write_text("def f(x):\n    return x\n")
    out = subprocess.run([sys.executable, "-m", "s2s_ad", "show", f"{tmp_path}/m.py:nope"],
                         capture_output=True, text=True, cwd=str(__import__("pathlib").Path(
                             __file__).parent.parent))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "has no function nope" in out.stderr
