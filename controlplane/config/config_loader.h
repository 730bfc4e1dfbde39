// Loads and validates a TOML configuration file (SPEC 3) into config::Config. Refuses unknown
// keys, wrong types, out-of-range values, overlapping pools and dangling names with a ConfigError
// whose message names file, line and key, e.g.
//   /etc/ksstp/ksstpd.toml:12: [sstp-server] port: expected an integer 1..65535, got "x"
// Exceptions are the error path here (STYLE.md: config, startup and CLI only).
#pragma once

#include <stdexcept>
#include <string>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "controlplane/config/config.h"

namespace ksstp::config {

class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string file, uint32_t line, std::string key, std::string what);
    const std::string& file() const { return file_; }
    uint32_t line() const { return line_; }
    const std::string& key() const { return key_; }
    const std::string& detail() const { return detail_; }  // the text after "file:line: key: "

private:
    std::string file_;
    uint32_t line_;
    std::string key_;
    std::string detail_;
};

// Reads and validates `path`, then check_named_files().
Config load_file(const std::string& path);
// The files the configuration names (certificates, keys, CAs, hook scripts) exist and are
// readable, hooks executable; ConfigError with the naming key's line otherwise.
void check_named_files(const Config& c, const std::string& origin);

// "198.18.0.1:9477", "[2001:db8::1]:9477" -> (address, port); nullopt when malformed.
std::optional<std::pair<std::string, uint16_t>> split_listen(std::string_view s);

// [ppp] secrets-file (SPEC 6, docs/management.md): the [[ppp.secret]] entries ksstpctl manages,
// kept in their own file so the hand-written configuration is never rewritten. load_file() reads
// it (a missing file is an empty list); its secrets have from_secrets_file set.
void load_secrets_file(Config& c);
// One secret from key=value strings (ksstpctl secret add), checked exactly as in the file
// (ConfigError naming the key otherwise; `origin` names the source in the message).
Secret secret_from_args(const Config& c, const std::map<std::string, std::string>& args, const std::string& origin);
// The secrets-file text for c's managed secrets.
std::string render_secrets_file(const Config& c);
// Writes it so that a crash at any point leaves either the old or the new file: temporary file
// in the same directory, fsync, rename over, fsync of the directory. Mode 0600. Throws
// std::runtime_error with the path and errno text.
void save_secrets_file(const Config& c);
// `origin` names the source in error messages (a path, or e.g. "<test>").
Config load_string(std::string_view toml, const std::string& origin);

}  // namespace ksstp::config
