// Logging; see log.h.
#include "controlplane/io/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <stdexcept>

namespace ksstp::io {

void setup_logging(const std::string& level) {
    auto logger = spdlog::stderr_logger_mt("ksstp");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
    if (level == "error") spdlog::set_level(spdlog::level::err);
    else if (level == "warning") spdlog::set_level(spdlog::level::warn);
    else if (level == "info") spdlog::set_level(spdlog::level::info);
    else if (level == "debug") spdlog::set_level(spdlog::level::debug);
    else throw std::invalid_argument("--log-level must be error, warning, info or debug");
    spdlog::flush_on(spdlog::level::trace);
}

void log_session_line(uint64_t id, const std::string& user, const session::ev::Log& l) {
    auto level = l.level == session::LogLevel::Diag ? spdlog::level::debug : spdlog::level::info;
    spdlog::log(level, "session {} user {} [{}] {}", id, user.empty() ? "-" : user, l.subsystem, l.text);
}

}  // namespace ksstp::io
