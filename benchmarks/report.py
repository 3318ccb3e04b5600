"""Read the benchmark results and draw them: the figure and the table of the appendix page.

Redraw the figures from the committed CSV without re-running the benchmark::

    .venv/bin/python benchmarks/report.py            # writes results/speed.png and speed_grad.png
    .venv/bin/python benchmarks/report.py --table    # prints the ratios at the target sizes
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

# (loss, classes) of the panels: simple, piecewise and transcendental element-wise losses,
# then cross-entropy with few and with many classes.
PANELS: list[tuple[str, str]] = [
    ("mse", ""),
    ("huber", ""),
    ("log_cosh", ""),
    ("binary_cross_entropy_with_logits", ""),
    ("cross_entropy", "10"),
    ("cross_entropy", "1000"),
]
# The sizes the targets are set at: (classes, elements).
TARGETS: dict[str, int] = {"": 10**6, "10": 10**6, "1000": 10**7}


def read_rows(path: Path = RESULTS / "ratios.csv") -> list[dict[str, Any]]:
    """The rows of ``ratios.csv`` with numbers as numbers (empty cells stay ``None``)."""
    out = []
    with path.open() as f:
        for row in csv.DictReader(f):
            parsed: dict[str, Any] = {}
            for k, v in row.items():
                if k.endswith("_s") or k.startswith("ratio"):
                    parsed[k] = float(v) if v else None
                elif k in ("n", "elements"):
                    parsed[k] = int(v)
                else:
                    parsed[k] = v
            out.append(parsed)
    return out


def at_targets(rows: list[dict[str, Any]], dtype: str = "float32") -> list[dict[str, Any]]:
    """The rows at the target sizes, in the order of the CSV."""
    return [r for r in rows if r["dtype"] == dtype and r["elements"] == TARGETS[r["classes"]]]


def _label(loss: str, classes: str) -> str:
    return f"{loss}, C = {classes}" if classes else loss


def plot_speed(ratios_csv: Path, out: Path, op: str = "loss") -> None:
    """Time against size (log-log) for the :data:`PANELS`, one line per implementation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import lossutils as lu

    lu.plot.use_style()
    rows = [r for r in read_rows(ratios_csv) if r["op"] == op and r["dtype"] == "float32"]
    fig, axes = plt.subplots(2, 3, figsize=(12, 7), sharex=True)
    lines = [
        ("lossutils_s", "lossutils (NumPy, 1 thread)", lu.plot.PALETTE[0], "o", "-"),
        ("torch_s", "PyTorch, default threads", lu.plot.PALETTE[1], "s", "-"),
        ("torch_1thread_s", "PyTorch, 1 thread", lu.plot.PALETTE[1], "s", "--"),
        ("sklearn_s", "scikit-learn", lu.plot.PALETTE[2], "^", "-"),
        ("floor_s", "floor: one pass over the inputs", "grey", "", ":"),
    ]
    for ax, (loss, classes) in zip(axes.flat, PANELS, strict=True):
        panel = sorted((r for r in rows if r["loss"] == loss and r["classes"] == classes), key=lambda r: r["elements"])
        if not panel:
            ax.set_visible(False)
            continue
        for column, label, color, marker, style in lines:
            pts = [(r["elements"], r[column]) for r in panel if r[column] is not None]
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, marker=marker, linestyle=style, color=color, label=label, markersize=4)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(_label(loss, classes))
        ax.grid(True, which="major", alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("elements in the prediction (N or N × C)")
    for ax in axes[:, 0]:
        ax.set_ylabel("seconds per call (median)")
    what = "the loss" if op == "loss" else "loss + gradient (PyTorch: forward + backward)"
    fig.suptitle(
        f"Time of {what}, float32, CPU: the gap to PyTorch is a small factor, in either direction",
        fontweight="bold",
    )
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=5, bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(out, dpi=lu.plot.DPI)
    plt.close(fig)


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of the ratios at the target sizes (float32)."""
    lines = [
        f"{'loss':36s} {'op':10s} {'shape':>12s} {'ours ms':>9s} {'/torch':>7s} {'/torch1':>8s} "
        f"{'/sklearn':>9s} {'/floor':>7s}"
    ]
    for r in at_targets(rows):
        shape = f"{r['n']}x{r['classes']}" if r["classes"] else str(r["n"])
        sk = f"{r['ratio_sklearn']:9.2f}" if r["ratio_sklearn"] is not None else f"{'':9s}"
        lines.append(
            f"{r['loss']:36s} {r['op']:10s} {shape:>12s} {r['lossutils_s'] * 1e3:9.3f} {r['ratio_torch']:7.2f} "
            f"{r['ratio_torch_1thread']:8.2f} {sk} {r['ratio_floor']:7.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--table", action="store_true", help="print the ratios at the target sizes")
    args = parser.parse_args(argv)
    if args.table:
        print(table(read_rows(args.results / "ratios.csv")))
        return 0
    plot_speed(args.results / "ratios.csv", args.results / "speed.png", op="loss")
    plot_speed(args.results / "ratios.csv", args.results / "speed_grad.png", op="loss+grad")
    return 0


if __name__ == "__main__":
    sys.exit(main())
