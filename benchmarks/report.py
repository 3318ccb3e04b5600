"""Read the benchmark results and draw them: the figures and the table of the appendix page.

Redraw the figures from the committed CSV without re-running the benchmark::

    .venv/bin/python benchmarks/report.py            # writes results/speed.png, speed_grad.png, tuned.png
    .venv/bin/python benchmarks/report.py --table    # prints the ratios at the target sizes

Every ratio is lossutils' (readable) time divided by the peer's, both measured in the same run:
above 1, the readable code is slower. ``/tuned`` is what the first edition's speed tricks buy.
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


def _power(n: int) -> str:
    """1000000 as 10⁶."""
    return "10" + str(len(str(n)) - 1).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _find(rows: list[dict[str, Any]], loss: str, classes: str, op: str) -> dict[str, Any] | None:
    """The float32 row of (loss, classes, op) at the target size, if measured."""
    found = [r for r in at_targets(rows) if (r["loss"], r["classes"], r["op"]) == (loss, classes, op)]
    return found[0] if found else None


#: The lines of the time-against-size figures: column, label, colour, marker, line style. Each
#: line differs from every other in colour and in marker or style, so they stay apart in print.
LINES: list[tuple[str, str, str, str, Any]] = [
    ("lossutils_s", "lossutils, readable (NumPy, 1 thread)", "#0072B2", "o", "-"),
    ("tuned_s", "first edition's tuned NumPy (1 thread)", "#009E73", "D", "--"),
    ("torch_s", "PyTorch, default threads", "#D55E00", "s", "-"),
    ("torch_1thread_s", "PyTorch, 1 thread", "#CC79A7", "v", "-."),
    ("sklearn_s", "scikit-learn", "#E69F00", "^", (0, (1, 1.5))),
    ("floor_s", "floor: one read of the inputs", "#555555", "", ":"),
]


def plot_speed(ratios_csv: Path, out: Path, op: str = "loss") -> None:
    """Time against size (log-log) for the :data:`PANELS`, one line per implementation; each
    panel's title states the readable code's ratios at the target size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import lossutils as lu

    lu.plot.use_style()
    every = read_rows(ratios_csv)
    rows = [r for r in every if r["op"] == op and r["dtype"] == "float32"]
    fig, axes = plt.subplots(3, 2, figsize=(8, 10.5))
    for ax, (loss, classes) in zip(axes.flat, PANELS, strict=True):
        panel = sorted((r for r in rows if r["loss"] == loss and r["classes"] == classes), key=lambda r: r["elements"])
        if not panel:
            ax.set_visible(False)
            continue
        for column, label, color, marker, style in LINES:
            pts = [(r["elements"], r[column]) for r in panel if r[column] is not None]
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, marker=marker, linestyle=style, color=color, label=label, markersize=5, linewidth=1.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        lu.plot.plain_log_ticks(ax.xaxis)  # 10^k superscripts would be ~8 px in the book's column
        lu.plot.plain_log_ticks(ax.yaxis)
        target = _find(every, loss, classes, op)
        finding = ""
        if target is not None:
            parts = [f"{target['ratio_tuned']:.2g}× tuned" if target["ratio_tuned"] is not None else ""]
            parts.append(f"{target['ratio_torch']:.2g}× PyTorch")
            finding = f"\nreadable at {_power(target['elements'])}: " + ", ".join(p for p in parts if p)
        ax.set_title(_label(loss, classes) + finding, fontsize=11)
        ax.grid(True, which="major", alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("elements (N, or N × C)")
    for ax in axes[:, 0]:
        ax.set_ylabel("seconds per call")
    what = "the loss" if op == "loss" else "loss + gradient (PyTorch: forward + backward)"
    fig.suptitle(f"Time of {what}, float32, CPU (median)\n{_headline(every, op)}", fontsize=12, fontweight="bold")
    handles, labels = [], []
    for ax in axes.flat:  # every line that some panel drew (scikit-learn is not in every panel)
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    order = [next(i for i, lab in enumerate(labels) if lab == line[1]) for line in LINES if line[1] in labels]
    fig.legend([handles[i] for i in order], [labels[i] for i in order], loc="lower center", ncols=2,
               bbox_to_anchor=(0.5, 0.0), fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(out, dpi=lu.plot.DPI)
    plt.close(fig)


def _headline(rows: list[dict[str, Any]], op: str) -> str:
    """The finding of a time-against-size figure, from the ratios at the target sizes."""
    target = [r for r in at_targets(rows) if r["op"] == op]
    tuned = [r["ratio_tuned"] for r in target if r["ratio_tuned"] is not None]
    torch = [r["ratio_torch"] for r in target]
    if not tuned:
        return "(no target sizes in this run)"
    return (
        f"at the target sizes, readable: {min(tuned):.2g}–{max(tuned):.2g}× the tuned time, "
        f"{min(torch):.2g}–{max(torch):.2g}× PyTorch's"
    )


def plot_tuned(ratios_csv: Path, out: Path) -> None:
    """What the first edition's tricks buy: readable ÷ tuned time at the target sizes (float32),
    for the loss and for its gradient, one row per loss that has a tuned variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    import lossutils as lu

    lu.plot.use_style()
    rows = [r for r in at_targets(read_rows(ratios_csv)) if r["ratio_tuned"] is not None]
    if not rows:
        return  # a run without the target sizes (--quick)
    ratio = {(r["loss"], r["classes"], r["op"]): r["ratio_tuned"] for r in rows}
    keys = sorted({(loss, classes) for loss, classes, _ in ratio}, key=lambda k: ratio[(*k, "loss")])
    bars = [("loss", "the loss", "#0072B2", ""), ("grad", "its gradient", "#E69F00", "//")]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(keys) + 1.8))
    y = np.arange(len(keys))
    height = 0.38
    for k, (op, label, color, hatch) in enumerate(bars):
        values = [ratio[(*key, op)] for key in keys]
        offset = (0.5 - k) * height
        ax.barh(y + offset, values, height=height, color=color, hatch=hatch, edgecolor="white", label=label)
        for yi, v in zip(y + offset, values, strict=True):
            ax.text(v + 0.05, yi, f"{v:.2g}", va="center", fontsize=10)
    ax.axvline(1.0, color="#555555", linewidth=1.2, linestyle="--")
    ax.set_yticks(y, [_label(*key) for key in keys], fontsize=10)
    ax.set_xlabel("readable time ÷ tuned time (above 1, the tricks save time)")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.grid(False, axis="y")
    ax.legend(loc="lower right", fontsize=10, frameon=True)
    least, most = keys[0], keys[-1]  # sorted by the loss's ratio
    ax.set_title(
        f"What the tricks buy, float32 at the target sizes: the readable loss takes\n"
        f"{ratio[(*least, 'loss')]:.2g}× ({_label(*least)}) to {ratio[(*most, 'loss')]:.2g}× ({_label(*most)}) "
        "the tuned time",
        fontsize=12,
    )
    ax.set_xlim(0, max(ratio.values()) * 1.12)
    fig.tight_layout()
    fig.savefig(out, dpi=lu.plot.DPI)
    plt.close(fig)


def draw_all(results: Path = RESULTS) -> None:
    """Every figure of the page, from ``results/ratios.csv``."""
    plot_speed(results / "ratios.csv", results / "speed.png", op="loss")
    plot_speed(results / "ratios.csv", results / "speed_grad.png", op="loss+grad")
    plot_tuned(results / "ratios.csv", results / "tuned.png")


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of the ratios at the target sizes (float32): the readable code's time
    divided by each peer's (above 1, the readable code is slower)."""

    def cell(value: float | None, width: int) -> str:
        return f"{value:{width}.2f}" if value is not None else " " * width

    lines = [
        f"{'loss':36s} {'op':10s} {'shape':>12s} {'ours ms':>9s} {'/tuned':>7s} {'/torch':>7s} {'/torch1':>8s} "
        f"{'/sklearn':>9s} {'/floor':>7s}"
    ]
    for r in at_targets(rows):
        shape = f"{r['n']}x{r['classes']}" if r["classes"] else str(r["n"])
        lines.append(
            f"{r['loss']:36s} {r['op']:10s} {shape:>12s} {r['lossutils_s'] * 1e3:9.3f} {cell(r['ratio_tuned'], 7)} "
            f"{r['ratio_torch']:7.2f} {r['ratio_torch_1thread']:8.2f} {cell(r['ratio_sklearn'], 9)} "
            f"{r['ratio_floor']:7.2f}"
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
    draw_all(args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
