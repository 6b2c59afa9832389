// The call syntax of config values, `name(arg, arg, ...)`, shared by save
// times (linspace, list) and sweep designs (linspace, uniform, normal, ...).
#pragma once

#include <string>
#include <vector>

namespace kode {

// `s` without leading and trailing white space.
std::string trim_spaces(const std::string& s);

// "name(args)" -> (name, args inside the parentheses); false when the
// (trimmed) text has no call form or the name is not an identifier.
bool split_call(const std::string& text, std::string& name, std::string& inside);

// Splits "a, b, c" at commas into trimmed items; "" (no arguments) gives an
// empty list, "a," gives {"a", ""} so that the empty item can be reported.
std::vector<std::string> split_arguments(const std::string& inside);

}  // namespace kode
