// Privileges (issue 7): once ksstpd has opened what needs root (listening sockets, the management
// socket, netlink), it keeps only CAP_NET_ADMIN (TUN interfaces, links, addresses, routes) and
// CAP_NET_BIND_SERVICE (a metrics port below 1024), and with `[daemon] user` it also becomes that
// user. Everything else goes: the bounding set is cleared, and root's "all capabilities again at
// execve" rule is locked off (SECBIT_NOROOT), so neither a hook script nor an exploit gets them
// back. CAP_NET_ADMIN is ambient, so on-up/on-down scripts can still run `ip route ...`.
// libcap-ng (Debian) does the work. Startup code: errors are exceptions.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ksstp::io {

struct Identity {
    std::string user, group;
    uid_t uid = 0;
    gid_t gid = 0;
};

// Looks up `user` (and `group`, default: the user's primary group). Throws std::runtime_error.
Identity resolve_identity(const std::string& user, const std::string& group);

// What a path is needed for after the drop (reload reads files again, secrets are rewritten).
struct PathNeed {
    std::string path;
    enum Kind { Read, Execute, WriteDir } kind = Read;
};
struct UnmetNeed {
    size_t index;     // into the needs given
    std::string why;  // "cannot read /etc/ksstp/server.key (Permission denied)"
};
// The needs `who` cannot meet. Checked in a child process that takes that identity, so modes,
// groups and ACLs count exactly as they will for the daemon. Throws std::runtime_error.
std::vector<UnmetNeed> unmet_needs(const Identity& who, const std::vector<PathNeed>& needs);

// Why this process could not become `who` (CAP_SETUID/CAP_SETGID missing), or nullopt.
std::optional<std::string> cannot_become(const Identity& who);

// Drops to `who` (nullopt: stays uid 0) keeping CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only.
// Must run before any thread starts (capabilities are per thread). Throws std::runtime_error.
// Not root: nothing to drop (returns false).
bool drop_privileges(const std::optional<Identity>& who);

// "uid 65534 (nobody), capabilities cap_net_admin,cap_net_bind_service": for the start-up log.
std::string describe_privileges();

}  // namespace ksstp::io
