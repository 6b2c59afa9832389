# The informational commands exit 0 and say what they should.
#   bash info_commands.sh KODE CASE
. "$(dirname "$0")/lib.sh"
CASE=${1:?case name}

case "$CASE" in
  version)
    run_kode --version
    expect_rc 0
    expect_stdout_has "kode " "git " "Kokkos " "default execution space" "MPI: " "HDF5 " ;;
  models)
    run_kode models
    expect_rc 0
    expect_stdout_has "logistic" "lotka_volterra" "alpha, beta, gamma, delta" "x, y" \
      "spring_mass_damper" "damped_oscillator" "lorenz" "van_der_pol" "pk_two_compartment" \
      "robertson" "y1, y2, y3" "k1, k2, k3" ;;
  solvers)
    run_kode solvers
    expect_rc 0
    expect_stdout_has "method" "order" "stages" "adaptive" "fsal" "interpolant"
    for m in euler heun midpoint ralston bosh3 tsit5 dopri5 dopri8; do expect_stdout_has "$m"; done
    expect_stdout_has "rosenbrock23" "rodas5p" "linearly implicit, for stiff problems" "kvaerno5" "implicit (Newton)" ;;
  help)
    run_kode --help
    expect_rc 0
    expect_stdout_has "Usage: kode" "solve" "check" "interpolate" "models" "solvers" "Exit status"
    for cmd in solve check interpolate models solvers; do
      run_kode $cmd --help
      expect_rc 0
      expect_stdout_has "Usage: kode $cmd"
    done
    run_kode solve -h
    expect_rc 0 ;;
  commands_need_config)
    # sweep (tests/mpi) and train (tests/cli/train.sh) answer --help and ask
    # for a config.
    for cmd in sweep train; do
      run_kode $cmd --help
      expect_rc 0
      expect_stdout_has "Usage: kode $cmd" "--resume"
      run_kode $cmd
      expect_rc 2
      expect_stderr_has "no config file"
    done ;;
  no_command)
    run_kode
    expect_rc 2
    expect_stderr_has "no command" ;;
  *) fail "unknown case '$CASE'" ;;
esac
exit 0
