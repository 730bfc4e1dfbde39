// HookRunner: runs the profile's on-up / on-down scripts (SPEC 5, like pppd's ip-up/ip-down)
// without blocking the event loop: posix_spawn, reaped on every tick, killed after kTimeout.
// The script gets the session in its environment, with pppd's names where pppd has one:
//   IFNAME, IPLOCAL, IPREMOTE, PEERNAME, DNS1, DNS2 (pppd ip-up) and
//   KSSTP_EVENT (up|down), KSSTP_SESSION_ID, KSSTP_CALLER, KSSTP_USER.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "controlplane/base/clock.h"

namespace ksstp::server {

struct HookEnv {
    std::string event;  // "up" or "down"
    uint64_t session_id = 0;
    std::string user, caller, ifname, local, remote, dns1, dns2;
};

class HookRunner {
public:
    static constexpr Duration kTimeout{30'000};
    // Starts `script` with the environment; returns false (and says why) if it cannot start.
    bool run(const std::string& script, const HookEnv& env, Instant now, std::string& why);
    // Reaps finished scripts and kills those past the timeout; returns log lines about them.
    std::vector<std::string> reap(Instant now);
    size_t running() const { return running_.size(); }

private:
    struct Child {
        std::string script;
        Instant deadline;
    };
    std::map<pid_t, Child> running_;
};

}  // namespace ksstp::server
