// What ksstpd and ksstpc share around their event loop: the signal policy (SIGTERM/SIGINT stop
// once, SIGHUP is logged until reload exists) and the mapping of start-up exceptions to the exit
// codes of SPEC 2 (2: bad configuration, 1: runtime failure).
#pragma once

#include <functional>
#include <string>

#include "controlplane/io/event_loop.h"

namespace ksstp::tools {

void handle_stop_signals(io::EventLoop& loop, std::function<void()> stop);
// Runs `body` (which runs the loop); returns the process exit code.
int run_daemon(const std::string& program, const std::function<void()>& body);

}  // namespace ksstp::tools
