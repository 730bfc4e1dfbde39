// What ksstpd and ksstpc share around their event loop: the signal policy (SIGTERM/SIGINT stop
// once, SIGHUP reloads) and the mapping of start-up exceptions to the exit
// codes of SPEC 2 (2: bad configuration, 1: runtime failure).
#pragma once

#include <functional>
#include <string>

#include "controlplane/io/event_loop.h"

namespace ksstp::tools {

// SIGTERM/SIGINT call `stop` once; SIGHUP calls `reload` (logged and ignored when there is none).
void handle_stop_signals(io::EventLoop& loop, std::function<void()> stop, std::function<void()> reload = {});
// systemd readiness protocol (sd_notify(3)): "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...".
// A no-op outside systemd (no NOTIFY_SOCKET).
void notify(const std::string& state);
// Runs `body` (which runs the loop); returns the process exit code.
int run_daemon(const std::string& program, const std::function<void()>& body);

}  // namespace ksstp::tools
