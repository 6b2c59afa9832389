#include "kode/engine/config/call_syntax.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace kode {

std::string trim_spaces(const std::string& s) {
  const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  auto b = std::find_if_not(s.begin(), s.end(), is_space);
  auto e = std::find_if_not(s.rbegin(), s.rend(), is_space).base();
  return b < e ? std::string(b, e) : std::string();
}

bool split_call(const std::string& text, std::string& name, std::string& inside) {
  const std::string s = trim_spaces(text);
  const auto open = s.find('(');
  if (open == std::string::npos || s.empty() || s.back() != ')') return false;
  name = trim_spaces(s.substr(0, open));
  if (name.empty()) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  inside = s.substr(open + 1, s.size() - open - 2);
  return true;
}

std::vector<std::string> split_arguments(const std::string& inside) {
  std::vector<std::string> args;
  if (trim_spaces(inside).empty()) return args;
  std::string current;
  for (char c : inside) {
    if (c == ',') {
      args.push_back(trim_spaces(current));
      current.clear();
    } else {
      current += c;
    }
  }
  args.push_back(trim_spaces(current));
  return args;
}

double axis_point(bool logarithmic, double a, double b, long long n, long long i) {
  double x = b;
  if (i < n - 1 || n == 1) {
    const double step = n > 1 ? (b - a) / static_cast<double>(n - 1) : 0.0;
    x = a + static_cast<double>(i) * step;
  }
  return logarithmic ? std::pow(10.0, x) : x;
}

}  // namespace kode
