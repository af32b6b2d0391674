"""The project's suite (benchmarks/) as Markdown tables, one row per case; JSON
through report.write_json."""
from . import machine as machine_info
from .peers import PEERS
from .report import format_error as _error, seconds as _seconds, table as _table
from .timing import format_seconds


FD_COLUMNS = ("central FD", "forward FD", "Richardson FD", "complex step")


def markdown(results):
    rows = results["cases"]
    parts = [machine_info.line(results["machine"])]
    targets = _targets_table(results.get("sections", ()))
    if targets:
        parts += ["", targets]
    if rows:
        parts += ["", _time_table(rows), "", _accuracy_table(rows), "", _peer_table(rows)]
        sweep = _sweep_table(rows)
        if sweep:
            parts += ["", sweep]
        notes = _notes(rows)
        if notes:
            parts += ["", *notes]
    for section in results.get("sections", ()):
        parts += ["", f"### {section['title']}", "", section["markdown"]]
    if results.get("skipped_sections"):
        parts += ["", "Not run in --quick: " + ", ".join(results["skipped_sections"])
                  + " (a full run, or --only NAME, runs it)."]
    return "\n".join(parts) + "\n"


def _targets_table(sections):
    """Every target a section measured (issue 11's), met or missed, in one table."""
    lines = []
    for section in sections:
        data = section.get("data")
        for t in (data.get("targets", ()) if isinstance(data, dict) else ()):
            met = t["measured"] <= t["target"]
            lines.append([section["name"], t["what"], f"≤ {t['target']:g}",
                          f"{t['measured']:.4g}", "met" if met else "**missed**"])
    if not lines:
        return ""
    return ("### Targets\n\n" + _table(["section", "measure", "target", "measured", ""], lines)
            + "\n\nFrom the sections below, this run, this machine (see the load average).")


def _fd_cell(row, name):
    if name not in row["times"]:
        return "unavailable"        # the complex step, when f does not take complex input
    text = format_seconds(_seconds(row, name))
    return "≈" + text if "estimated_from" in row["times"][name] else text


def _ad_ok(row):
    return row["s2s_ad"]["status"] == "ok"


def _time_table(rows):
    lines = []
    for row in rows:
        f, ad = _seconds(row, "f"), _seconds(row, "s2s_ad")
        if _ad_ok(row):
            ad_cells = [format_seconds(ad), f"{ad / f:.2f}", format_seconds(row["compile_seconds"])]
        else:
            ad_cells = [row["s2s_ad"]["status"], "–", "–"]
        lines.append([row["name"], str(row["inputs"]), format_seconds(f), *ad_cells,
                      format_seconds(_seconds(row, "hand")),
                      *[_fd_cell(row, name) for name in FD_COLUMNS]])
    return "### Time per call (median)\n\n" + _table(
        ["benchmark", "inputs", "f", "s2s_ad grad", "grad / f", "compile",
         "hand-written grad", *FD_COLUMNS], lines)


def _accuracy_table(rows):
    lines = []
    for row in rows:
        e = row["errors"]
        coords = "all" if not row["fd"]["estimated"] else f"{row['fd']['coords']} of {row['fd']['of']}"
        lines.append([row["name"], coords] + [_error(e.get(k)) for k in (
            "central_vs_ad", "forward_vs_ad", "richardson_vs_ad", "complex_vs_ad",
            "ad_vs_hand", "central_vs_hand", "forward_vs_hand")])
    return ("### Largest relative error ‖a − b‖∞ / ‖b‖∞\n\n" + _table(
        ["benchmark", "FD coordinates", "central FD vs s2s_ad", "forward FD vs s2s_ad",
         "Richardson vs s2s_ad", "complex step vs s2s_ad",
         "s2s_ad vs hand", "central FD vs hand", "forward FD vs hand"], lines))


def _peer_cell(row, peer):
    info = row["peers"].get(peer)
    if info is None:
        return "not run"
    if info["status"] != "ok":
        return info["status"]
    t, ad = _seconds(row, peer), _seconds(row, "s2s_ad")
    return format_seconds(t) + (f" ({t / ad:.1f}×)" if ad else "")


def _peer_table(rows):
    lines = [[row["name"],
              format_seconds(_seconds(row, "s2s_ad")) if _ad_ok(row) else row["s2s_ad"]["status"]]
             + [_peer_cell(row, peer) for peer in PEERS] for row in rows]
    return ("### Other AD tools: gradient time (× = time / s2s_ad time)\n\n"
            + _table(["benchmark", "s2s_ad", *PEERS], lines))


def _sweep_table(rows):
    swept = [row for row in rows if row.get("sweep")]
    if not swept:
        return ""
    steps = swept[0]["sweep"]["steps"]
    header, columns, captions = ["h"], [], []
    for row in swept:
        s = row["sweep"]
        header += [f"{row['name']} forward", f"{row['name']} central"]
        columns += [s["forward"], s["central"]]
        if s["ad_error"] is not None:
            captions.append(f"{row['name']}: s2s_ad error {s['ad_error']:.1e}")
    lines = [[f"{h:.0e}"] + [_error(col[i]) for col in columns] for i, h in enumerate(steps)]
    reference = "the hand-written gradient" if swept[0]["sweep"]["reference"] == "hand" else "s2s_ad"
    return (f"### Accuracy sweep: FD error vs base step h (against {reference})\n\n"
            + _table(header, lines) + ("\n\n" + "; ".join(captions) if captions else ""))


def _notes(rows):
    notes = []
    if any(row["fd"]["estimated"] for row in rows):
        notes.append("≈ FD time measured on an even spread of coordinates and scaled to all "
                     "inputs; the accuracy table's FD coordinates are those its errors cover.")
    for row in rows:
        if not _ad_ok(row):
            notes.append(f"{row['name']}: s2s_ad {row['s2s_ad']['status']}: "
                         f"{row['s2s_ad'].get('message', '')}")
        check = row.get("crosscheck")
        if check and not (check["agrees"] or check["central_agrees"]):
            notes.append(f"**WARNING: {row['name']}: s2s_ad's gradient disagrees with "
                         f"Richardson differences ({check['error']:.1e})**"
                         + ("" if check["fd_consistent"] else
                            " (finite differences disagree among themselves: f may be "
                            "non-smooth here)"))
        complex_step = row["fd"]["methods"].get("complex", {})
        if complex_step.get("status") == "unavailable":
            notes.append(f"{row['name']}: complex step unavailable: {complex_step['message']}")
        for peer, info in row["peers"].items():
            if info["status"].startswith("failed"):
                notes.append(f"{row['name']}: {peer} {info['status']}: {info.get('message', '')}")
    return notes
