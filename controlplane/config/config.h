// The configuration model of ksstpd and ksstpc (SPEC 3; MikroTik's key names). Loaded from TOML
// by config_loader.h; everything here is already validated: addresses parse, names resolve,
// pools do not overlap, ranges are within what SSTP can carry.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "controlplane/pool/addr_pool.h"
#include "controlplane/ppp/auth.h"

namespace ksstp::config {

enum class TlsVersion : uint8_t { Any, Only12, Only13 };
const char* to_string(TlsVersion v);

struct ServerConfig {
    bool enabled = true;
    std::vector<std::string> listen{"0.0.0.0", "::"};
    uint16_t port = 443;
    std::string certificate;            // PEM chain path, or "none" (anonymous DH, SPEC 4)
    std::string private_key;
    std::string ca_certificate;
    bool verify_client_certificate = false;
    TlsVersion tls_version = TlsVersion::Any;
    bool pfs = false;
    std::vector<ppp::AuthMethod> authentication{ppp::AuthMethod::Pap, ppp::AuthMethod::Chap,
                                                ppp::AuthMethod::MsChapV1, ppp::AuthMethod::MsChapV2};
    std::string default_profile = "default-encryption";
    uint16_t max_mtu = 1500;
    uint16_t max_mru = 1500;
    std::optional<uint16_t> mrru;                   // nullopt = "disabled"
    std::optional<uint32_t> keepalive_timeout = 60;  // seconds; nullopt = "disabled"
    uint32_t max_sessions = 0;                      // 0 = unlimited
    // Flood and slow-peer limits (issue 7): a connection must reach Call Connected within
    // handshake-timeout seconds (TLS + HTTP + SSTP + PPP); at most max-starting connections are in
    // setup at once, at most max-starting-per-address of them from one address; one address may
    // open max-connection-rate connections per second (0 = no limit).
    uint32_t handshake_timeout = 60;
    uint32_t max_starting = 1000;
    uint32_t max_starting_per_address = 16;
    uint32_t max_connection_rate = 0;
    uint32_t max_login_delay = 60;  // seconds: cap of the failed-login delay per address; 0 = none
    std::string interface_name = "sstp-{user}";
};

// An address setting: a literal address or the name of a pool.
using AddressSpec = std::variant<pool::Ipv4, std::string>;

struct Profile {
    std::string name;
    std::optional<AddressSpec> local_address;
    std::optional<AddressSpec> remote_address;
    std::vector<pool::Ipv4> dns_server;
    bool only_one = false;
    bool change_tcp_mss = true;
    std::string on_up, on_down;  // scripts; empty = none
};

struct Secret {
    std::string name;
    std::string password;
    std::string service = "any";  // sstp | any
    std::string profile;          // empty = the server's default-profile
    std::optional<pool::Ipv4> local_address;
    std::optional<pool::Ipv4> remote_address;
    bool from_secrets_file = false;  // managed by ksstpctl (written back to [ppp] secrets-file)
};

struct PoolConfig {
    std::string name;
    std::vector<pool::Range> ranges;
};

struct ClientConfig {
    std::string name;
    std::string connect_to;  // host[:port]
    std::string user;
    std::string password;    // from `password` or the file named by `password-file`
    std::string profile = "default-encryption";
    std::string certificate = "none";
    std::string private_key;
    std::string ca_certificate;
    bool verify_server_certificate = false;
    bool verify_server_address_from_certificate = true;
    std::string http_proxy;
    bool add_default_route = false;
    bool dial_on_demand = false;
    std::optional<uint32_t> keepalive_timeout = 60;
    std::vector<ppp::AuthMethod> authentication{ppp::AuthMethod::Pap, ppp::AuthMethod::Chap,
                                                ppp::AuthMethod::MsChapV1, ppp::AuthMethod::MsChapV2};
    bool pfs = false;
    TlsVersion tls_version = TlsVersion::Any;
    uint16_t max_mtu = 1500;
    uint16_t max_mru = 1500;
    std::optional<uint16_t> mrru;
    bool disabled = false;
};

// A file a key names; load_file() checks it exists (and is executable for hooks) so a typo is
// refused with the key's line, before the daemon starts.
struct FileRef {
    std::string path;
    uint32_t line = 0;
    std::string key;  // as in error messages: "[sstp-server] certificate"
    bool executable = false;
};

// [dataplane]: the TUN offloads of every session interface (issue 5 item 2), each on by default
// where the kernel has it and switchable off for A/B runs. All off = the plain TUN path.
struct DataplaneConfig {
    bool checksum_offload = true;  // TUN_F_CSUM: the kernel may leave checksums to us
    bool tso = true;               // TCP super-packets from the TUN (TUN_F_TSO4/6), cut by our GSO
    bool uso = true;               // UDP super-packets (TUN_F_USO4/6, Linux 6.2+)
    bool gro = true;               // tunnel TCP segments coalesced before the TUN write
    // ksstpd: data-plane worker threads that move established sessions' packets (issue 5 item 1);
    // 0 = none, every session stays on the control thread. Default: one per online CPU.
    unsigned workers = default_workers();
    static unsigned default_workers();
    // The workers move the interfaces' packets through an io_uring each (a batch of reads or
    // writes per system call); false: one system call per packet (A/B runs).
    bool io_uring = true;
    // OpenSSL may give the kernel the TLS record layer (kTLS) where the kernel has TLS; false:
    // TLS stays in userspace (A/B runs, or a kernel whose TLS misbehaves).
    bool ktls = true;
    bool any() const { return checksum_offload || tso || uso || gro; }
};

struct Config {
    std::optional<ServerConfig> server;  // present when [sstp-server] is
    std::vector<FileRef> files;
    // Said at start by the daemon: files holding secrets that every user may read (chmod 600).
    std::vector<std::string> warnings;
    std::map<std::string, Profile> profiles;
    std::vector<Secret> secrets;
    std::map<std::string, PoolConfig> pools;
    std::vector<ClientConfig> clients;
    std::string secrets_file;                      // [ppp] secrets-file ("" = none)
    std::optional<std::string> management_socket;  // [management] socket; nullopt = the daemon's default, "" = off
    std::string metrics_listen;                    // [metrics] listen ("" = off), "address:port"
    // [daemon] user / group: the unprivileged identity ksstpd runs as after start-up ("" = stays
    // uid 0; capabilities are dropped either way: controlplane/io/privileges.h).
    std::string daemon_user, daemon_group;
    DataplaneConfig dataplane;
    uint32_t daemon_user_line = 0;

    const Secret* find_secret(std::string_view user) const;
};

}  // namespace ksstp::config
