#!/usr/bin/env python3
"""Plot a `kode sweep` HDF5 file (see docs/config.md, "HDF5 file layout").

Draws up to three panels side by side, each only when the file holds what it
needs:

  trajectories  a sample of trajectories of one state over /ts     (needs /ys)
  ensemble      /ensemble/mean +- one standard deviation (sqrt of /ensemble/var)
                as a band, /ensemble/min and /ensemble/max as thin lines
                                                                  (needs /ensemble)
  heatmap       for a grid sweep, a final-state quantity of one state over two
                parameters, reshaped with the grid axes found in /params
                                                  (needs /ys and a 2-D grid)

Examples:
  python scripts/plot_sweep.py damped_oscillator_sweep.h5 --state x \\
      --param-x zeta --param-y omega --quantity max-abs -o sweep.png
  python scripts/plot_sweep.py lorenz_ensemble.h5 --state z -o lorenz.png

Panels a file cannot support are skipped with a note on stderr (e.g. a
save = statistics file has no /ys); asking explicitly (--panels) for a panel
the file cannot support is an error (exit 2).
"""
import argparse
import sys

import numpy as np

PANELS = ("trajectories", "ensemble", "heatmap")
QUANTITIES = ("final", "abs-final", "max-abs")


class PlotError(Exception):
    """What the user asked for does not fit the file."""


def note(message):
    print(f"plot_sweep: note: {message}", file=sys.stderr)


def names_attr(dataset, attr):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in dataset.attrs[attr]]


def read_sweep(path):
    import h5py

    data = {}
    with h5py.File(path, "r") as f:
        data["model"] = str(f.attrs.get("model", ""))
        if "ts" not in f:
            raise PlotError(f"{path}: no /ts dataset; is this a kode sweep file?")
        data["ts"] = f["ts"][...]
        states = None
        for name in ("ys", "y0", "ensemble/mean"):
            if name in f and "state_names" in f[name].attrs:
                states = names_attr(f[name], "state_names")
                break
        if states is None and "state" in f:
            states = [s.decode() if isinstance(s, bytes) else str(s) for s in f["state"][...]]
        if states is None:
            raise PlotError(f"{path}: no state names (attribute state_names of /ys, /y0 or "
                            "/ensemble/mean)")
        data["states"] = states
        data["ys"] = f["ys"] if "ys" in f else None
        if data["ys"] is not None:
            data["ys"] = data["ys"][...]
        data["status"] = f["status"][...] if "status" in f else None
        data["params"] = f["params"][...] if "params" in f else None
        data["param_names"] = (names_attr(f["params"], "param_names")
                               if "params" in f else [])
        data["y0"] = f["y0"][...] if "y0" in f else None
        data["ensemble"] = None
        if "ensemble" in f and all(k in f["ensemble"] for k in ("mean", "var", "min", "max")):
            data["ensemble"] = {k: f["ensemble"][k][...] for k in ("mean", "var", "min", "max")}
            data["ensemble_count"] = int(f["ensemble"].attrs.get("count", 0))
    return data


def sweep_inputs(data):
    """Every per-trajectory input column: parameters, then initial states
    (named y0.NAME when a parameter has the same name)."""
    columns = {}
    if data["params"] is not None:
        for j, name in enumerate(data["param_names"]):
            columns[name] = data["params"][:, j]
    if data["y0"] is not None:
        for i, name in enumerate(data["states"]):
            columns["y0." + name if name in columns else name] = data["y0"][:, i]
    return columns


def varying(columns):
    return [n for n, v in columns.items() if np.unique(v).size > 1]


def quantity_of(ys, state, quantity):
    y = ys[:, :, state]
    if quantity == "final":
        return y[:, -1]
    if quantity == "abs-final":
        return np.abs(y[:, -1])
    return np.max(np.abs(y), axis=1)


def grid_heatmap(data, state, param_x, param_y, quantity):
    """(x_values, y_values, Z[ny, nx], note) or raises PlotError."""
    if data["ys"] is None:
        raise PlotError("the heatmap needs /ys (output.save = trajectories or final); "
                        "this file was written with output.save = statistics")
    columns = sweep_inputs(data)
    if not columns:
        raise PlotError("the heatmap needs /params or /y0 to find the grid axes")
    axes = varying(columns)
    if param_x is None or param_y is None:
        free = [a for a in axes if a not in (param_x, param_y)]
        if param_x is None and free:
            param_x = free.pop(0)
        if param_y is None and free:
            param_y = free.pop(0)
    for which, name in (("--param-x", param_x), ("--param-y", param_y)):
        if name is None:
            raise PlotError("the heatmap needs two varying parameters; the file has "
                            f"{len(axes)} ({', '.join(axes) or 'none'})")
        if name not in columns:
            raise PlotError(f"{which} {name}: not a parameter or state of this file "
                            f"(choose from {', '.join(columns)})")
    if param_x == param_y:
        raise PlotError(f"--param-x and --param-y are both '{param_x}'")
    vx, vy = columns[param_x], columns[param_y]
    ux, ix = np.unique(vx, return_inverse=True)
    uy, iy = np.unique(vy, return_inverse=True)
    n = vx.size
    if ux.size < 2 or uy.size < 2:
        raise PlotError(f"the heatmap needs two grid axes; {param_x} has {ux.size} and "
                        f"{param_y} {uy.size} distinct values")
    counts = np.zeros((uy.size, ux.size))
    np.add.at(counts, (iy, ix), 1)
    per_cell = n // (ux.size * uy.size)
    # A grid over (param_x, param_y): every pair of axis values occurs, equally
    # often. Random designs have (almost) all values distinct and fail this.
    if ux.size * uy.size * per_cell != n or not np.all(counts == per_cell):
        raise PlotError(f"{param_x} x {param_y} is not a grid ({ux.size} x {uy.size} distinct "
                        f"values for {n} trajectories); the heatmap is for design = grid")
    q = quantity_of(data["ys"], state, quantity).astype(float)
    if data["status"] is not None:
        q[data["status"] != 0] = np.nan  # failed trajectories leave a hole
    z = np.zeros((uy.size, ux.size))
    np.add.at(z, (iy, ix), q)
    z /= per_cell
    extra = None
    if per_cell > 1:
        others = [a for a in axes if a not in (param_x, param_y)]
        extra = (f"mean over {per_cell} trajectories per cell"
                 + (f" ({', '.join(others)})" if others else ""))
    return ux, uy, z, param_x, param_y, extra


def plot(args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = read_sweep(args.file)
    states = data["states"]
    if args.state is None:
        args.state = states[0]
    if args.state not in states:
        raise PlotError(f"--state {args.state}: the model has states {', '.join(states)}")
    s = states.index(args.state)
    ts = data["ts"]

    wanted = PANELS if args.panels is None else args.panels
    explicit = args.panels is not None
    drawers = []

    def skip(panel, why):
        if explicit:
            raise PlotError(f"cannot draw the {panel} panel: {why}")
        note(f"skipping the {panel} panel: {why}")

    if "trajectories" in wanted:
        if data["ys"] is None:
            skip("trajectories", "the file has no /ys (written with output.save = statistics)")
        elif data["ys"].shape[1] < 2:
            skip("trajectories", "one save time only (output.save = final)")
        else:
            drawers.append("trajectories")
    if "ensemble" in wanted:
        if data["ensemble"] is None:
            skip("ensemble", "the file has no /ensemble (mean, var, min, max)")
        elif ts.size < 2:
            skip("ensemble", "one save time only (output.save = final)")
        else:
            drawers.append("ensemble")
    heat = None
    if "heatmap" in wanted:
        try:
            heat = grid_heatmap(data, s, args.param_x, args.param_y, args.quantity)
            drawers.append("heatmap")
        except PlotError as e:
            if explicit or args.param_x or args.param_y:
                raise
            skip("heatmap", str(e))
    if not drawers:
        raise PlotError("nothing to draw from this file")

    fig, axs = plt.subplots(1, len(drawers), figsize=(args.width * len(drawers), args.height),
                            squeeze=False, constrained_layout=True)
    title = args.title or f"{data['model']}: state {args.state}"
    fig.suptitle(title)
    for ax, panel in zip(axs[0], drawers):
        if panel == "trajectories":
            ys = data["ys"]
            n = ys.shape[0]
            k = min(args.samples, n)
            pick = np.linspace(0, n - 1, k).round().astype(int)
            ax.plot(ts, ys[pick, :, s].T, lw=0.6, alpha=0.5, color="tab:blue")
            ax.set_title(f"{k} of {n} trajectories")
            ax.set_xlabel("t")
            ax.set_ylabel(args.state)
        elif panel == "ensemble":
            e = data["ensemble"]
            mean, sd = e["mean"][:, s], np.sqrt(np.maximum(e["var"][:, s], 0.0))
            ax.fill_between(ts, mean - sd, mean + sd, color="tab:orange", alpha=0.35,
                            label="mean ± 1 sd")
            ax.plot(ts, mean, color="tab:orange", lw=1.5, label="mean")
            ax.plot(ts, e["min"][:, s], color="0.3", lw=0.6, label="min / max")
            ax.plot(ts, e["max"][:, s], color="0.3", lw=0.6)
            count = data.get("ensemble_count", 0)
            ax.set_title(f"ensemble of {count} trajectories" if count else "ensemble")
            ax.set_xlabel("t")
            ax.set_ylabel(args.state)
            ax.legend(loc="best", fontsize="small")
        else:
            ux, uy, z, px, py, extra = heat
            norm = None
            if args.log:
                from matplotlib.colors import LogNorm

                positive = z[np.isfinite(z) & (z > 0)]
                if positive.size == 0:
                    raise PlotError("--log: the heatmap has no positive values")
                floor = max(positive.min(), positive.max() * 1e-12)
                z = np.where(np.isfinite(z) & (z > 0), np.maximum(z, floor), np.nan)
                norm = LogNorm(vmin=floor, vmax=positive.max())
            mesh = ax.pcolormesh(ux, uy, z, shading="nearest", cmap=args.cmap, norm=norm)
            label = {"final": f"{args.state}(t1)", "abs-final": f"|{args.state}(t1)|",
                     "max-abs": f"max over t of |{args.state}|"}[args.quantity]
            fig.colorbar(mesh, ax=ax).set_label(label)
            ax.set_xlabel(px)
            ax.set_ylabel(py)
            ax.set_title(f"{label} over the grid" + (f"\n({extra})" if extra else ""))
    fig.savefig(args.output, dpi=args.dpi)
    print(f"plot_sweep: wrote {args.output} ({', '.join(drawers)})", file=sys.stderr)


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Plot a kode sweep HDF5 file: sample trajectories, ensemble "
        "mean ± sd with min/max, and a heatmap over two grid parameters.",
        epilog="Panels the file cannot support are skipped with a note; exit status 2 when "
        "nothing can be drawn or an explicit choice does not fit the file.")
    p.add_argument("file", help="a kode sweep output file (FILE.h5)")
    p.add_argument("--state", help="the state to plot (default: the model's first state)")
    p.add_argument("--param-x", help="heatmap x axis: a grid parameter (default: the first "
                   "varying one in /params, then /y0)")
    p.add_argument("--param-y", help="heatmap y axis (default: the next varying one)")
    p.add_argument("--quantity", choices=QUANTITIES, default="final",
                   help="heatmap value per trajectory: the state at the last save time, "
                   "its absolute value, or the maximum of |state| over all save times "
                   "(default: final)")
    p.add_argument("--panels", type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
                   help="comma-separated subset of " + ",".join(PANELS) +
                   " (default: every panel the file supports)")
    p.add_argument("--samples", type=int, default=40,
                   help="trajectories drawn in the trajectories panel (default: 40, evenly "
                   "spaced over the trajectory index)")
    p.add_argument("--title", help="figure title (default: MODEL: state NAME)")
    p.add_argument("--log", action="store_true",
                   help="logarithmic colour scale for the heatmap (values clipped below at "
                   "1e-12 of the maximum; zeros and negative values are left blank)")
    p.add_argument("--cmap", default="viridis", help="heatmap colour map (default: viridis)")
    p.add_argument("--width", type=float, default=4.6, help="inches per panel (default: 4.6)")
    p.add_argument("--height", type=float, default=3.8, help="figure height in inches "
                   "(default: 3.8)")
    p.add_argument("--dpi", type=int, default=100, help="resolution (default: 100)")
    p.add_argument("-o", "--output", default="sweep.png", help="image file (default: sweep.png; "
                   "the format follows the extension: .png, .pdf, .svg)")
    args = p.parse_args(argv)
    if args.panels is not None:
        unknown = [x for x in args.panels if x not in PANELS]
        if unknown or not args.panels:
            p.error(f"--panels: expected a subset of {','.join(PANELS)}, got {args.panels}")
    if args.samples < 1:
        p.error("--samples must be >= 1")
    try:
        plot(args)
    except PlotError as e:
        print(f"plot_sweep: error: {e}", file=sys.stderr)
        return 2
    except (OSError, KeyError) as e:
        print(f"plot_sweep: error: {args.file}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
