"""Table of benchmark result lines (key=value, one run per line) with
throughput ratios of kode against each peer from the same file.

    python3 scripts/bench/summarize.py build/bench/results.txt
"""
import sys


def parse(path):
    runs = []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        runs.append(fields)
    return runs


def main(path):
    runs = parse(path)
    kode = {(r["workload"], r["n"], r["method"]): r for r in runs if r["peer"] == "kode"}
    print(f"{'workload':8} {'n':>8} {'peer':8} {'method':7} {'traj/s':>11} {'us/traj':>9} "
          f"{'attempted/s':>12} {'kode/peer':>10}")
    for r in runs:
        key = (r["workload"], r["n"], r["method"])
        # odeint has only dopri5; Diffrax is compared method for method.
        ref = kode.get(key) or kode.get((r["workload"], r["n"], "tsit5"))
        ratio = ""
        if r["peer"] != "kode" and ref is not None:
            ratio = f"{float(ref['traj_per_s']) / float(r['traj_per_s']):.2f}x"
        attempted = r.get("attempted_per_s", "")
        if not attempted and "steps" in r:
            attempted = f"{float(r.get('attempted', r.get('attempted_est', r['steps']))) / float(r['seconds']):.3g}"
        print(f"{r['workload']:8} {r['n']:>8} {r['peer']:8} {r['method']:7} "
              f"{float(r['traj_per_s']):11.4g} {float(r['us_per_traj']):9.3g} {attempted:>12} {ratio:>10}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/bench/results.txt")
