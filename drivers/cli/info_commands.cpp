// `kode models` and `kode solvers`: what this executable can solve, from the
// registries (a downstream executable lists its own models too).
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "kode/cli/command_line.hpp"
#include "kode/cli/commands.hpp"
#include "kode/engine/solvers/sde_solver_registry.hpp"
#include "kode/engine/solvers/solver_registry.hpp"

namespace kode::cli {

namespace po = boost::program_options;

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

// Parses a command that takes no arguments but --help; true if help was shown.
bool help_only(const std::string& command, const std::vector<std::string>& args,
               const std::string& usage) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help");
  const po::variables_map vm =
      parse_command_options(command, args, options, po::positional_options_description());
  if (!vm.count("help")) return false;
  std::cout << usage << "\n\n" << options;
  return true;
}

}  // namespace

int models_command(const std::vector<std::string>& args, CommandContext& context) {
  if (help_only("models", args,
                "Usage: kode models\n\nLists the registered models: name, state names (keys of "
                "[y0]),\nparameter names (keys of [params]), the kind, and the model's own\n"
                "event functions (values of event.name), if any."))
    return exit_ok;
  if (context.mpi.rank() != 0) return exit_ok;
  size_t name_width = 5, state_width = 6;
  for (const auto& m : context.models.all()) {
    name_width = std::max(name_width, m.name.size());
    state_width = std::max(state_width, join(m.state_names).size());
  }
  const int w1 = static_cast<int>(name_width) + 2, w2 = static_cast<int>(state_width) + 2;
  size_t param_width = 6;
  for (const auto& m : context.models.all())
    param_width = std::max(param_width, join(m.param_names).size());
  const int w3 = static_cast<int>(param_width) + 2;
  std::cout << std::left << std::setw(w1) << "model" << std::setw(w2) << "states" << std::setw(w3)
            << "params"
            << "noise\n";
  for (const auto& m : context.models.all()) {
    std::cout << std::left << std::setw(w1) << m.name << std::setw(w2) << join(m.state_names)
              << std::setw(w3)
              << (m.param_names.empty() ? std::string("(none)") : join(m.param_names));
    if (m.sde)
      std::cout << "SDE, " << m.calculus << ", " << m.noise_kind << ", " << m.n_noise
                << (m.n_noise == 1 ? " Brownian motion" : " Brownian motions");
    else
      std::cout << "ODE";
    if (!m.event_names.empty()) std::cout << "; events: " << join(m.event_names);
    std::cout << "\n";
  }
  return exit_ok;
}

int solvers_command(const std::vector<std::string>& args, CommandContext& context) {
  if (help_only("solvers", args,
                "Usage: kode solvers\n\nLists the solvers (values of solver.method): order, "
                "stages, whether\nthey are adaptive (embedded error estimate: PID control; "
                "otherwise\nconstant steps with solver.dt0), FSAL, and the dense interpolant;\n"
                "then the SDE solvers (for SDE models): strong order, adaptivity, the\n"
                "calculus they converge to and the noise kinds they accept."))
    return exit_ok;
  if (context.mpi.rank() != 0) return exit_ok;
  std::cout << std::left << std::setw(14) << "method" << std::setw(7) << "order" << std::setw(8)
            << "stages" << std::setw(10) << "adaptive" << std::setw(6) << "fsal"
            << "interpolant\n";
  for (const auto& s : all_solvers())
    std::cout << std::left << std::setw(14) << s.name << std::setw(7) << s.order << std::setw(8)
              << s.stages << std::setw(10) << (s.adaptive ? "yes" : "no") << std::setw(6)
              << (s.fsal ? "yes" : "no") << s.interpolant << " (degree " << s.dense_degree << ")"
              << (s.newton  ? "   implicit (Newton), for stiff problems"
                  : s.stiff ? "   linearly implicit, for stiff problems"
                            : "")
              << "\n";
  std::cout << "\nSDE solvers (for SDE models):\n";
  std::cout << std::left << std::setw(12) << "method" << std::setw(14) << "strong order"
            << std::setw(10) << "adaptive" << std::setw(18) << "calculus"
            << "noise\n";
  for (const auto& s : all_sde_solvers())
    std::cout << std::left << std::setw(12) << s.name << std::setw(14) << s.strong_order
              << std::setw(10) << (s.adaptive ? "yes" : "no") << std::setw(18) << s.calculus
              << s.noise << "   " << s.full_name << "\n";
  return exit_ok;
}

}  // namespace kode::cli
