"""One suite case, measured with the package's machinery (s2s_ad.bench.measure): the
case supplies its data, hand-written gradient and whether to sweep; the row gets the
case's name, family and size for the tables and the time-vs-d plot."""
from s2s_ad.bench.measure import FULL, QUICK, measure as measure_function  # noqa: F401


def measure(case, settings, peer_names):
    row = {"name": case.name, "family": case.family, "size": case.size,
           "notes": list(case.notes)}
    row.update(measure_function(case.f, case.args(), case.argnums, settings,
                                analytic=case.analytic, peer_names=peer_names,
                                sweep=case.sweep))
    return row
