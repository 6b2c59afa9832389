# Sourced by the benchmark scripts: the W1 sweep deck (docs/benchmarks.md,
# "Workloads") as one `kode sweep` config.
#   w1_deck FILE NZ NW OUT [SAVE]
# writes FILE: damped oscillator on an NZ x NW (zeta, omega) grid, 101 save
# times, tsit5 at rtol 1e-6, atol 1e-8, chunk 65536, output file OUT, and
# `[output] save = SAVE` when SAVE is given.
w1_deck() {
  local file="$1" nz="$2" nw="$3" out="$4" save="${5:-}"
  cat >"$file" <<INI
[model]
name = damped_oscillator
[params]
zeta = linspace(0.05, 0.95, $nz)
omega = linspace(0.5, 5, $nw)
[y0]
x = 1
v = 0
[time]
t0 = 0
t1 = 10
[solver]
method = tsit5
rtol = 1e-6
atol = 1e-8
[save]
ts = linspace(0, 10, 101)
[sweep]
design = grid
chunk = 65536
[output]
file = $out
INI
  if [ -n "$save" ]; then echo "save = $save" >>"$file"; fi
}
