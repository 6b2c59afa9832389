#!/usr/bin/env python3
"""Plot the output file of `kode train`: the loss curves and a few validation
trajectories, observed against predicted.

Panels:
  left   the training loss (the minibatch loss of every step) and the
         validation loss (markers at the steps where it was evaluated, i.e.
         where /train/validation_loss is finite) against the step, log y;
         the learning rate on a right-hand axis when it is not constant
  right  for up to --trajectories validation trajectories, one panel each:
         the observed states (markers) and the model's prediction (lines)
         against time, one colour per state

Datasets read (h5py); all but one of /train/loss and /validation/ys_predicted
may be missing, and the panels of what is missing are left out:
  /train/loss               [steps]   minibatch loss per step
  /train/validation_loss    [steps]   NaN where not evaluated
  /train/learning_rate      [steps]
  /validation/ts            [n_save]  (else /ts, else 0 .. n_save-1)
  /validation/ys_observed   [n_val, n_save, n_state]
  /validation/ys_predicted  [n_val, n_save, n_state], attribute state_names
                            (else /state, else y0 .. y{n_state-1})
  /validation/traj          [n_val]   trajectory indices in the data file
The title is the root attribute `model` when the file has one.

Example:
  python scripts/plot_training.py neural_ode_train.h5 --trajectories 4 -o training.png

Errors (exit 2): the file has neither /train/loss nor /validation/ys_predicted
(or /validation/ys_observed), or a dataset has the wrong shape.
"""
import argparse
import math
import sys

import numpy as np


class PlotError(Exception):
    """The file does not fit what the plot needs."""


def text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return text(value.reshape(-1)[0]) if value.size else ""
    return str(value)


def texts(values):
    return [text(v) for v in np.asarray(values).reshape(-1)]


def read(f, name, ndim):
    """Dataset `name` as float64 of `ndim` dimensions, or None if absent."""
    if name not in f:
        return None
    data = np.asarray(f[name][...], dtype=np.float64)
    if data.ndim != ndim:
        raise PlotError(f"/{name} has {data.ndim} dimensions, expected {ndim}")
    return data


def load(path):
    import h5py

    out = {}
    with h5py.File(path, "r") as f:
        out["model"] = text(f.attrs["model"]) if "model" in f.attrs else None
        out["loss"] = read(f, "train/loss", 1)
        out["val_loss"] = read(f, "train/validation_loss", 1)
        out["lr"] = read(f, "train/learning_rate", 1)
        pred = read(f, "validation/ys_predicted", 3)
        obs = read(f, "validation/ys_observed", 3)
        out["pred"], out["obs"] = pred, obs
        ref = pred if pred is not None else obs
        names = None
        if ref is not None:
            for name in ("validation/ys_predicted", "validation/ys_observed"):
                if name in f and "state_names" in f[name].attrs:
                    names = texts(f[name].attrs["state_names"])
                    break
            if names is None and "state" in f:
                names = texts(f["state"][...])
            if names is None or len(names) != ref.shape[2]:
                names = [f"y{i}" for i in range(ref.shape[2])]
            ts = read(f, "validation/ts", 1)
            if ts is None:
                ts = read(f, "ts", 1)
            out["t_label"] = "t"
            if ts is None or ts.size != ref.shape[1]:
                ts = np.arange(ref.shape[1], dtype=np.float64)
                out["t_label"] = "save index"
            traj = read(f, "validation/traj", 1)
            if traj is None or traj.size != ref.shape[0]:
                traj = None
            out["names"], out["ts"], out["traj"] = names, ts, traj
    if out["loss"] is None and out["pred"] is None and out["obs"] is None:
        raise PlotError(f"{path} has neither /train/loss nor /validation/ys_predicted: "
                        "not a `kode train` file")
    if out["pred"] is not None and out["obs"] is not None and out["pred"].shape != out["obs"].shape:
        raise PlotError(f"/validation/ys_predicted {out['pred'].shape} and "
                        f"/validation/ys_observed {out['obs'].shape} differ in shape")
    steps = out["loss"].size if out["loss"] is not None else None
    for key, name in (("val_loss", "validation_loss"), ("lr", "learning_rate")):
        if out[key] is not None and steps is not None and out[key].size != steps:
            print(f"plot_training: warning: /train/{name} has {out[key].size} values, "
                  f"/train/loss {steps}; ignoring it", file=sys.stderr)
            out[key] = None
    return out


def positive(y):
    """y with non-finite and non-positive values masked (log axis)."""
    y = np.asarray(y, dtype=np.float64).copy()
    y[~(np.isfinite(y) & (y > 0))] = np.nan
    return y


def draw_losses(ax, d):
    loss = d["loss"]
    steps = np.arange(loss.size)
    ax.plot(steps, positive(loss), color="C0", lw=1,
            label=f"training (minibatch), last {loss[-1]:.4g}")
    handles_lr = []
    if d["val_loss"] is not None:
        v = d["val_loss"]
        at = np.flatnonzero(np.isfinite(v))
        if at.size:
            ax.plot(at, positive(v[at]), "o", color="C3", ms=4, ls="-" if at.size > 1 else "",
                    lw=0.8, label=f"validation, last {v[at[-1]]:.4g} (step {at[-1]})")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (MSE)")
    ax.grid(True, which="both", alpha=0.3)
    if d["lr"] is not None:
        lr = d["lr"]
        finite = lr[np.isfinite(lr)]
        if finite.size and np.ptp(finite) > 0:
            ax2 = ax.twinx()
            handles_lr = ax2.plot(steps, lr, color="grey", ls="--", lw=0.8,
                                  label="learning rate (right axis)")
            ax2.set_ylabel("learning rate")
            if finite.min() > 0 and finite.max() / finite.min() > 20:
                ax2.set_yscale("log")
        elif finite.size:
            ax.set_title(f"loss (learning rate {finite[0]:g})")
    if not ax.get_title():
        ax.set_title("loss")
    handles, labels = ax.get_legend_handles_labels()
    handles += handles_lr
    labels += [h.get_label() for h in handles_lr]
    ax.legend(handles, labels, fontsize=8)


def draw_trajectory(ax, d, k):
    ts, names = d["ts"], d["names"]
    for i, name in enumerate(names):
        color = f"C{i % 10}"
        if d["obs"] is not None:
            ax.plot(ts, d["obs"][k, :, i], "o", color=color, ms=2.5, alpha=0.6,
                    label=f"{name} observed")
        if d["pred"] is not None:
            ax.plot(ts, d["pred"][k, :, i], "-", color=color, lw=1.3,
                    label=f"{name} predicted")
    label = f"trajectory {int(d['traj'][k])}" if d["traj"] is not None else f"validation {k}"
    if d["obs"] is not None and d["pred"] is not None:
        r = d["pred"][k] - d["obs"][k]
        mse = np.nanmean(r * r)
        label += f" (MSE {mse:.3g})"
    ax.set_title(label, fontsize=9)
    ax.set_xlabel(d["t_label"])
    ax.grid(True, alpha=0.3)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="output file of `kode train`")
    parser.add_argument("--trajectories", type=int, default=4,
                        help="validation trajectories to draw (default 4, the first ones)")
    parser.add_argument("-o", "--output", default="training.png")
    args = parser.parse_args(argv)
    if args.trajectories < 0:
        parser.error("--trajectories must be >= 0")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        d = load(args.file)
    except PlotError as e:
        print(f"plot_training: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"plot_training: error: cannot read {args.file}: {e}", file=sys.stderr)
        return 2

    ref = d["pred"] if d["pred"] is not None else d["obs"]
    n_traj = min(args.trajectories, ref.shape[0]) if ref is not None else 0
    has_loss = d["loss"] is not None and d["loss"].size > 0
    if not has_loss and n_traj == 0:
        print("plot_training: error: nothing to draw (no /train/loss and no validation "
              "trajectories selected)", file=sys.stderr)
        return 2

    cols = 1 if n_traj <= 1 else 2
    rows = max(1, math.ceil(n_traj / cols))
    left = 1 if has_loss else 0
    ratios = [1.5] * left + [1.0] * (cols if n_traj else 0)
    fig = plt.figure(figsize=(max(6.5 * left + 4.2 * cols * (n_traj > 0), 5.0),
                              max(4.2, 2.9 * rows)), constrained_layout=True)
    grid = fig.add_gridspec(rows, len(ratios), width_ratios=ratios)
    if has_loss:
        draw_losses(fig.add_subplot(grid[:, 0]), d)
    first = None
    for k in range(n_traj):
        r, c = divmod(k, cols)
        ax = fig.add_subplot(grid[r, left + c], sharex=first)
        first = first or ax
        draw_trajectory(ax, d, k)
        if k == 0:
            ax.legend(fontsize=7, ncol=1 if len(d["names"]) <= 3 else 2)
    title = "kode train" + (f": {d['model']}" if d["model"] else "")
    fig.suptitle(title)
    fig.savefig(args.output, dpi=110)
    print(f"plot_training: wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
