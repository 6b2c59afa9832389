// The call syntax of config values, `name(arg, arg, ...)`, shared by save
// times and per-state values (the axis forms list, linspace, logspace) and
// sweep designs (the axis forms plus uniform, normal, ...).
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

// Point i of linspace(a, b, n) (numpy.linspace: a + i * step, the last point
// exactly b) or of logspace(a, b, n) (numpy.logspace: 10 ** linspace). Every
// axis of every config value is computed by this one function, so a save
// time and a design value written the same way are the same double.
double axis_point(bool logarithmic, double a, double b, long long n, long long i);

}  // namespace kode
