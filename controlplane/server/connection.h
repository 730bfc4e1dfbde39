// Concentrator::Conn: one client connection of ksstpd and everything that hangs off it (TLS,
// session engine, lease, interface, data path). Private to the concentrator's .cc files.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "controlplane/base/fd.h"
#include "controlplane/server/concentrator.h"
#include "controlplane/session/server_session.h"
#include "controlplane/tls/tls_session.h"
#include "dataplane/packet_path.h"
#include "controlplane/io/worker_handoff.h"
#include "netlink/session_link.h"

namespace ksstp::server {

struct Concentrator::Conn {
    uint64_t id = 0;
    Fd sock;
    std::string caller;
    std::optional<tls::TlsSession> tls;
    bool tls_done = false;
    Lease lease;
    std::unique_ptr<SessionAddresses> assigner;
    std::unique_ptr<session::ServerSession> sess;
    Bytes out;
    size_t out_off = 0;
    std::optional<nl::SessionLink> tun;
    std::unique_ptr<dp::PacketPath> path;
    std::optional<ppp::IpcpResult> v4;
    std::optional<ppp::Ipv6cpResult> v6;
    bool v6_configured = false;
    uint16_t mtu = 1500;
    std::string user;
    bool want_write = false;
    bool up_hook_ran = false;  // on-down only follows an on-up
    bool clamp_mss = false;    // profile change-tcp-mss
    // For ksstpctl: what it is, since when, and how long each setup phase took.
    std::string tls_version, tls_cipher, auth;
    bool ktls_tx = false, ktls_rx = false;
    Instant accepted_at{};
    std::time_t started_wall = 0;
    bool established = false;
    std::string source;          // caller's address without port (per-address limits)
    bool starting = true;        // counted in the setup limits until established or closed
    std::string ifname;          // kept after the interface is gone (logs, on-down)
    std::string end_why;         // the session's end reason, for the closing line
    std::string path_kind;       // "offloads vnet-hdr csum tso uso, gro on" (io/tun_path.h)
    dp::PathCounters counters_before;  // of a data path already gone with its interface
    // On a data-plane worker (issue 5 item 1): the socket, TLS and path are the worker's until
    // Concentrator::reclaim() takes them back; `tls` and `path` are empty meanwhile.
    io::WorkerHandoff dp;
    dp::PathCounters counters() const {
        if (dp.attached()) return dp.path_counters();
        return path ? path->counters() : counters_before;
    }
    bool link_seen_up = false;   // netlink said it is up: a later "down" is someone's `ip link set down`
};

}  // namespace ksstp::server
