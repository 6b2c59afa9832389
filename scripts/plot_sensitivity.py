#!/usr/bin/env python3
"""Plot the forward sensitivities of a `kode sweep` grid file
([sensitivity] method = forward; docs/config.md, "Sensitivities").

Three panels:
  1, 2  d<state>(t)/d<param> at one save time over the two grid parameters
        (one heatmap per parameter, a diverging colour scale centred on 0)
  3     d<state>(t)/d<param> against t for a few grid points (one per
        parameter drawn dashed/solid), with the ensemble mean
        (/sensitivity/ensemble/dys_dparams_mean) of each

Example:
  python scripts/plot_sensitivity.py damped_oscillator_sensitivity_sweep.h5 \\
      --state x --time 5 -o sensitivity.png

Errors (exit 2): no /sensitivity/dys_dparams (not a forward-sensitivity
sweep with output.save = trajectories or final), an unknown state, or a
design that is not a grid over exactly two parameters.
"""
import argparse
import sys

import numpy as np


class PlotError(Exception):
    """What the user asked for does not fit the file."""


def names(dataset):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in dataset[...]]


def grid_axes(params, param_names):
    """The two varied parameters and their sorted distinct values; the rows
    of /params must form their full grid."""
    varied = [j for j in range(params.shape[1]) if np.unique(params[:, j]).size > 1]
    if len(varied) != 2:
        raise PlotError(
            f"the sweep varies {len(varied)} parameters "
            f"({', '.join(param_names[j] for j in varied) or 'none'}); the heatmaps need a grid "
            "over exactly two")
    axes = [np.unique(params[:, j]) for j in varied]
    if axes[0].size * axes[1].size != params.shape[0]:
        raise PlotError("the rows of /params are not a full grid of the two varied parameters")
    return varied, axes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--state", default=None, help="state to differentiate (default: first)")
    parser.add_argument("--time", type=float, default=None,
                        help="save time of the heatmaps (nearest; default: the middle one)")
    parser.add_argument("--curves", type=int, default=4, help="grid points in the time panel")
    parser.add_argument("-o", "--output", default="sensitivity.png")
    args = parser.parse_args(argv)

    import h5py
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        with h5py.File(args.file, "r") as f:
            if "sensitivity/dys_dparams" not in f:
                raise PlotError(
                    f"{args.file} has no /sensitivity/dys_dparams (needs [sensitivity] method = "
                    "forward and output.save = trajectories or final)")
            ts = f["ts"][...]
            state_names = names(f["state"])
            param_names = names(f["param"])
            params = f["params"][...]
            state = args.state or state_names[0]
            if state not in state_names:
                raise PlotError(f"unknown state '{state}' (the file has {', '.join(state_names)})")
            i = state_names.index(state)
            varied, axes = grid_axes(params, param_names)
            j_t = int(np.argmin(np.abs(ts - (ts[len(ts) // 2] if args.time is None else args.time))))
            d = f["sensitivity/dys_dparams"]  # [n_traj, n_save, n_state, n_param]
            at_t = d[:, j_t, i, :]
            mean = f["sensitivity/ensemble/dys_dparams_mean"][:, i, :]
            picks = np.linspace(0, params.shape[0] - 1, args.curves).astype(int)
            curves = np.stack([d[k, :, i, :] for k in picks])
    except PlotError as e:
        print(f"plot_sensitivity: error: {e}", file=sys.stderr)
        return 2

    # Row r of the grid: indices of each varied parameter's value.
    ix = np.searchsorted(axes[0], params[:, varied[0]])
    iy = np.searchsorted(axes[1], params[:, varied[1]])
    fig, panels = plt.subplots(1, 3, figsize=(16, 4.6), constrained_layout=True)
    for panel, q in zip(panels[:2], varied):
        image = np.full((axes[1].size, axes[0].size), np.nan)
        image[iy, ix] = at_t[:, q]
        limit = np.nanmax(np.abs(image)) or 1.0
        mesh = panel.pcolormesh(axes[0], axes[1], image, cmap="RdBu_r", vmin=-limit, vmax=limit,
                                shading="nearest")
        fig.colorbar(mesh, ax=panel)
        panel.set_xlabel(param_names[varied[0]])
        panel.set_ylabel(param_names[varied[1]])
        panel.set_title(f"d{state}/d{param_names[q]} at t = {ts[j_t]:g}")
    styles = ["-", "--", ":", "-."]
    for n, k in enumerate(picks):
        label = ", ".join(f"{param_names[q]}={params[k, q]:.3g}" for q in varied)
        for s, q in enumerate(varied):
            panels[2].plot(ts, curves[n, :, q], styles[s % len(styles)], color=f"C{n}", lw=1,
                           label=f"d{state}/d{param_names[q]} ({label})")
    for s, q in enumerate(varied):
        panels[2].plot(ts, mean[:, q], styles[s % len(styles)], color="black", lw=2,
                       label=f"ensemble mean d{state}/d{param_names[q]}")
    panels[2].axvline(ts[j_t], color="grey", lw=0.5)
    panels[2].set_xlabel("t")
    panels[2].set_title(f"d{state}(t)/dp along the trajectories")
    panels[2].legend(fontsize=6, ncol=2)
    fig.savefig(args.output, dpi=110)
    print(f"plot_sensitivity: wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
