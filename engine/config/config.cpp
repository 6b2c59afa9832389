#include "kode/engine/config/config.hpp"

#include <algorithm>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "kode/engine/config/call_syntax.hpp"

namespace kode {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

// A key's line in a config file, found by the same rules Boost's parser
// applies (comments start with '#', "[section]" sets a prefix), so that
// errors can say file:line, which Boost does not report.
struct KeyLine {
  std::string key;
  int line;
};

std::vector<KeyLine> scan_key_lines(const std::string& text, const std::string& source) {
  std::vector<KeyLine> found;
  std::istringstream in(text);
  std::string raw, prefix;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    const auto hash = raw.find('#');
    const std::string s = trim_spaces(hash == std::string::npos ? raw : raw.substr(0, hash));
    if (s.empty()) continue;
    if (s.front() == '[' && s.back() == ']') {
      prefix = s.substr(1, s.size() - 2);
      if (prefix.empty() || prefix.back() != '.') prefix += '.';
      continue;
    }
    const auto eq = s.find('=');
    if (eq == std::string::npos)
      throw ConfigError(source + ":" + std::to_string(line) + ": invalid line '" + s +
                        "' (expected 'key = value' or '[section]')");
    std::string name = trim_spaces(s.substr(0, eq));
    if (name.empty())
      throw ConfigError(source + ":" + std::to_string(line) + ": invalid line '" + s +
                        "' (no key before '=')");
    // Keys before any [section] stay without a prefix (Boost does the same).
    found.push_back({prefix == "." ? name : prefix + name, line});
  }
  return found;
}

std::string section_of(const std::string& key) {
  const auto dot = key.find('.');
  return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

std::string name_in_section(const std::string& key) {
  const auto dot = key.find('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

}  // namespace

// ---- Config ----

void Config::read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read config file '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError("error while reading config file '" + path + "'");
  read_text(text.str(), path);
}

void Config::read_text(const std::string& text, const std::string& source) {
  // Our scan first: it reports malformed lines with their line number.
  const std::vector<KeyLine> lines = scan_key_lines(text, source);

  namespace po = boost::program_options;
  std::istringstream in(text);
  po::parsed_options parsed(nullptr);
  try {
    const po::options_description none;  // every key is "unregistered": we validate them
    parsed = po::parse_config_file(in, none, /*allow_unregistered=*/true);
  } catch (const po::error& e) {
    throw ConfigError(source + ": " + e.what());
  }

  std::map<std::string, std::string> seen_in_this_file;
  size_t index = 0;
  for (const auto& option : parsed.options) {
    const std::string& key = option.string_key;
    // The scan and Boost walk the same lines in the same order.
    const bool aligned = index < lines.size() && lines[index].key == key;
    const std::string origin = aligned ? source + ":" + std::to_string(lines[index].line) : source;
    ++index;
    if (key.find('.') == std::string::npos) {
      std::string msg = "key '" + key + "' (" + origin + ") is outside any [section]";
      for (const auto& [section, names] : known_config_keys())
        if (std::find(names.begin(), names.end(), key) != names.end()) {
          msg += "; did you mean '" + section + "." + key + "' (put it under [" + section + "])?";
          break;
        }
      throw ConfigError(msg);
    }
    const auto previous = seen_in_this_file.find(key);
    if (previous != seen_in_this_file.end())
      throw ConfigError("key '" + key + "' is given twice (" + previous->second + " and " + origin +
                        "); keep one");
    seen_in_this_file[key] = origin;
    set(key, option.value.empty() ? std::string() : option.value.front(), origin);
  }
}

void Config::set(const std::string& key, const std::string& text, const std::string& origin) {
  entries_[key] = ConfigValue{trim_spaces(text), origin};
}

const ConfigValue* Config::find(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> Config::keys() const {
  std::vector<std::string> out;
  for (const auto& entry : entries_) out.push_back(entry.first);
  return out;
}

std::vector<std::string> Config::keys_in(const std::string& section) const {
  std::vector<std::string> out;
  for (const auto& entry : entries_)
    if (section_of(entry.first) == section) out.push_back(name_in_section(entry.first));
  return out;
}

std::string Config::describe(const std::string& key) const {
  const ConfigValue* v = find(key);
  if (!v) return "'" + key + "'";
  return "'" + key + "' = '" + v->text + "' (" + v->origin + ")";
}

std::optional<std::string> Config::text(const std::string& key) const {
  const ConfigValue* v = find(key);
  if (!v) return std::nullopt;
  return v->text;
}

std::optional<double> Config::number(const std::string& key) const {
  const ConfigValue* v = find(key);
  if (!v) return std::nullopt;
  return parse_number(v->text, describe(key));
}

std::optional<long long> Config::integer(const std::string& key) const {
  const ConfigValue* v = find(key);
  if (!v) return std::nullopt;
  return parse_integer(v->text, describe(key));
}

std::optional<bool> Config::boolean(const std::string& key) const {
  const ConfigValue* v = find(key);
  if (!v) return std::nullopt;
  return parse_boolean(v->text, describe(key));
}

std::optional<std::vector<double>> Config::times(const std::string& key) const {
  const ConfigValue* v = find(key);
  if (!v) return std::nullopt;
  return parse_times(v->text, describe(key));
}

// ---- value parsers ----

double parse_number(const std::string& raw, const std::string& what) {
  const std::string text = trim_spaces(raw);
  if (text.empty()) throw ConfigError(what + ": expected a number, got an empty value");
  // from_chars: locale-independent and all-or-nothing, unlike strtod/stod.
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (*begin == '+') ++begin;
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range)
    throw ConfigError(what + ": number out of the range of a double");
  if (ec != std::errc() || ptr != end) throw ConfigError(what + ": not a number");
  if (!std::isfinite(value)) throw ConfigError(what + ": the number must be finite");
  return value;
}

long long parse_integer(const std::string& raw, const std::string& what) {
  const std::string text = trim_spaces(raw);
  if (text.empty()) throw ConfigError(what + ": expected an integer, got an empty value");
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (*begin == '+') ++begin;
  long long value = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc() && ptr == end) return value;
  // Also accept an exactly integral number such as 1e6 (max_steps = 1e6).
  double x = 0.0;
  try {
    x = parse_number(text, what);
  } catch (const ConfigError&) {
    throw ConfigError(what + ": not an integer");
  }
  if (x != std::floor(x) || std::fabs(x) > 9.007199254740992e15)
    throw ConfigError(what + ": not an integer");
  return static_cast<long long>(x);
}

bool parse_boolean(const std::string& raw, const std::string& what) {
  const std::string text = lower(trim_spaces(raw));
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  throw ConfigError(what + ": expected true/false (or yes/no, 1/0)");
}

std::vector<double> parse_axis(const std::string& raw, const std::string& what,
                               const std::string& noun) {
  const std::string forms = "list(x1,x2,...), linspace(a,b,n) or logspace(a,b,n)";
  std::string name, inside;
  if (!split_call(raw, name, inside)) {
    // A single value is allowed as a plain number; parse_number's message
    // says what is wrong with it, and the forms say what else is allowed.
    try {
      return {parse_number(raw, what)};
    } catch (const ConfigError& e) {
      throw ConfigError(std::string(e.what()) + " (expected " + forms + " or a number)");
    }
  }
  const std::vector<std::string> args = split_arguments(inside);
  if (name == "linspace" || name == "logspace") {
    if (args.size() != 3)
      throw ConfigError(what + ": " + name + " takes 3 arguments (a, b, n), got " +
                        std::to_string(args.size()));
    const double a = parse_number(args[0], what + ", " + name + " argument a");
    const double b = parse_number(args[1], what + ", " + name + " argument b");
    const long long n = parse_integer(args[2], what + ", " + name + " argument n");
    if (n < 1) throw ConfigError(what + ": " + name + " needs n >= 1, got " + std::to_string(n));
    if (n > 100000000)
      throw ConfigError(what + ": " + name + " n = " + std::to_string(n) +
                        " is too large (max 1e8)");
    const bool logarithmic = name == "logspace";
    if (logarithmic && (!std::isfinite(std::pow(10.0, a)) || !std::isfinite(std::pow(10.0, b))))
      throw ConfigError(what + ": logspace end points 10^a, 10^b overflow a double");
    if (!logarithmic && !std::isfinite(b - a))
      throw ConfigError(what + ": linspace range b - a overflows a double");
    std::vector<double> values(static_cast<size_t>(n));
    for (long long i = 0; i < n; ++i)
      values[static_cast<size_t>(i)] = axis_point(logarithmic, a, b, n, i);
    return values;
  }
  if (name == "list") {
    if (args.empty()) throw ConfigError(what + ": list() needs at least one value");
    std::vector<double> values;
    for (size_t i = 0; i < args.size(); ++i)
      values.push_back(parse_number(args[i], what + ", list item " + std::to_string(i + 1)));
    return values;
  }
  throw ConfigError(what + ": unknown function '" + name + "' for " + noun + "; expected " + forms);
}

std::vector<double> parse_times(const std::string& raw, const std::string& what) {
  return parse_axis(raw, what, "times");
}

bool looks_like_design(const std::string& text) {
  std::string name, inside;
  return split_call(text, name, inside);
}

// ---- known keys ----

const std::map<std::string, std::vector<std::string>>& known_config_keys() {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"model", {"name", "weights"}},
      {"time", {"t0", "t1"}},
      {"save", {"ts", "t0", "t1", "steps", "dense"}},
      {"solver",
       {"method", "controller", "dt0", "rtol", "atol", "max_steps", "pcoeff", "icoeff", "dcoeff",
        "dtmin", "dtmax", "factormin", "factormax", "safety", "newton_kappa", "newton_max_iters"}},
      {"params", {}},
      {"y0", {}},
      {"sweep",
       {"design", "samples", "paths", "seed", "chunk", "schedule", "slice_index", "slice_count"}},
      {"output", {"file", "save"}},
      {"noise", {"seed", "tree_tol", "calculus", "observation_sigma", "observation_seed"}},
      {"sensitivity", {"method", "checkpoints"}},
      {"event", {"state", "value", "name", "direction", "terminal", "records", "tol"}},
      {"loss", {"kind", "weights", "at", "data", "dataset"}},
      {"train",
       {"data",
        "dataset",
        "model",
        "learn",
        "width",
        "depth",
        "activation",
        "final_activation",
        "time_input",
        "learnt_scale",
        "steps",
        "batch",
        "optimizer",
        "learning_rate",
        "schedule",
        "warmup_steps",
        "final_learning_rate",
        "clip_norm",
        "validation_fraction",
        "validate_every",
        "curriculum",
        "curriculum_steps",
        "seed",
        "checkpoint_every",
        "checkpoints",
        "parameter_scale",
        "learn_params",
        "output"}},
  };
  return keys;
}

const std::map<std::string, std::string>& config_key_aliases() {
  static const std::map<std::string, std::string> aliases = {
      {"model", "model.name"}, {"solver", "solver.method"}, {"method", "solver.method"},
      {"rtol", "solver.rtol"}, {"atol", "solver.atol"},     {"dt0", "solver.dt0"},
      {"t0", "time.t0"},       {"t1", "time.t1"},           {"output", "output.file"},
  };
  return aliases;
}

void check_known_sections_and_keys(const Config& config) {
  const auto& known = known_config_keys();
  std::vector<std::string> section_names;
  for (const auto& entry : known) section_names.push_back(entry.first);

  for (const std::string& key : config.keys()) {
    const std::string section = section_of(key);
    const std::string name = name_in_section(key);
    const std::string where = " (" + config.find(key)->origin + ")";
    const auto it = known.find(section);
    if (it == known.end()) {
      std::string msg = "unknown section [" + section + "] in key '" + key + "'" + where;
      const std::string near_section = nearest_name(section, section_names);
      if (!near_section.empty()) {
        msg += "; did you mean '" + near_section + "." + name + "'?";
      } else {
        msg += "; valid sections are " + join(section_names, ", ");
      }
      throw ConfigError(msg);
    }
    const auto& names = it->second;
    if (names.empty()) continue;  // [params], [y0]: the model's names
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    std::string msg = "unknown key '" + key + "'" + where;
    const std::string near = nearest_name(name, names);
    if (!near.empty()) {
      msg += "; did you mean '" + section + "." + near + "'?";
    } else {
      msg += "; valid keys in [" + section + "] are " + join(names, ", ");
    }
    throw ConfigError(msg);
  }
}

// ---- suggestions ----

std::size_t edit_distance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      // Transposition of two adjacent characters counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string w = lower(word);
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& c : candidates) {
    const size_t dist = edit_distance(w, lower(c));
    if (dist < best_distance) {
      best_distance = dist;
      best = c;
    }
  }
  // Close enough to be a typo: at most 2 edits (a third of the word for long
  // words), and not a complete rewrite of a short word.
  const size_t limit = std::max<size_t>(2, w.size() / 3);
  if (best.empty() || best_distance > limit || best_distance >= std::max(w.size(), best.size()))
    return "";
  return best;
}

std::optional<ConfigTextDifference> first_line_difference(const std::string& first,
                                                          const std::string& second) {
  std::istringstream a(first), b(second);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la));
    const bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return std::nullopt;
    if (!ha || !hb || la != lb)
      return ConfigTextDifference{line, ha ? la : "<end>", hb ? lb : "<end>"};
  }
}

}  // namespace kode
