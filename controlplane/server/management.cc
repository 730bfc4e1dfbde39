// ksstpd's management commands (SPEC 6, docs/management.md) and reload; see concentrator.h.
// Every command either succeeds completely or is refused (mgmt::Refused) having changed nothing.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "controlplane/config/config_loader.h"
#include "controlplane/server/concentrator.h"
#include "controlplane/server/connection.h"
#include "controlplane/session/server_session.h"
#include "controlplane/tls/tls_session.h"
#include "dataplane/tun_forwarder.h"
#include "netlink/session_link.h"

namespace ksstp::server {

namespace {
using nlohmann::json;

constexpr const char* kDefaultSocket = "/run/ksstpd.sock";

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = size_t(std::ceil(p / 100.0 * double(v.size()))) ;
    return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

json latency(const std::deque<double>& d) {
    std::vector<double> v(d.begin(), d.end());
    return json{{"samples", v.size()}, {"p50-ms", percentile(v, 50)}, {"p90-ms", percentile(v, 90)},
                {"p99-ms", percentile(v, 99)}};
}

const std::string& arg(const mgmt::Request& r, const std::string& key) {
    auto it = r.args.find(key);
    if (it == r.args.end() || it->second.empty()) throw mgmt::Refused("missing argument " + key);
    return it->second;
}

void only_args(const mgmt::Request& r, std::initializer_list<std::string_view> allowed) {
    for (const auto& [k, v] : r.args)
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
            throw mgmt::Refused("unknown argument \"" + k + "\" for " + r.command);
}
}  // namespace

void Concentrator::start_management(const std::function<void()>& drop_privileges) {
    mgmt_ = io::open_management(loop_, cfg_.management_socket, kDefaultSocket,
                                [this](const mgmt::Request& r) { return handle_request(r); });
    if (drop_privileges) drop_privileges();
    if (!cfg_.metrics_listen.empty()) {  // its own thread: after the drop
        auto hp = config::split_listen(cfg_.metrics_listen);  // checked at load
        metrics_ = std::make_unique<io::MetricsServer>(hp->first, hp->second);
        metrics_->publish(metrics_text());
        metrics_published_ = io::monotonic_now();
        spdlog::info("metrics: serving http://{}/metrics", cfg_.metrics_listen);
    }
}

json Concentrator::handle_request(const mgmt::Request& r) {
    const std::string& c = r.command;
    if (c == "server print") {
        only_args(r, {});
        return server_json();
    }
    if (c == "active print") {
        only_args(r, {});
        json a = json::array();
        for (const auto& [id, conn] : conns_) a.push_back(session_json(*conn));
        return a;
    }
    if (c == "session get") {  // one session, for `ksstpctl monitor`
        only_args(r, {"target"});
        return session_json(find_session(arg(r, "target")));
    }
    if (c == "disconnect") {
        only_args(r, {"target"});
        const std::string& t = arg(r, "target");
        std::vector<uint64_t> ids;
        for (const auto& [id, conn] : conns_)
            if (std::to_string(id) == t || conn->user == t) ids.push_back(id);
        if (ids.empty()) throw mgmt::Refused("no session with id or user \"" + t + "\"");
        for (uint64_t id : ids) {
            auto it = conns_.find(id);
            if (it == conns_.end()) continue;
            spdlog::info("session {} user {} [mgmt] disconnect requested", id, it->second->user);
            it->second->sess->disconnect(io::monotonic_now(), "disconnected by the administrator");
            handle_events(*it->second);
        }
        return json{{"disconnected", ids.size()}};
    }
    if (c == "stats") {
        only_args(r, {});
        return stats_json();
    }
    if (c == "reload") {
        only_args(r, {});
        if (std::string why = reload(); !why.empty()) throw mgmt::Refused(why);
        return json{{"reloaded", true}};
    }
    if (c.rfind("secret ", 0) == 0) return secret_command(r);
    throw mgmt::Refused("unknown command \"" + c + "\" (server print, active print, secret print|add|set|remove, "
                        "disconnect, session get, stats, reload)");
}

Concentrator::Conn& Concentrator::find_session(const std::string& target) {
    for (auto& [id, conn] : conns_)
        if (std::to_string(id) == target || conn->user == target) return *conn;
    throw mgmt::Refused("no session with id or user \"" + target + "\"");
}

json Concentrator::session_json(const Conn& c) const {
    const char* state = !c.tls_done ? "tls" : c.sess->ended() ? "closing" : c.user.empty() ? "ppp"
                        : c.established || c.v6 ? "established" : "network";
    json j{{"id", c.id},
           {"user", c.user},
           {"caller", c.caller},
           {"state", state},
           {"local-address", c.v4 ? ppp::ipv4_to_string(c.v4->local) : ""},
           {"remote-address", c.v4 ? ppp::ipv4_to_string(c.v4->remote) : ""},
           {"interface", c.tun ? c.tun->name() : ""},
           {"uptime-s", (io::monotonic_now() - c.accepted_at).count() / 1000},
           {"started", c.started_wall},
           {"auth", c.auth},
           {"tls-version", c.tls_version},
           {"tls-cipher", c.tls_cipher},
           {"ktls-tx", c.ktls_tx},
           {"ktls-rx", c.ktls_rx},
           {"mtu", c.mtu}};
    const dp::PathCounters& pc = c.counters();
    // rx: from the client (tunnel -> interface); tx: to the client.
    j["rx-bytes"] = pc.rx_bytes;
    j["rx-packets"] = pc.rx_packets;
    j["tx-bytes"] = pc.tx_bytes;
    j["tx-packets"] = pc.tx_packets;
    j["drops"] = pc.drop_iface_full + pc.drop_malformed + pc.drop_tunnel_refused;
    // The data path (issue 5 item 5): what it is and how it batches.
    j["data-path"] = c.path_kind;
    j["tun-reads"] = pc.tun_reads;
    j["tun-writes"] = pc.tun_writes;
    j["gso-segments"] = pc.gso_segments;
    j["gro-merged"] = pc.gro_merged;
    // Which data-plane worker moves it now (-1: the control thread), and what the worker did.
    j["worker"] = c.dp.worker_index();
    const dp::DataCounters dc = c.dp.counters();
    j["control-packets"] = dc.to_control;
    // TLS output: records written and the sends that put them on the socket (batched: issue 5 item 4).
    j["tls-writes"] = dc.socket_writes;
    j["socket-sends"] = dc.socket_sends;
    j["paused"] = dc.paused;
    if (c.v6) {
        j["ipv6-local"] = ppp::link_local_string(c.v6->local_iid);
        j["ipv6-remote"] = ppp::link_local_string(c.v6->remote_iid);
    }
    return j;
}

json Concentrator::server_json() const {
    const config::ServerConfig& s = *cfg_.server;
    json auth = json::array();
    for (auto m : s.authentication) auth.push_back(ppp::to_string(m));
    json pools = json::object();
    for (const auto& [name, p] : cfg_.pools)
        if (const pool::AddrPool* ap = plan_.pool(name))
            pools[name] = json{{"size", ap->size()}, {"used", ap->used()}};
    return json{{"enabled", s.enabled},
                {"listen", s.listen},
                {"port", s.port},
                {"certificate", s.certificate},
                {"verify-client-certificate", s.verify_client_certificate},
                {"tls-version", config::to_string(s.tls_version)},
                {"pfs", s.pfs},
                {"authentication", auth},
                {"default-profile", s.default_profile},
                {"max-mtu", s.max_mtu},
                {"max-mru", s.max_mru},
                {"mrru", s.mrru ? json(*s.mrru) : json("disabled")},
                {"keepalive-timeout", s.keepalive_timeout ? json(*s.keepalive_timeout) : json("disabled")},
                {"max-sessions", s.max_sessions},
                {"interface-name", s.interface_name},
                {"secrets-file", cfg_.secrets_file},
                {"pools", pools},
                {"config", config_path_}};
}

json Concentrator::stats_json() const {
    std::map<std::string, uint64_t> states;
    dp::PathCounters all = stats_.closed_paths;
    std::map<std::string, uint64_t> paths;
    for (const auto& [id, c] : conns_) {
        ++states[session_json(*c)["state"].get<std::string>()];
        all += c->counters();
        if (!c->path_kind.empty()) ++paths[c->path_kind];
    }
    auto per = [](uint64_t n, uint64_t d) { return d ? double(n) / double(d) : 0.0; };
    // Per worker (issue 5 item 5): sessions now, wake-ups and how many events each batch held.
    json workers = json::array();
    for (const auto& w : workers_) {
        dp::WorkerStats ws = w->stats();
        workers.push_back(json{{"index", w->index()}, {"sessions", ws.sessions}, {"wakeups", ws.wakeups},
                               {"events", ws.events}, {"events-per-wakeup", per(ws.events, ws.wakeups)},
                               {"batch-max", ws.batch_max}, {"kicks", ws.kicks}, {"control-posts", ws.control_posts},
                               {"attached", ws.attached}, {"detached", ws.detached},
                               {"io-uring", ws.io_uring}, {"uring-submits", ws.uring_submits}});
    }
    const Instant now = io::monotonic_now();
    size_t recent = size_t(std::count_if(stats_.recent_setups.begin(), stats_.recent_setups.end(),
                                         [&](Instant t) { return now - t <= Duration{10'000}; }));
    return json{{"sessions", conns_.size()},
                {"sessions-by-state", states},
                {"accepted", stats_.accepted},
                {"established", stats_.established},
                {"closed", stats_.closed},
                {"refused-max-sessions", stats_.refused_max_sessions},
                {"refused", stats_.refused},
                {"starting", starting_},
                {"setups-per-s", double(recent) / 10.0},
                {"auth-failures", stats_.auth_failures},
                {"sessions-refused", stats_.sessions_refused},
                {"handshake-errors", stats_.handshake_errors},
                {"end-reasons", stats_.end_reasons},
                {"netlink-errors", stats_.netlink_errors},
                {"drops", {{"interface-full", all.drop_iface_full}, {"malformed", all.drop_malformed},
                           {"tunnel-refused", all.drop_tunnel_refused}}},
                // The data path's batching since start, all sessions and workers together.
                {"dataplane", {{"tun-reads", all.tun_reads}, {"tun-writes", all.tun_writes},
                               {"packets-per-read", per(all.tx_packets, all.tun_reads)},
                               {"packets-per-write", per(all.rx_packets, all.tun_writes)},
                               {"gso-super-packets", all.gso_super}, {"gso-segments", all.gso_segments},
                               {"gro-merged", all.gro_merged}, {"sessions-by-path", paths}}},
                {"workers", workers},
                {"latency", {{"tls", latency(stats_.tls_ms)}, {"auth", latency(stats_.auth_ms)},
                             {"setup", latency(stats_.setup_ms)}}}};
}

json Concentrator::secret_command(const mgmt::Request& r) {
    const std::string& c = r.command;
    if (c == "secret print") {
        only_args(r, {});
        json a = json::array();
        for (const auto& s : cfg_.secrets)
            a.push_back(json{{"name", s.name},
                             {"service", s.service},
                             {"profile", s.profile.empty() ? cfg_.server->default_profile : s.profile},
                             {"local-address", s.local_address ? pool::format_ipv4(*s.local_address) : ""},
                             {"remote-address", s.remote_address ? pool::format_ipv4(*s.remote_address) : ""},
                             {"source", s.from_secrets_file ? cfg_.secrets_file : config_path_}});
        return a;  // passwords are never printed
    }
    if (c != "secret add" && c != "secret set" && c != "secret remove")
        throw mgmt::Refused("unknown command \"" + c + "\" (secret print|add|set|remove)");
    if (cfg_.secrets_file.empty())
        throw mgmt::Refused("no [ppp] secrets-file in " + config_path_ +
                            ": ksstpctl changes secrets only in a secrets file it manages (docs/management.md)");
    config::Config next = cfg_;
    std::string name;
    if (c == "secret add") {
        try {
            next.secrets.push_back(config::secret_from_args(cfg_, r.args, "ksstpctl"));
        } catch (const config::ConfigError& e) {
            throw mgmt::Refused(e.key().substr(e.key().rfind(' ') + 1) + ": " + e.detail());
        }
        name = next.secrets.back().name;
    } else {
        name = arg(r, "name");
        auto it = std::find_if(next.secrets.begin(), next.secrets.end(), [&](const config::Secret& s) { return s.name == name; });
        if (it == next.secrets.end()) throw mgmt::Refused("no secret named \"" + name + "\"");
        if (!it->from_secrets_file)
            throw mgmt::Refused("secret \"" + name + "\" is defined in " + config_path_ + ", not in the secrets file: edit it there");
        if (c == "secret remove") {
            only_args(r, {"name", "disconnect"});
            next.secrets.erase(it);
        } else {
            // set: the secret's fields, overridden by the arguments, checked as a new secret.
            std::map<std::string, std::string> fields{{"name", it->name}, {"password", it->password}, {"service", it->service}};
            if (!it->profile.empty()) fields["profile"] = it->profile;
            if (it->local_address) fields["local-address"] = pool::format_ipv4(*it->local_address);
            if (it->remote_address) fields["remote-address"] = pool::format_ipv4(*it->remote_address);
            for (const auto& [k, v] : r.args) {
                if (k == "name") continue;
                if (v.empty()) fields.erase(k);
                else fields[k] = v;
            }
            size_t at = size_t(it - next.secrets.begin());
            next.secrets.erase(it);
            config::Config probe = next;
            try {
                next.secrets.insert(next.secrets.begin() + long(at), config::secret_from_args(probe, fields, "ksstpctl"));
            } catch (const config::ConfigError& e) {
                throw mgmt::Refused(e.key().substr(e.key().rfind(' ') + 1) + ": " + e.detail());
            }
        }
    }
    try {
        config::save_secrets_file(next);  // written first: a failed write changes nothing
    } catch (const std::exception& e) {
        throw mgmt::Refused(e.what());
    }
    cfg_ = std::move(next);  // creds_ and plan_ read through cfg_: new logins see it at once
    spdlog::info("mgmt: {} {} (saved to {})", c, name, cfg_.secrets_file);
    size_t dropped = 0;
    if (c == "secret remove" && r.args.count("disconnect") && r.args.at("disconnect") == "yes") {
        std::vector<uint64_t> ids;
        for (auto& [id, conn] : conns_)
            if (conn->user == name && !conn->sess->ended()) ids.push_back(id);
        for (uint64_t id : ids) {
            auto it = conns_.find(id);
            if (it == conns_.end()) continue;
            it->second->sess->disconnect(io::monotonic_now(), "secret removed");
            handle_events(*it->second);  // may close the connection: look it up each time
            ++dropped;
        }
    }
    return json{{"name", name}, {"saved", cfg_.secrets_file}, {"disconnected", dropped}};
}

// Prometheus exposition of `stats` plus per-session gauges (docs/management.md lists them).
std::string Concentrator::metrics_text() const {
    json st = stats_json();
    std::string o;
    auto metric = [&](const std::string& name, const char* type, const char* help) {
        o += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    };
    auto line = [&](const std::string& name, const std::string& labels, double v) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        o += name + (labels.empty() ? "" : "{" + labels + "}") + " " + buf + "\n";
    };
    auto by = [&](const std::string& name, const char* label, const json& obj) {
        for (const auto& [k, v] : obj.items()) line(name, std::string(label) + "=\"" + io::prom_escape(k) + "\"", v.get<double>());
    };
    metric("ksstp_sessions", "gauge", "Sessions (connections) now.");
    line("ksstp_sessions", "", st["sessions"].get<double>());
    metric("ksstp_sessions_by_state", "gauge", "Sessions by setup state.");
    by("ksstp_sessions_by_state", "state", st["sessions-by-state"]);
    metric("ksstp_connections_accepted_total", "counter", "TCP connections accepted.");
    line("ksstp_connections_accepted_total", "", st["accepted"].get<double>());
    metric("ksstp_sessions_established_total", "counter", "Sessions that reached IPCP.");
    line("ksstp_sessions_established_total", "", st["established"].get<double>());
    metric("ksstp_sessions_closed_total", "counter", "Sessions closed.");
    line("ksstp_sessions_closed_total", "", st["closed"].get<double>());
    metric("ksstp_refused_max_sessions_total", "counter", "Connections refused by max-sessions.");
    line("ksstp_refused_max_sessions_total", "", st["refused-max-sessions"].get<double>());
    metric("ksstp_refused_total", "counter", "Connections closed at accept by a flood limit.");
    by("ksstp_refused_total", "limit", st["refused"]);
    metric("ksstp_auth_failures_total", "counter", "Failed PPP authentications by reason.");
    by("ksstp_auth_failures_total", "reason", st["auth-failures"]);
    metric("ksstp_netlink_errors_total", "counter", "Netlink operations on session interfaces that failed.");
    by("ksstp_netlink_errors_total", "operation", st["netlink-errors"]);
    metric("ksstp_sessions_refused_total", "counter", "Authenticated users refused a session (only-one, address pool) by reason.");
    by("ksstp_sessions_refused_total", "reason", st["sessions-refused"]);
    metric("ksstp_handshake_errors_total", "counter", "Setups that failed before the session was up, by reason.");
    by("ksstp_handshake_errors_total", "reason", st["handshake-errors"]);
    metric("ksstp_drops_total", "counter", "Packets dropped by the data path, by reason.");
    by("ksstp_drops_total", "reason", st["drops"]);
    metric("ksstp_dataplane_total", "counter", "Data-path system calls and offload work (tun-reads, tun-writes, gso-*, gro-merged).");
    for (const char* k : {"tun-reads", "tun-writes", "gso-super-packets", "gso-segments", "gro-merged"})
        line("ksstp_dataplane_total", std::string("counter=\"") + k + "\"", st["dataplane"][k].get<double>());
    metric("ksstp_worker_sessions", "gauge", "Sessions on each data-plane worker now.");
    for (const auto& w : st["workers"])
        line("ksstp_worker_sessions", "worker=\"" + std::to_string(w["index"].get<int>()) + "\"", w["sessions"].get<double>());
    metric("ksstp_worker_total", "counter", "Data-plane worker activity (wakeups, events, kicks, control-posts).");
    for (const auto& w : st["workers"])
        for (const char* k : {"wakeups", "events", "kicks", "control-posts"})
            line("ksstp_worker_total", "worker=\"" + std::to_string(w["index"].get<int>()) + "\",counter=\"" + k + "\"",
                 w[k].get<double>());
    metric("ksstp_setup_latency_ms", "summary",
           "Time from TCP accept to TLS done (phase=tls), authentication done (phase=auth) and IPCP up (phase=setup).");
    for (const char* phase : {"tls", "auth", "setup"}) {
        const json& l = st["latency"][phase];
        for (const char* q : {"50", "90", "99"})
            line("ksstp_setup_latency_ms", std::string("phase=\"") + phase + "\",quantile=\"0." + q + "\"",
                 l[std::string("p") + q + "-ms"].get<double>());
        line("ksstp_setup_latency_ms_count", std::string("phase=\"") + phase + "\"", l["samples"].get<double>());
    }
    metric("ksstp_session_bytes", "gauge", "Bytes of a session; direction rx = from the client.");
    metric("ksstp_session_packets", "gauge", "Packets of a session; direction rx = from the client.");
    for (const auto& [id, c] : conns_) {
        json s = session_json(*c);
        std::string l = "id=\"" + std::to_string(id) + "\",user=\"" + io::prom_escape(c->user) + "\",interface=\"" +
                        io::prom_escape(s["interface"].get<std::string>()) + "\"";
        line("ksstp_session_bytes", l + ",direction=\"rx\"", s["rx-bytes"].get<double>());
        line("ksstp_session_bytes", l + ",direction=\"tx\"", s["tx-bytes"].get<double>());
        line("ksstp_session_packets", l + ",direction=\"rx\"", s["rx-packets"].get<double>());
        line("ksstp_session_packets", l + ",direction=\"tx\"", s["tx-packets"].get<double>());
    }
    return o;
}

std::string Concentrator::reload() {
    config::Config next;
    try {
        next = config::load_file(config_path_);
    } catch (const config::ConfigError& e) {
        spdlog::error("cfg: reload refused, configuration unchanged: {}", e.what());
        return e.what();
    }
    if (!next.server || !next.server->enabled) {
        std::string why = config_path_ + ": [sstp-server]: missing or enabled = false";
        spdlog::error("cfg: reload refused, configuration unchanged: {}", why);
        return why;
    }
    const config::ServerConfig& s = *next.server;
    tls::ServerTlsOptions o{s.certificate, s.private_key, s.ca_certificate, s.verify_client_certificate, s.tls_version, s.pfs};
    o.ktls = next.dataplane.ktls;
    tls::ContextInfo info;
    tls::SslCtxPtr ctx;
    try {
        ctx = tls::make_server_context(o, info);
    } catch (const tls::TlsConfigError& e) {
        spdlog::error("cfg: reload refused, configuration unchanged: tls: {}", e.what());
        return std::string("tls: ") + e.what();
    }
    for (const auto& w : info.warnings) spdlog::warn("tls: {}", w);
    // Sockets stay as they are: those need a restart.
    if (s.listen != cfg_.server->listen || s.port != cfg_.server->port)
        spdlog::warn("cfg: listen/port changes need a restart; still listening as before");
    if (next.management_socket != cfg_.management_socket || next.metrics_listen != cfg_.metrics_listen)
        spdlog::warn("cfg: [management]/[metrics] changes need a restart");
    next.management_socket = cfg_.management_socket;
    next.metrics_listen = cfg_.metrics_listen;
    next.server->listen = cfg_.server->listen;
    next.server->port = cfg_.server->port;
    cfg_ = std::move(next);
    tls_ctx_ = std::move(ctx);  // sessions in progress keep a reference to the old context
    cert_.reset();
    if (!info.leaf_der.empty()) cert_ = sstp::CertHashes::of_der(info.leaf_der);
    std::vector<Lease*> leases;
    for (auto& [id, c] : conns_) leases.push_back(&c->lease);
    plan_.rebuild(leases);
    spdlog::info("cfg: reloaded {}: {} secrets, {} profiles, {} pools; established sessions kept ({})", config_path_,
                 cfg_.secrets.size(), cfg_.profiles.size(), cfg_.pools.size(), conns_.size());
    return "";
}

}  // namespace ksstp::server
