// What every program prints for --version: its own version and the libraries it runs with, so an
// operator (and the README's main job) sees at once that the dependencies are in place.
#pragma once

#include <string>
#include <string_view>

namespace ksstp::tools {

std::string version_text(std::string_view program);

// The programs that do not run yet beyond --help and --version (ksstpctl, ksstp-perf): parses
// those and returns the exit code (SPEC 2: 2 on bad usage).
int parse_common_cli(std::string_view program, std::string_view description, int argc, char** argv);

}  // namespace ksstp::tools
