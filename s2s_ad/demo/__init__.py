"""`python -m s2s_ad demo [NAME]`: the lecture's worked examples, runnable.

Without a name every sub-demo runs briefly, in the lecture's order; with one, that
sub-demo runs in full. Each sub-demo is a module with `run(brief=False)`.
"""
import importlib
import inspect

# name -> (module, what it shows). The order is the lecture's.
DEMOS = {
    "trace": ("s2s_ad.demo.trace", "the forward and reverse trace table of ln(x1) + x1*x2 - sin(x2)"),
    "graph": ("s2s_ad.demo.graph", "the computation-graph example z1..z6 and its six adjoint steps"),
    "backprop": ("s2s_ad.demo.backprop", "the sigmoid network beside the δ recursion"),
    "cost": ("s2s_ad.demo.cost", "Baur–Strassen: gradient cost against function cost"),
    "clarke": ("s2s_ad.clarke_demo", "ReLU at 0: the Clarke differential and the Clarke-correct mode"),
    "sgd": ("s2s_ad.demo.sgd", "GD, SGD and mini-batch SGD on the logistic loss"),
}


def run(name, brief=False):
    module = importlib.import_module(DEMOS[name][0])
    if "brief" in inspect.signature(module.run).parameters:
        return module.run(brief=brief)
    return module.run()             # a demo with one length only


def main(name=None):
    """One demo in full, or (no name) every demo briefly."""
    if name is not None:
        run(name)
        return
    for number, (each, (_, about)) in enumerate(DEMOS.items()):
        if number:
            print()
        rule = "=" * 78
        print(f"{rule}\n{each}: {about}   (python -m s2s_ad demo {each})\n{rule}\n")
        run(each, brief=True)
