// engine/config/ (library kode::engine): reading what to run. The INI config
// and its overrides (this header), the call syntax of values (call_syntax),
// and turning a config into a single run (problem_from_config). May include
// kernels/, engine/batch/, engine/models/ and engine/solvers/, and
// engine/io/'s readers of input files ([model] weights); nothing here
// computes or writes files.
//
// The run configuration of `kode solve`, `kode sweep` and `kode check`: an
// INI file (Boost.Program_options config-file syntax) plus command-line
// overrides `--section.key=value`, later ones winning. Every value is kept as
// the text the user wrote together with where it came from (file:line or the
// command line), so that an error can point at it; typed access parses the
// text strictly and names the key and the value when it does not parse.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kode {

// Every problem with what the user gave kode (config, command line, input
// files): the message names the key and the value. The CLI exits with 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ConfigValue {
  std::string text;    // as written, surrounding whitespace removed
  std::string origin;  // "run.ini:12" or "command line"
};

class Config {
 public:
  // Reads an INI file. Keys outside a [section] and a key given twice in the
  // same file are errors (one of the two would be silently ignored).
  void read_file(const std::string& path);
  // The same from text already in memory; `source` names it in messages.
  void read_text(const std::string& text, const std::string& source);
  // Sets (or overrides) "section.key".
  void set(const std::string& key, const std::string& text, const std::string& origin);

  bool has(const std::string& key) const { return entries_.count(key) > 0; }
  const ConfigValue* find(const std::string& key) const;
  // All keys ("section.key"), sorted.
  std::vector<std::string> keys() const;
  // The keys of one section, without the "section." prefix, sorted.
  std::vector<std::string> keys_in(const std::string& section) const;

  // Typed access; nullopt when the key is absent, ConfigError when present
  // but malformed.
  std::optional<double> number(const std::string& key) const;
  std::optional<long long> integer(const std::string& key) const;
  std::optional<bool> boolean(const std::string& key) const;
  // Save times: list(...), linspace(a,b,n), logspace(a,b,n) or a single number.
  std::optional<std::vector<double>> times(const std::string& key) const;
  std::optional<std::string> text(const std::string& key) const;

  // "'solver.rtol' = '1e-6x' (run.ini:4)": how messages quote a key.
  std::string describe(const std::string& key) const;

 private:
  std::map<std::string, ConfigValue> entries_;
};

// Strict parsers, exposed for values that do not come from a Config (e.g.
// `kode interpolate --ts=...`). `what` names the value in error messages.
double parse_number(const std::string& text, const std::string& what);
long long parse_integer(const std::string& text, const std::string& what);
bool parse_boolean(const std::string& text, const std::string& what);
// A list of values in any axis form: list(x1, ...), linspace(a, b, n),
// logspace(a, b, n) (axis_point in call_syntax.hpp), or a single number.
// `noun` says what the values are in messages ("times", "values").
std::vector<double> parse_axis(const std::string& text, const std::string& what,
                               const std::string& noun);
// Save times: parse_axis for times.
std::vector<double> parse_times(const std::string& text, const std::string& what);

// True when the text is a sweep design such as linspace(...) or uniform(...)
// rather than a fixed value.
bool looks_like_design(const std::string& text);

// The sections and keys of DESIGN.md ("User-facing contract"). [params] and
// [y0] take the model's names, which only the model knows; they map to an
// empty list here.
const std::map<std::string, std::vector<std::string>>& known_config_keys();

// Checks every key of the config against known_config_keys() (the model's
// [params]/[y0] names are checked by problem_from_config). Throws ConfigError
// for the first unknown section or key, suggesting the nearest valid one.
void check_known_sections_and_keys(const Config& config);

// Damerau-Levenshtein (optimal string alignment) distance.
std::size_t edit_distance(const std::string& a, const std::string& b);
// The candidate nearest to `word`, or "" when none is close enough to be a
// plausible typo.
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates);

// Where two resolved config texts first differ (for resume and merge
// messages): the 1-based line and both lines, "<end>" for a text that ended.
struct ConfigTextDifference {
  int line = 0;
  std::string first, second;
};
std::optional<ConfigTextDifference> first_line_difference(const std::string& first,
                                                          const std::string& second);

// The command-line spellings --model, --solver, ... of "section.key".
const std::map<std::string, std::string>& config_key_aliases();

}  // namespace kode
