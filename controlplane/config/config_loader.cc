// TOML -> Config with validation; see config_loader.h.
#include "controlplane/config/config_loader.h"

#include <arpa/inet.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "controlplane/sstp/http_connect.h"

namespace ksstp::config {

// One worker per CPU this process may run on (sched_getaffinity: a taskset or cgroup cpuset
// counts, not the machine's total).
unsigned DataplaneConfig::default_workers() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) return unsigned(std::clamp(CPU_COUNT(&set), 1, 256));
    return 1;
}

std::optional<std::pair<std::string, uint16_t>> split_listen(std::string_view s) {
    std::string host;
    std::string_view port;
    if (!s.empty() && s[0] == '[') {
        size_t close = s.find(']');
        if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return std::nullopt;
        host = std::string(s.substr(1, close - 1));
        port = s.substr(close + 2);
    } else {
        size_t colon = s.rfind(':');
        if (colon == std::string_view::npos || s.find(':') != colon) return std::nullopt;
        host = std::string(s.substr(0, colon));
        port = s.substr(colon + 1);
    }
    unsigned char buf[16];
    if (inet_pton(AF_INET, host.c_str(), buf) != 1 && inet_pton(AF_INET6, host.c_str(), buf) != 1) return std::nullopt;
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    unsigned long p = std::stoul(std::string(port));
    if (p == 0 || p > 65535) return std::nullopt;
    return std::make_pair(host, uint16_t(p));
}

const char* to_string(TlsVersion v) {
    switch (v) {
        case TlsVersion::Any: return "any";
        case TlsVersion::Only12: return "only-1.2";
        case TlsVersion::Only13: return "only-1.3";
    }
    return "?";
}

const Secret* Config::find_secret(std::string_view user) const {
    for (const Secret& s : secrets)
        if (s.name == user) return &s;
    return nullptr;
}

ConfigError::ConfigError(std::string file, uint32_t line, std::string key, std::string what)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + key + ": " + what),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)),
      detail_(std::move(what)) {}

namespace {

constexpr uint16_t kMinMtu = 576;    // smallest IPv4 MTU every host must accept (RFC 791)
constexpr uint16_t kMaxMtu = 4087;   // SSTP packet limit (reference/sstp.md 9)

class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    // Remembers the file named by key `k` of `t` for load_file()'s existence check.
    void file_ref(const toml::table& t, const std::string& sec, std::string_view k, const std::string& path, Config& c,
                  bool executable = false) const {
        if (path.empty() || path == "none") return;
        const toml::node* n = t.get(k);
        c.files.push_back({path, n ? uint32_t(n->source().begin.line) : 0, sec + " " + std::string(k), executable});
    }

    [[noreturn]] void fail(const toml::node* n, const std::string& key, const std::string& what) const {
        uint32_t line = n ? uint32_t(n->source().begin.line) : 0;
        throw ConfigError(file_, line, key, what);
    }

    void check_keys(const toml::table& t, const std::string& section, std::initializer_list<std::string_view> allowed) const {
        for (const auto& [k, v] : t) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end())
                fail(&v, section + " " + std::string(k.str()), "unknown key");
        }
    }

    const toml::table& table_of(const toml::node& n, const std::string& key) const {
        const toml::table* t = n.as_table();
        if (!t) fail(&n, key, "expected a table");
        return *t;
    }

    bool get_bool(const toml::table& t, const std::string& sec, std::string_view k, bool def) const {
        const toml::node* n = t.get(k);
        if (!n) return def;
        if (auto v = n->value<bool>(); v && n->is_boolean()) return *v;
        fail(n, sec + " " + std::string(k), "expected true or false");
    }

    int64_t get_int(const toml::table& t, const std::string& sec, std::string_view k, int64_t lo, int64_t hi,
                    int64_t def) const {
        const toml::node* n = t.get(k);
        if (!n) return def;
        if (!n->is_integer()) fail(n, sec + " " + std::string(k), "expected an integer " + range(lo, hi));
        int64_t v = *n->value<int64_t>();
        if (v < lo || v > hi)
            fail(n, sec + " " + std::string(k), "expected an integer " + range(lo, hi) + ", got " + std::to_string(v));
        return v;
    }

    std::string get_string(const toml::table& t, const std::string& sec, std::string_view k, std::string def,
                           bool required = false) const {
        const toml::node* n = t.get(k);
        if (!n) {
            if (required) fail(&t, sec + " " + std::string(k), "missing (required)");
            return def;
        }
        if (!n->is_string()) fail(n, sec + " " + std::string(k), "expected a string");
        return std::string(*n->value<std::string_view>());
    }

    std::vector<std::string> get_strings(const toml::table& t, const std::string& sec, std::string_view k,
                                         std::vector<std::string> def) const {
        const toml::node* n = t.get(k);
        if (!n) return def;
        const toml::array* a = n->as_array();
        if (!a) fail(n, sec + " " + std::string(k), "expected an array of strings");
        std::vector<std::string> out;
        for (const auto& e : *a) {
            if (!e.is_string()) fail(&e, sec + " " + std::string(k), "expected an array of strings");
            out.emplace_back(*e.value<std::string_view>());
        }
        return out;
    }

    // "disabled" or an integer in range.
    std::optional<int64_t> get_int_or_disabled(const toml::table& t, const std::string& sec, std::string_view k,
                                               int64_t lo, int64_t hi, std::optional<int64_t> def) const {
        const toml::node* n = t.get(k);
        if (!n) return def;
        if (n->is_string() && *n->value<std::string_view>() == "disabled") return std::nullopt;
        if (!n->is_integer())
            fail(n, sec + " " + std::string(k), "expected \"disabled\" or an integer " + range(lo, hi));
        return get_int(t, sec, k, lo, hi, 0);
    }

    const toml::node* node(const toml::table& t, std::string_view k) const { return t.get(k); }

private:
    static std::string range(int64_t lo, int64_t hi) { return std::to_string(lo) + ".." + std::to_string(hi); }
    std::string file_;
};

std::vector<ppp::AuthMethod> read_auth(const Reader& r, const toml::table& t, const std::string& sec) {
    auto names = r.get_strings(t, sec, "authentication", {"pap", "chap", "mschap1", "mschap2"});
    std::vector<ppp::AuthMethod> out;
    for (const auto& n : names) {
        auto m = ppp::auth_method_from_name(n);
        if (!m) r.fail(r.node(t, "authentication"), sec + " authentication",
                       "unknown method \"" + n + "\" (pap, chap, mschap1, mschap2)");
        if (std::find(out.begin(), out.end(), *m) == out.end()) out.push_back(*m);
    }
    if (out.empty()) r.fail(r.node(t, "authentication"), sec + " authentication", "at least one method is needed");
    // Proposed strongest first whatever the order written (reference/ppp.md 5).
    std::sort(out.begin(), out.end(), [](auto a, auto b) { return int(a) > int(b); });
    return out;
}

TlsVersion read_tls_version(const Reader& r, const toml::table& t, const std::string& sec) {
    std::string v = r.get_string(t, sec, "tls-version", "any");
    if (v == "any") return TlsVersion::Any;
    if (v == "only-1.2") return TlsVersion::Only12;
    if (v == "only-1.3") return TlsVersion::Only13;
    r.fail(r.node(t, "tls-version"), sec + " tls-version", "expected any, only-1.2 or only-1.3, got \"" + v + "\"");
}

pool::Ipv4 read_ipv4(const Reader& r, const toml::node* n, const std::string& key, const std::string& text) {
    auto a = pool::parse_ipv4(text);
    if (!a) r.fail(n, key, "not an IPv4 address: \"" + text + "\"");
    return *a;
}

void read_server(const Reader& r, const toml::table& t, Config& c) {
    const std::string sec = "[sstp-server]";
    r.check_keys(t, sec, {"enabled", "listen", "port", "certificate", "private-key", "ca-certificate",
                          "verify-client-certificate", "tls-version", "pfs", "authentication", "default-profile",
                          "max-mtu", "max-mru", "mrru", "keepalive-timeout", "max-sessions", "interface-name",
                          "handshake-timeout", "max-starting", "max-starting-per-address", "max-connection-rate",
                          "max-login-delay"});
    ServerConfig s;
    s.enabled = r.get_bool(t, sec, "enabled", true);
    s.listen = r.get_strings(t, sec, "listen", s.listen);
    for (const auto& l : s.listen) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, l.c_str(), buf) != 1 && inet_pton(AF_INET6, l.c_str(), buf) != 1)
            r.fail(r.node(t, "listen"), sec + " listen", "not an IP address: \"" + l + "\"");
    }
    s.port = uint16_t(r.get_int(t, sec, "port", 1, 65535, 443));
    s.certificate = r.get_string(t, sec, "certificate", "", true);
    s.private_key = r.get_string(t, sec, "private-key", "");
    if (s.certificate != "none" && s.private_key.empty()) s.private_key = s.certificate;  // key in the PEM
    s.ca_certificate = r.get_string(t, sec, "ca-certificate", "");
    s.verify_client_certificate = r.get_bool(t, sec, "verify-client-certificate", false);
    if (s.verify_client_certificate && s.ca_certificate.empty())
        r.fail(r.node(t, "verify-client-certificate"), sec + " verify-client-certificate",
               "needs ca-certificate to verify clients against");
    s.tls_version = read_tls_version(r, t, sec);
    if (s.certificate == "none" && s.tls_version == TlsVersion::Only13)
        r.fail(r.node(t, "tls-version"), sec + " tls-version",
               "certificate = \"none\" needs TLS 1.2 (anonymous key exchange), but this is only-1.3");
    r.file_ref(t, sec, "certificate", s.certificate, c);
    r.file_ref(t, sec, t.contains("private-key") ? "private-key" : "certificate", s.private_key, c);
    r.file_ref(t, sec, "ca-certificate", s.ca_certificate, c);
    s.pfs = r.get_bool(t, sec, "pfs", false);
    s.authentication = read_auth(r, t, sec);
    s.default_profile = r.get_string(t, sec, "default-profile", s.default_profile);
    s.max_mtu = uint16_t(r.get_int(t, sec, "max-mtu", kMinMtu, kMaxMtu, 1500));
    s.max_mru = uint16_t(r.get_int(t, sec, "max-mru", kMinMtu, kMaxMtu, 1500));
    auto mrru = r.get_int_or_disabled(t, sec, "mrru", 1500, 16384, std::nullopt);
    if (mrru) s.mrru = uint16_t(*mrru);
    auto ka = r.get_int_or_disabled(t, sec, "keepalive-timeout", 1, 86400, 60);
    s.keepalive_timeout = ka ? std::optional<uint32_t>(uint32_t(*ka)) : std::nullopt;
    s.max_sessions = uint32_t(r.get_int(t, sec, "max-sessions", 0, 1'000'000, 0));
    s.handshake_timeout = uint32_t(r.get_int(t, sec, "handshake-timeout", 5, 600, 60));
    s.max_starting = uint32_t(r.get_int(t, sec, "max-starting", 1, 1'000'000, 1000));
    s.max_starting_per_address = uint32_t(r.get_int(t, sec, "max-starting-per-address", 1, 1'000'000, 16));
    s.max_connection_rate = uint32_t(r.get_int(t, sec, "max-connection-rate", 0, 1'000'000, 0));
    s.max_login_delay = uint32_t(r.get_int(t, sec, "max-login-delay", 0, 3600, 60));
    s.interface_name = r.get_string(t, sec, "interface-name", s.interface_name);
    {
        // Linux names: 15 bytes; {user} and {id} are expanded per session.
        std::string rest = s.interface_name;
        for (std::string_view ph : {"{user}", "{id}"})
            for (size_t p; (p = rest.find(ph)) != std::string::npos;) rest.erase(p, ph.size());
        bool ok = !s.interface_name.empty() && rest.find_first_of("{}/ \t") == std::string::npos && rest.size() <= 15;
        if (!ok)
            r.fail(r.node(t, "interface-name"), sec + " interface-name",
                   "expected a name template using {user} and/or {id}, without '/', spaces or other braces");
    }
    c.server = std::move(s);
}

std::optional<AddressSpec> read_address_spec(const Reader& r, const toml::table& t, const std::string& sec,
                                             std::string_view k) {
    std::string v = r.get_string(t, sec, k, "");
    if (v.empty()) return std::nullopt;
    if (auto a = pool::parse_ipv4(v)) return AddressSpec(*a);
    return AddressSpec(v);  // a pool name, resolved after all pools are read
}

void read_profile(const Reader& r, const std::string& name, const toml::table& t, Config& c) {
    const std::string sec = "[ppp.profile." + name + "]";
    r.check_keys(t, sec, {"local-address", "remote-address", "dns-server", "only-one", "change-tcp-mss", "on-up", "on-down"});
    Profile p;
    p.name = name;
    p.local_address = read_address_spec(r, t, sec, "local-address");
    p.remote_address = read_address_spec(r, t, sec, "remote-address");
    for (const auto& d : r.get_strings(t, sec, "dns-server", {}))
        p.dns_server.push_back(read_ipv4(r, r.node(t, "dns-server"), sec + " dns-server", d));
    if (p.dns_server.size() > 2)
        r.fail(r.node(t, "dns-server"), sec + " dns-server", "at most two DNS servers (IPCP primary and secondary)");
    p.only_one = r.get_bool(t, sec, "only-one", false);
    p.change_tcp_mss = r.get_bool(t, sec, "change-tcp-mss", true);
    p.on_up = r.get_string(t, sec, "on-up", "");
    p.on_down = r.get_string(t, sec, "on-down", "");
    r.file_ref(t, sec, "on-up", p.on_up, c, true);
    r.file_ref(t, sec, "on-down", p.on_down, c, true);
    c.profiles[name] = std::move(p);
}

void read_secret(const Reader& r, size_t index, const toml::table& t, Config& c) {
    std::string sec = "[[ppp.secret]] #" + std::to_string(index + 1);
    r.check_keys(t, sec, {"name", "password", "service", "profile", "local-address", "remote-address"});
    Secret s;
    s.name = r.get_string(t, sec, "name", "", true);
    if (s.name.empty()) r.fail(r.node(t, "name"), sec + " name", "must not be empty");
    sec = "[[ppp.secret]] " + s.name;
    if (c.find_secret(s.name)) r.fail(r.node(t, "name"), sec + " name", "duplicate secret");
    s.password = r.get_string(t, sec, "password", "", true);
    s.service = r.get_string(t, sec, "service", "any");
    if (s.service != "sstp" && s.service != "any")
        r.fail(r.node(t, "service"), sec + " service", "expected sstp or any, got \"" + s.service + "\"");
    s.profile = r.get_string(t, sec, "profile", "");
    if (!s.profile.empty() && !c.profiles.count(s.profile))
        r.fail(r.node(t, "profile"), sec + " profile", "no profile named \"" + s.profile + "\"");
    if (auto v = r.get_string(t, sec, "local-address", ""); !v.empty())
        s.local_address = read_ipv4(r, r.node(t, "local-address"), sec + " local-address", v);
    if (auto v = r.get_string(t, sec, "remote-address", ""); !v.empty())
        s.remote_address = read_ipv4(r, r.node(t, "remote-address"), sec + " remote-address", v);
    c.secrets.push_back(std::move(s));
}

void read_pool(const Reader& r, const std::string& name, const toml::table& t, Config& c) {
    const std::string sec = "[ip.pool." + name + "]";
    r.check_keys(t, sec, {"ranges"});
    PoolConfig p;
    p.name = name;
    for (const auto& s : r.get_strings(t, sec, "ranges", {})) {
        auto range = pool::parse_range(s);
        if (!range) r.fail(r.node(t, "ranges"), sec + " ranges", range.error());
        p.ranges.push_back(*range);
    }
    if (p.ranges.empty()) r.fail(&t, sec + " ranges", "missing (at least one range)");
    auto check = pool::AddrPool::create(name, p.ranges);
    if (!check) r.fail(r.node(t, "ranges"), sec + " ranges", check.error());
    for (const auto& [other_name, other] : c.pools)
        for (const auto& a : other.ranges)
            for (const auto& b : p.ranges)
                if (a.overlaps(b))
                    r.fail(r.node(t, "ranges"), sec + " ranges",
                           "overlaps pool '" + other_name + "' at " + pool::format_ipv4(std::max(a.first, b.first)));
    c.pools[name] = std::move(p);
}

std::string read_file_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

void read_client(const Reader& r, size_t index, const toml::table& t, Config& c) {
    std::string sec = "[[sstp-client]] #" + std::to_string(index + 1);
    r.check_keys(t, sec, {"name", "connect-to", "user", "password", "password-file", "profile", "certificate",
                          "private-key", "ca-certificate", "verify-server-certificate",
                          "verify-server-address-from-certificate", "http-proxy", "add-default-route",
                          "dial-on-demand", "keepalive-timeout", "authentication", "pfs", "tls-version", "max-mtu",
                          "max-mru", "mrru", "disabled"});
    ClientConfig cl;
    cl.name = r.get_string(t, sec, "name", "", true);
    if (cl.name.empty() || cl.name.size() > 15 || cl.name.find_first_of("/ \t") != std::string::npos)
        r.fail(r.node(t, "name"), sec + " name", "expected an interface name of 1..15 characters without '/' or spaces");
    sec = "[[sstp-client]] " + cl.name;
    for (const auto& o : c.clients)
        if (o.name == cl.name) r.fail(r.node(t, "name"), sec + " name", "duplicate client name");
    cl.connect_to = r.get_string(t, sec, "connect-to", "", true);
    if (cl.connect_to.empty()) r.fail(r.node(t, "connect-to"), sec + " connect-to", "must not be empty");
    cl.user = r.get_string(t, sec, "user", "", true);
    const toml::node* pw = r.node(t, "password");
    const toml::node* pwf = r.node(t, "password-file");
    if (pw && pwf) r.fail(pwf, sec + " password-file", "give either password or password-file, not both");
    if (pwf) {
        std::string path = r.get_string(t, sec, "password-file", "");
        r.file_ref(t, sec, "password-file", path, c);
        std::ifstream probe(path);
        if (!probe) r.fail(pwf, sec + " password-file", "cannot read \"" + path + "\"");
        cl.password = read_file_text(path);
    } else {
        cl.password = r.get_string(t, sec, "password", "", true);
    }
    cl.profile = r.get_string(t, sec, "profile", cl.profile);
    cl.certificate = r.get_string(t, sec, "certificate", "none");
    cl.private_key = r.get_string(t, sec, "private-key", "");
    cl.ca_certificate = r.get_string(t, sec, "ca-certificate", "");
    cl.verify_server_certificate = r.get_bool(t, sec, "verify-server-certificate", false);
    cl.verify_server_address_from_certificate = r.get_bool(t, sec, "verify-server-address-from-certificate", true);
    cl.http_proxy = r.get_string(t, sec, "http-proxy", "");
    if (!cl.http_proxy.empty())
        if (auto p = sstp::parse_proxy_address(cl.http_proxy); !p)
            r.fail(r.node(t, "http-proxy"), sec + " http-proxy", p.error());
    cl.add_default_route = r.get_bool(t, sec, "add-default-route", false);
    cl.dial_on_demand = r.get_bool(t, sec, "dial-on-demand", false);
    auto ka = r.get_int_or_disabled(t, sec, "keepalive-timeout", 1, 86400, 60);
    cl.keepalive_timeout = ka ? std::optional<uint32_t>(uint32_t(*ka)) : std::nullopt;
    cl.authentication = read_auth(r, t, sec);
    cl.pfs = r.get_bool(t, sec, "pfs", false);
    cl.tls_version = read_tls_version(r, t, sec);
    r.file_ref(t, sec, "certificate", cl.certificate, c);
    r.file_ref(t, sec, "private-key", cl.private_key, c);
    r.file_ref(t, sec, "ca-certificate", cl.ca_certificate, c);
    cl.max_mtu = uint16_t(r.get_int(t, sec, "max-mtu", kMinMtu, kMaxMtu, 1500));
    cl.max_mru = uint16_t(r.get_int(t, sec, "max-mru", kMinMtu, kMaxMtu, 1500));
    auto mrru = r.get_int_or_disabled(t, sec, "mrru", 1500, 16384, std::nullopt);
    if (mrru) cl.mrru = uint16_t(*mrru);
    cl.disabled = r.get_bool(t, sec, "disabled", false);
    c.clients.push_back(std::move(cl));
}

template <class F>
void each_table(const Reader& r, const toml::table& parent, std::string_view key, const std::string& sec, F&& f) {
    const toml::node* n = parent.get(key);
    if (!n) return;
    const toml::table& t = r.table_of(*n, sec);
    for (const auto& [k, v] : t) f(std::string(k.str()), r.table_of(v, sec + "." + std::string(k.str())));
}

template <class F>
void each_array_table(const Reader& r, const toml::table& parent, std::string_view key, const std::string& sec, F&& f) {
    const toml::node* n = parent.get(key);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) r.fail(n, sec, "expected [[" + std::string(key) + "]] tables");
    size_t i = 0;
    for (const auto& e : *a) f(i++, r.table_of(e, sec));
}

Config read(const toml::table& root, const std::string& origin) {
    Reader r(origin);
    Config c;
    r.check_keys(root, "top level", {"sstp-server", "ppp", "ip", "sstp-client", "management", "metrics", "daemon",
                                       "dataplane"});
    if (const toml::node* ip = root.get("ip")) {
        const toml::table& t = r.table_of(*ip, "[ip]");
        r.check_keys(t, "[ip]", {"pool"});
        each_table(r, t, "pool", "[ip.pool]", [&](const std::string& name, const toml::table& pt) { read_pool(r, name, pt, c); });
    }
    // MikroTik's built-in profiles exist unless the file defines them.
    c.profiles["default"] = Profile{"default", {}, {}, {}, false, true, {}, {}};
    c.profiles["default-encryption"] = Profile{"default-encryption", {}, {}, {}, false, true, {}, {}};
    if (const toml::node* ppp = root.get("ppp")) {
        const toml::table& t = r.table_of(*ppp, "[ppp]");
        r.check_keys(t, "[ppp]", {"profile", "secret", "secrets-file"});
        each_table(r, t, "profile", "[ppp.profile]",
                   [&](const std::string& name, const toml::table& pt) { read_profile(r, name, pt, c); });
        for (auto& [name, p] : c.profiles) {
            for (auto* spec : {&p.local_address, &p.remote_address}) {
                if (!*spec) continue;
                if (auto* pool_name = std::get_if<std::string>(&**spec); pool_name && !c.pools.count(*pool_name)) {
                    const toml::node* pn = t.at_path("profile." + name).node();
                    r.fail(pn, "[ppp.profile." + name + "] " + (spec == &p.local_address ? "local-address" : "remote-address"),
                           "\"" + *pool_name + "\" is neither an IPv4 address nor a pool");
                }
            }
        }
        each_array_table(r, t, "secret", "[[ppp.secret]]",
                         [&](size_t i, const toml::table& st) { read_secret(r, i, st, c); });
        c.secrets_file = r.get_string(t, "[ppp]", "secrets-file", "");
    }
    if (const toml::node* m = root.get("management")) {
        const toml::table& t = r.table_of(*m, "[management]");
        r.check_keys(t, "[management]", {"socket"});
        c.management_socket = r.get_string(t, "[management]", "socket", "");
    }
    if (const toml::node* m = root.get("daemon")) {
        const toml::table& t = r.table_of(*m, "[daemon]");
        r.check_keys(t, "[daemon]", {"user", "group"});
        c.daemon_user = r.get_string(t, "[daemon]", "user", "");
        c.daemon_group = r.get_string(t, "[daemon]", "group", "");
        const toml::node* u = t.get("user");
        c.daemon_user_line = u ? uint32_t(u->source().begin.line) : uint32_t(t.source().begin.line);
        if (!c.daemon_group.empty() && c.daemon_user.empty())
            r.fail(t.get("group"), "[daemon] group", "needs [daemon] user");
    }
    if (const toml::node* m = root.get("dataplane")) {
        const toml::table& t = r.table_of(*m, "[dataplane]");
        r.check_keys(t, "[dataplane]", {"checksum-offload", "tso", "uso", "gro", "workers", "io-uring", "ktls"});
        DataplaneConfig& d = c.dataplane;
        d.checksum_offload = r.get_bool(t, "[dataplane]", "checksum-offload", true);
        d.tso = r.get_bool(t, "[dataplane]", "tso", true);
        d.uso = r.get_bool(t, "[dataplane]", "uso", true);
        d.gro = r.get_bool(t, "[dataplane]", "gro", true);
        d.workers = unsigned(r.get_int(t, "[dataplane]", "workers", 0, 256, DataplaneConfig::default_workers()));
        d.io_uring = r.get_bool(t, "[dataplane]", "io-uring", true);
        d.ktls = r.get_bool(t, "[dataplane]", "ktls", true);
        // The kernel hands a TUN super-packets only with their checksums left open (TUN_F_CSUM).
        for (auto [on, key] : {std::pair{d.tso, "tso"}, std::pair{d.uso, "uso"}})
            if (on && !d.checksum_offload)
                r.fail(t.get(key) ? t.get(key) : &t, std::string("[dataplane] ") + key,
                       "needs checksum-offload = true (the kernel leaves super-packets' checksums to the reader)");
    }
    if (const toml::node* m = root.get("metrics")) {
        const toml::table& t = r.table_of(*m, "[metrics]");
        r.check_keys(t, "[metrics]", {"listen"});
        c.metrics_listen = r.get_string(t, "[metrics]", "listen", "");
        if (!c.metrics_listen.empty() && !split_listen(c.metrics_listen))
            r.fail(t.get("listen"), "[metrics] listen", "expected address:port (IPv6 as [address]:port), got \"" +
                                                             c.metrics_listen + "\"");
    }
    if (const toml::node* srv = root.get("sstp-server")) {
        const toml::table& t = r.table_of(*srv, "[sstp-server]");
        read_server(r, t, c);
        if (!c.profiles.count(c.server->default_profile))
            r.fail(t.get("default-profile") ? t.get("default-profile") : &t, "[sstp-server] default-profile",
                   "no profile named \"" + c.server->default_profile + "\"");
    }
    each_array_table(r, root, "sstp-client", "[[sstp-client]]",
                     [&](size_t i, const toml::table& ct) { read_client(r, i, ct, c); });
    return c;
}

}  // namespace

Config load_string(std::string_view text, const std::string& origin) {
    try {
        toml::table root = toml::parse(text, origin);
        return read(root, origin);
    } catch (const toml::parse_error& e) {
        throw ConfigError(origin, uint32_t(e.source().begin.line), "syntax", std::string(e.description()));
    }
}

Config load_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(path, 0, "file", "cannot be read");
    std::stringstream ss;
    ss << in.rdbuf();
    Config c = load_string(ss.str(), path);
    check_named_files(c, path);
    load_secrets_file(c);
    // Files with passwords or private keys must not be readable by everyone (issue 7).
    std::vector<std::string> secret_files{path, c.secrets_file};
    if (c.server && c.server->certificate != "none") secret_files.push_back(c.server->private_key);
    for (const auto& cl : c.clients)
        if (!cl.private_key.empty()) secret_files.push_back(cl.private_key);
    for (const FileRef& f : c.files)
        if (f.key.ends_with("password-file")) secret_files.push_back(f.path);
    for (const std::string& f : secret_files) {
        struct stat st{};
        if (!f.empty() && ::stat(f.c_str(), &st) == 0 && (st.st_mode & S_IROTH))
            c.warnings.push_back(f + " holds passwords or keys and is readable by every user: chmod 600 " + f);
    }
    return c;
}

void load_secrets_file(Config& c) {
    if (c.secrets_file.empty()) return;
    std::ifstream in(c.secrets_file);
    if (!in) {
        if (errno == ENOENT) return;  // created by the first `ksstpctl secret add`
        throw ConfigError(c.secrets_file, 0, "file", std::string("cannot be read: ") + std::strerror(errno));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    toml::table root;
    try {
        root = toml::parse(ss.str(), c.secrets_file);
    } catch (const toml::parse_error& e) {
        throw ConfigError(c.secrets_file, uint32_t(e.source().begin.line), "syntax", std::string(e.description()));
    }
    Reader r(c.secrets_file);
    r.check_keys(root, "top level", {"ppp"});
    if (const toml::node* ppp = root.get("ppp")) {
        const toml::table& t = r.table_of(*ppp, "[ppp]");
        r.check_keys(t, "[ppp]", {"secret"});
        size_t first = c.secrets.size();
        each_array_table(r, t, "secret", "[[ppp.secret]]",
                         [&](size_t i, const toml::table& st) { read_secret(r, i, st, c); });
        for (size_t i = first; i < c.secrets.size(); ++i) c.secrets[i].from_secrets_file = true;
    }
}

Secret secret_from_args(const Config& c, const std::map<std::string, std::string>& args, const std::string& origin) {
    toml::table t;
    for (const auto& [k, v] : args) t.insert(k, v);
    Config probe;
    probe.profiles = c.profiles;
    for (const Secret& s : c.secrets) probe.secrets.push_back(s);  // for the duplicate check
    read_secret(Reader(origin), 0, t, probe);
    Secret s = probe.secrets.back();
    s.from_secrets_file = true;
    return s;
}

std::string render_secrets_file(const Config& c) {
    toml::array list;
    for (const Secret& s : c.secrets) {
        if (!s.from_secrets_file) continue;
        toml::table t;
        t.insert("name", s.name);
        t.insert("password", s.password);
        if (s.service != "any") t.insert("service", s.service);
        if (!s.profile.empty()) t.insert("profile", s.profile);
        if (s.local_address) t.insert("local-address", pool::format_ipv4(*s.local_address));
        if (s.remote_address) t.insert("remote-address", pool::format_ipv4(*s.remote_address));
        list.push_back(std::move(t));
    }
    toml::table ppp;
    ppp.insert("secret", std::move(list));
    toml::table root;
    root.insert("ppp", std::move(ppp));
    std::ostringstream out;
    out << "# Managed by ksstpctl (secret add/set/remove): edits here are read at start and on reload.\n";
    out << toml::toml_formatter(root) << "\n";
    return out.str();
}

void save_secrets_file(const Config& c) {
    if (c.secrets_file.empty()) throw std::runtime_error("no [ppp] secrets-file is configured");
    const std::string& path = c.secrets_file;
    const std::string text = render_secrets_file(c);
    auto fail_errno = [&](const std::string& what) {
        throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
    };
    std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
    if (dir.empty()) dir = path.find('/') == 0 ? "/" : ".";
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail_errno("cannot create a temporary file beside");
    size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n <= 0) {
            ::close(fd);
            ::unlink(tmp.c_str());
            fail_errno("cannot write");
        }
        off += size_t(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        fail_errno("cannot flush");
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        fail_errno("cannot replace");
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);  // the rename itself survives a power cut
        ::close(dfd);
    }
}

void check_named_files(const Config& c, const std::string& origin) {
    for (const FileRef& f : c.files) {
        if (::access(f.path.c_str(), R_OK) != 0)
            throw ConfigError(origin, f.line, f.key, "cannot read \"" + f.path + "\": " + std::strerror(errno));
        if (f.executable && ::access(f.path.c_str(), X_OK) != 0)
            throw ConfigError(origin, f.line, f.key, "\"" + f.path + "\" is not executable");
    }
}

}  // namespace ksstp::config
