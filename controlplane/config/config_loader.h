// Loads and validates a TOML configuration file (SPEC 3) into config::Config. Refuses unknown
// keys, wrong types, out-of-range values, overlapping pools and dangling names with a ConfigError
// whose message names file, line and key, e.g.
//   /etc/ksstp/ksstpd.toml:12: [sstp-server] port: expected an integer 1..65535, got "x"
// Exceptions are the error path here (STYLE.md: config, startup and CLI only).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "controlplane/config/config.h"

namespace ksstp::config {

class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string file, uint32_t line, std::string key, std::string what);
    const std::string& file() const { return file_; }
    uint32_t line() const { return line_; }
    const std::string& key() const { return key_; }

private:
    std::string file_;
    uint32_t line_;
    std::string key_;
};

// Reads and validates `path`, then check_named_files().
Config load_file(const std::string& path);
// The files the configuration names (certificates, keys, CAs, hook scripts) exist and are
// readable, hooks executable; ConfigError with the naming key's line otherwise.
void check_named_files(const Config& c, const std::string& origin);
// `origin` names the source in error messages (a path, or e.g. "<test>").
Config load_string(std::string_view toml, const std::string& origin);

}  // namespace ksstp::config
