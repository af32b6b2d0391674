"""Room for recursion proportional to the user's program.

Lowering follows the structure of the user's code: a call of a helper that calls a
helper ... is lowered by lowering each callee inside its caller, about a dozen Python
frames per level, so 200 nested helpers need about 2,400 frames where Python allows
1,000 by default. Everything that walks *lists* of statements or long expression
chains is iterative (or splits the chain); what stays recursive is nesting the user
wrote. `call_deep` runs such a pass in a helper thread with a large stack and a
recursion limit to match, and turns running out of both into a plain error.
"""
import sys
import threading

STACK_BYTES = 512 * 1024 * 1024     # reserved address space; pages are committed as used
RECURSION_LIMIT = 40_000            # Python frames; about 3,000 levels of nested calls


def call_deep(fn, *args):
    """fn(*args), with room for RECURSION_LIMIT frames; its exception is re-raised here."""
    if sys.getrecursionlimit() >= RECURSION_LIMIT:
        return fn(*args)
    outcome = {}

    def run():
        try:
            outcome["value"] = fn(*args)
        except BaseException as exc:            # handed to the calling thread
            outcome["error"] = exc

    with _LOCK:
        try:
            old_stack = threading.stack_size(STACK_BYTES)
        except (ValueError, RuntimeError):     # a platform that cannot: Python's default
            return fn(*args)
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(RECURSION_LIMIT)
        try:
            worker = threading.Thread(target=run, name="s2s_ad lowering")
            worker.start()
            worker.join()
        finally:
            threading.stack_size(old_stack)
            sys.setrecursionlimit(old_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


_LOCK = threading.Lock()
