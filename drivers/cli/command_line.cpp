#include "kode/cli/command_line.hpp"

#include <algorithm>

namespace kode::cli {

namespace po = boost::program_options;

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// "--max_steps" -> "--solver.max_steps"; "--rtoll" -> "--rtol"; ...
std::string suggest_flag(const std::string& flag, const po::options_description& options) {
  std::string name = flag;
  while (starts_with(name, "-")) name.erase(0, 1);
  const auto eq = name.find('=');
  if (eq != std::string::npos) name.erase(eq);
  for (const auto& [section, keys] : known_config_keys())
    if (std::find(keys.begin(), keys.end(), name) != keys.end()) return "--" + section + "." + name;
  std::vector<std::string> candidates;
  for (const auto& option : options.options())
    if (!option->long_name().empty()) candidates.push_back(option->long_name());
  for (const auto& alias : config_key_aliases()) candidates.push_back(alias.first);
  const std::string near = nearest_name(name, candidates);
  return near.empty() ? std::string() : "--" + near;
}

}  // namespace

SplitArguments split_config_overrides(const std::vector<std::string>& args) {
  SplitArguments out;
  const auto& aliases = config_key_aliases();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& token = args[i];
    if (!starts_with(token, "--") || token.size() == 2) {
      out.rest.push_back(token);
      continue;
    }
    const auto eq = token.find('=');
    const std::string name = token.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const auto alias = aliases.find(name);
    const bool is_key = name.find('.') != std::string::npos;
    if (!is_key && alias == aliases.end()) {
      out.rest.push_back(token);
      continue;
    }
    ConfigOverride o;
    o.key = is_key ? name : alias->second;
    if (eq != std::string::npos) {
      o.value = token.substr(eq + 1);
      o.token = token;
    } else if (i + 1 < args.size() && !starts_with(args[i + 1], "--")) {
      o.value = args[++i];
      o.token = token + " " + o.value;
    } else {
      throw ConfigError("option '" + token + "' needs a value: write " + token + "=VALUE");
    }
    out.overrides.push_back(o);
  }
  return out;
}

po::variables_map parse_command_options(const std::string& command,
                                        const std::vector<std::string>& args,
                                        const po::options_description& options,
                                        const po::positional_options_description& positional) {
  po::variables_map vm;
  try {
    // No guessing of abbreviated flags: --over must not silently mean --overwrite.
    const int style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(
        po::command_line_parser(args).options(options).positional(positional).style(style).run(),
        vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    std::string msg = "kode " + command + ": unknown option '" + e.get_option_name() + "'";
    const std::string near = suggest_flag(e.get_option_name(), options);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    throw ConfigError(msg + " (see kode " + command + " --help)");
  } catch (const po::too_many_positional_options_error&) {
    std::string given;
    for (const auto& a : args)
      if (!starts_with(a, "-")) given += (given.empty() ? "'" : ", '") + a + "'";
    throw ConfigError("kode " + command + ": too many arguments (" + given + "; see kode " +
                      command + " --help)");
  } catch (const po::error& e) {
    throw ConfigError("kode " + command + ": " + e.what() + " (see kode " + command + " --help)");
  }
  return vm;
}

Config load_config(const std::optional<std::string>& file,
                   const std::vector<ConfigOverride>& overrides) {
  Config config;
  if (file) config.read_file(*file);
  for (const auto& o : overrides) config.set(o.key, o.value, "command line '" + o.token + "'");
  return config;
}

std::string config_override_help() {
  std::string aliases;
  for (const auto& [alias, key] : config_key_aliases())
    aliases += "  --" + alias + std::string(alias.size() < 8 ? 8 - alias.size() : 1, ' ') + "= --" +
               key + "\n";
  return "Config overrides (later ones win over earlier ones and over the file):\n"
         "  --section.key=VALUE   or  --section.key VALUE, for every key of the config\n"
         "                        (e.g. --solver.rtol=1e-8 --params.alpha=1.5\n"
         "                         --save.ts='linspace(0,10,11)')\n"
         "Short forms:\n" +
         aliases;
}

}  // namespace kode::cli
