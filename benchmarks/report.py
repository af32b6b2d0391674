"""Turn measured rows into Markdown tables and a JSON file."""
import json
from pathlib import Path

from benchmarks import machine as machine_info
from benchmarks.peers import PEERS
from benchmarks.timing import format_seconds


def markdown(results):
    rows = results["cases"]
    parts = [machine_info.line(results["machine"]), "",
             _time_table(rows), "", _accuracy_table(rows), "", _peer_table(rows)]
    sweep = _sweep_table(rows)
    if sweep:
        parts += ["", sweep]
    notes = _notes(rows)
    if notes:
        parts += ["", *notes]
    return "\n".join(parts) + "\n"


def write_json(results, path):
    Path(path).write_text(json.dumps(results, indent=1, default=_jsonable) + "\n")


def _jsonable(value):
    # NumPy scalars sneak in from reductions; JSON wants Python numbers.
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _table(header, lines):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return "\n".join(out)


def _seconds(row, name):
    timing = row["times"].get(name)
    return None if timing is None else timing["seconds"]


def _fd_cell(row, name):
    text = format_seconds(_seconds(row, name))
    return "≈" + text if row["fd"]["estimated"] else text


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
                      _fd_cell(row, "central FD"), _fd_cell(row, "forward FD")])
    return "### Time per call (median)\n\n" + _table(
        ["benchmark", "inputs", "f", "s2s_ad grad", "grad / f", "compile",
         "hand-written grad", "central FD", "forward FD"], lines)


def _error(value):
    return "–" if value is None else f"{value:.1e}"


def _accuracy_table(rows):
    lines = []
    for row in rows:
        e = row["errors"]
        coords = "all" if not row["fd"]["estimated"] else f"{row['fd']['coords']} of {row['fd']['of']}"
        lines.append([row["name"], coords] + [_error(e.get(k)) for k in (
            "central_vs_ad", "forward_vs_ad", "ad_vs_hand", "central_vs_hand", "forward_vs_hand")])
    return ("### Largest relative error ‖a − b‖∞ / ‖b‖∞\n\n" + _table(
        ["benchmark", "FD coordinates", "central FD vs s2s_ad", "forward FD vs s2s_ad",
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
        notes.append("≈ FD time estimated from an even spread of coordinates (see the "
                     "accuracy table), scaled to all inputs; its errors cover those coordinates.")
    for row in rows:
        if not _ad_ok(row):
            notes.append(f"{row['name']}: s2s_ad {row['s2s_ad']['status']}: "
                         f"{row['s2s_ad'].get('message', '')}")
        for peer, info in row["peers"].items():
            if info["status"].startswith("failed"):
                notes.append(f"{row['name']}: {peer} {info['status']}: {info.get('message', '')}")
    return notes
