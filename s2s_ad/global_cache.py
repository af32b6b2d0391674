"""The global cache of gradient objects (api.py's `grad` and `value_and_grad` consult it).

`grad(loss)(w, X, y)` written inside a training loop makes a new gradient object per
step; each would parse, lower and compile `loss` again (milliseconds). A function
made by the same `def` statement, reading the same globals dict and the same closure
cells, with the same defaults, is the same function to s2s_ad (which reads its code
object, not its attributes; only the gradient's __name__ and __doc__ come from the
first such function): it gets the gradient object made the first time (also when
`.source` then shows another signature's code: `.compile(*args)` sets it to the code
for `args`). That object is exactly as valid as one the user kept: on every call it
checks that the globals, closure variables, builtins and helpers its code was built
from still hold the same objects, and recompiles if not (dependencies.py). The cells
themselves (not only their contents) are in the key for that reason: the checks read
the cells the code was built from, so a function with new cells (another call of the
enclosing function) gets a gradient of its own.

Two levels, both exact:
- `TRANSFORMED`, an LRU dict keyed by `key(...)`: code object, globals dict, closure
  cells and defaults (by identity), argnums, grad or value_and_grad, has_aux, and the
  settings the code was compiled under.
- the last answer, which `grad` itself tests first by identity alone (no key built,
  no call). It holds the settings as the objects the environment returned (see
  `env_get`), so a changed setting is seen without comparing strings.
"""
import collections
import os
import types

from .scalar_loops import _plain_depth

CACHE_SIZE = 128            # least recently used entries beyond this are dropped
TRANSFORMED = collections.OrderedDict()


# -- settings ----------------------------------------------------------------------------
#
# The environment variables that change the code compiled (S2S_AD_CHECK: the tape's
# debug checks; S2S_AD_OPTIMISE=0: the scalar-loop rewrites off): a gradient made
# under another setting is not reused. (S2S_AD_PRINTER and S2S_AD_DUMP only change how
# code is printed or shown, not what it computes.) Inside `scalar_loops.plain_code()`
# code is compiled plain as well.
#
# os.environ.get costs a microsecond (a KeyError raised and caught for an unset name);
# on POSIX the bytes dictionary behind it answers in tens of nanoseconds, and returns
# the very object stored until the variable is set again: `is` then tells "unchanged".
# Elsewhere os.environ.get decodes a new string per call: `is` fails, and the caller
# takes the slower path that compares the values (still right, only slower).

def _environment():
    data = getattr(os.environ, "_data", None) if os.name == "posix" else None
    if type(data) is dict:
        return data.get, os.fsencode
    return os.environ.get, str


env_get, _encode = _environment()
CHECK = _encode("S2S_AD_CHECK")
OPTIMISE = _encode("S2S_AD_OPTIMISE")


def settings():
    """What the compiled code depends on besides the function: both variables and
    whether plain code is requested."""
    return env_get(CHECK), env_get(OPTIMISE), _plain_depth[0] > 0


# -- the key -----------------------------------------------------------------------------

_FUNCTION = types.FunctionType


def key(fun, argnums, with_value, has_aux, settings):
    """The key of `fun` with these options, or None when it is not to be cached (not a
    plain function, or argnums other than ints, which compiling checks and refuses).
    Ids stand for objects that are compared by identity (cells and floats compare equal
    by value: 0.0 == -0.0; a code object hashes its whole contents); the entry keeps
    those objects alive. (This runs for each new `grad(f)`: written for speed.)"""
    if type(fun) is not _FUNCTION:
        return None
    kind = type(argnums)
    if kind is not int:
        if kind is not tuple and kind is not list:
            return None
        for n in argnums:
            if type(n) is not int:
                return None
        argnums = tuple(argnums)
    closure, defaults = fun.__closure__, fun.__defaults__
    return (id(fun.__code__), id(fun.__globals__),
            None if closure is None else tuple(map(id, closure)),
            None if defaults is None else tuple(map(id, defaults)),
            argnums, with_value, not not has_aux, settings)


def lookup(fun, argnums, with_value, has_aux):
    """(key, cached gradient or None); key None: not cacheable."""
    now = env_get(CHECK), env_get(OPTIMISE), _plain_depth[0] > 0      # settings()
    k = key(fun, argnums, with_value, has_aux, now)
    if k is None:
        return None, None
    entry = TRANSFORMED.get(k)
    if entry is None:
        return k, None
    TRANSFORMED.move_to_end(k)
    remember(fun, argnums, with_value, has_aux, entry[0], now)
    return k, entry[0]


def store(k, fun, argnums, with_value, has_aux, gradient):
    """Keep `gradient` under key `k` (from `lookup`). The entry keeps the objects whose
    ids are in the key alive, so no other object can take one of those ids while the
    entry exists."""
    TRANSFORMED[k] = (gradient, fun.__code__, fun.__globals__, fun.__closure__,
                      fun.__defaults__)
    while len(TRANSFORMED) > CACHE_SIZE:
        TRANSFORMED.popitem(last=False)
    if k in TRANSFORMED:
        remember(fun, argnums, with_value, has_aux, gradient, k[-1])
    else:                       # CACHE_SIZE = 0: nothing is kept
        clear()


# -- the last answer ---------------------------------------------------------------------
#
# api.grad and api.value_and_grad test the last answer first, by identity, before any
# call: `grad(loss)` in a loop passes the very same function and argnums object each
# time. It lives as plain globals of api.py (`bind`), the cheapest names a function
# can read (a tuple read item by item costs half as much again): `_last_fun`,
# `_last_argnums`, `_last_with_value`, `_last_has_aux`, `_last_code`,
# `_last_defaults`, `_last_gradient`, and `_last_check`, `_last_optimise`, the
# settings as the objects `env_get` returned. Its entry is the most recently used
# one, so answering from there keeps the LRU order right. A function object's globals
# and closure cells cannot be replaced, its code and defaults can: those two are
# compared too. Never set for plain code (the test there requires
# `_plain_depth[0] == 0`).
NOTHING = object()
_answers = {}


def bind(namespace):
    """Keep the last answer in `namespace` (api.py's globals)."""
    global _answers
    _answers = namespace
    forget_last()


def remember(fun, argnums, with_value, has_aux, gradient, now):
    check, optimise, plain = now
    if plain:
        forget_last()
        return
    answers = _answers              # item by item: update(**names) costs 3x as much
    answers["_last_fun"] = NOTHING  # first: never a half-written answer for `fun`
    answers["_last_argnums"] = argnums
    answers["_last_with_value"] = with_value
    answers["_last_has_aux"] = has_aux
    answers["_last_code"] = fun.__code__
    answers["_last_defaults"] = fun.__defaults__
    answers["_last_gradient"] = gradient
    answers["_last_check"] = check
    answers["_last_optimise"] = optimise
    answers["_last_fun"] = fun


def forget_last():
    _answers.update(dict.fromkeys(("_last_fun", "_last_argnums", "_last_with_value",
                                   "_last_has_aux", "_last_code", "_last_defaults",
                                   "_last_gradient", "_last_check", "_last_optimise"),
                                  NOTHING))


def clear():
    """Forget every cached gradient object (they keep their functions and the
    globals those read alive); later `grad(f)` calls compile afresh."""
    TRANSFORMED.clear()
    forget_last()

