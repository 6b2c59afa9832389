// `kode interpolate`: evaluates the dense output stored in a result file at
// new times, without re-solving (the same interpolant as the solve used).
#include <charconv>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "kode/cli/command_line.hpp"
#include "kode/cli/commands.hpp"
#include "kode/engine/batch/dense_solution.hpp"
#include "kode/engine/io/hdf5_file.hpp"

namespace kode::cli {

namespace po = boost::program_options;

namespace {

// Shortest text that reads back as the same double (1e-06, not 9.99...e-07).
std::string number(double x) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(x);
}

}  // namespace

int interpolate_command(const std::vector<std::string>& args, CommandContext& context) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "ts", po::value<std::string>(), "times: linspace(a,b,n), list(t1,t2,...) or a number")(
      "traj", po::value<std::string>()->default_value("0"), "trajectory index in the file");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::string>(), "result file");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", 1);
  const po::variables_map vm = parse_command_options("interpolate", args, all, positional);
  if (vm.count("help")) {
    std::cout << "Usage: kode interpolate FILE.h5 --ts=TIMES [--traj=I]\n\n"
                 "Evaluates the dense output stored in FILE.h5 (written by kode solve with\n"
                 "save.dense = true) at new times, without re-solving, and prints CSV: a\n"
                 "header t,<state names> and one row per time at full double precision.\n"
                 "Every time must lie in the solved interval of the trajectory.\n"
                 "Exit status: 0 done; 2 bad input (no dense output, time out of range).\n\n"
              << options;
    return exit_ok;
  }
  if (context.mpi.size() > 1)
    throw ConfigError("kode interpolate runs on one MPI rank; run it without mpiexec");
  if (!vm.count("file"))
    throw ConfigError(
        "kode interpolate: no result file given (usage: kode interpolate FILE.h5 "
        "--ts=TIMES)");
  if (!vm.count("ts"))
    throw ConfigError("kode interpolate: --ts is required, e.g. --ts='linspace(0,10,101)'");
  const std::string file = vm["file"].as<std::string>();
  const std::vector<double> ts =
      parse_times(vm["ts"].as<std::string>(), "--ts = '" + vm["ts"].as<std::string>() + "'");
  const std::string traj_text = vm["traj"].as<std::string>();
  const long long traj = parse_integer(traj_text, "--traj = '" + traj_text + "'");
  if (traj < 0 || traj > 2147483647LL)
    throw ConfigError("--traj = '" + traj_text + "': must be a trajectory index >= 0");

  const StoredDenseOutput dense = read_dense_output(file, static_cast<int>(traj));
  const int n_state = dense.n_state();
  if (dense.n_steps < 1)
    throw ConfigError("trajectory " + std::to_string(traj) + " in '" + file +
                      "' has no dense steps (it stopped before its first step)");
  const double a = dense.ts.front(), b = dense.ts.back();
  // Evaluate everything first: an out-of-range time prints nothing at all.
  std::vector<double> values(ts.size() * static_cast<size_t>(n_state));
  for (size_t j = 0; j < ts.size(); ++j) {
    if (!evaluate_dense(dense.ts.data(), dense.ys.data(), dense.n_steps, dense.degree, n_state,
                        ts[j], values.data() + j * n_state)) {
      std::string msg = "--ts: t = " + number(ts[j]) + " lies outside the solved interval [" +
                        number(a) + ", " + number(b) + "] of trajectory " + std::to_string(traj) +
                        " in '" + file + "'";
      if (b != dense.t1)
        msg += " (the trajectory stopped before time.t1 = " + number(dense.t1) + ")";
      throw ConfigError(msg);
    }
  }
  std::string header = "t";
  for (const auto& name : dense.state_names) header += "," + name;
  std::printf("%s\n", header.c_str());
  for (size_t j = 0; j < ts.size(); ++j) {
    std::printf("%.17g", ts[j]);
    for (int i = 0; i < n_state; ++i) std::printf(",%.17g", values[j * n_state + i]);
    std::printf("\n");
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    throw IoError("writing the CSV to stdout failed");
  return exit_ok;
}

}  // namespace kode::cli
