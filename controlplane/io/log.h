// Logging setup (spdlog to stderr, one line per event, journald-friendly: no colours when not a
// terminal) and the session-level log sink: every session line carries the session id and user
// (SPEC 2).
#pragma once

#include <spdlog/spdlog.h>

#include <string>

#include "controlplane/session/session_core.h"

namespace ksstp::io {

// Levels: "error", "warning", "info" (default), "debug". Throws std::invalid_argument on others.
void setup_logging(const std::string& level);

// Logs a SessionEvent's Log entry with the session's prefix.
void log_session_line(uint64_t id, const std::string& user, const session::ev::Log& l);

}  // namespace ksstp::io
