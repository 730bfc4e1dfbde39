// ksstpc: the SSTP client daemon (SPEC 2, 3, 5): one Dialer per enabled [[sstp-client]] of
// --config; command-line flags of the same names override a single client, or define one when
// there is no configuration file. Exit codes: 0 clean stop, 1 runtime failure, 2 bad usage.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "controlplane/client/dialer.h"
#include "controlplane/config/config_loader.h"
#include "controlplane/io/event_loop.h"
#include "controlplane/io/mgmt_socket.h"
#include "controlplane/io/log.h"
#include "tools/build_info.h"
#include "tools/daemon.h"

using namespace ksstp;

namespace {

// Every [[sstp-client]] key is also a flag of the same name (SPEC 3; MikroTik's option names).
enum class Kind { Text, Flag, NumberOrText, List };
struct ClientKey {
    const char* key;
    Kind kind;
    const char* help;
};
constexpr ClientKey kClientKeys[] = {
    {"name", Kind::Text, "client (and interface) name"},
    {"connect-to", Kind::Text, "server host[:port]"},
    {"user", Kind::Text, "PPP user name"},
    {"password", Kind::Text, "PPP password"},
    {"password-file", Kind::Text, "file holding the PPP password"},
    {"profile", Kind::Text, "profile name (informational)"},
    {"certificate", Kind::Text, "client certificate PEM, or none"},
    {"private-key", Kind::Text, "key of the client certificate"},
    {"ca-certificate", Kind::Text, "CA to verify the server against (default: system store)"},
    {"verify-server-certificate", Kind::Flag, "true/false"},
    {"verify-server-address-from-certificate", Kind::Flag, "true/false"},
    {"http-proxy", Kind::Text, "[http://][user:password@]host:port of an HTTP CONNECT proxy"},
    {"add-default-route", Kind::Flag, "true/false: default route through the tunnel"},
    {"dial-on-demand", Kind::Flag, "true/false: connect on the first packet routed into the interface"},
    {"keepalive-timeout", Kind::NumberOrText, "seconds or disabled"},
    {"authentication", Kind::List, "comma list of pap,chap,mschap1,mschap2"},
    {"pfs", Kind::Flag, "true/false: only (EC)DHE key exchange"},
    {"tls-version", Kind::Text, "any | only-1.2 | only-1.3"},
    {"max-mtu", Kind::NumberOrText, "largest packet sent on the link"},
    {"max-mru", Kind::NumberOrText, "largest packet received on the link"},
    {"mrru", Kind::NumberOrText, "disabled or a size: RFC 1990 fragmentation"},
};

// Applies the flags to the single client of `config_path` (or to a new one) and loads the result
// through the normal loader, so flags get exactly the file's validation and messages.
std::vector<config::ClientConfig> apply_flags(const std::string& config_path,
                                              const std::map<std::string, std::optional<std::string>>& flags) {
    toml::table entry;
    if (!config_path.empty()) {
        toml::table root = toml::parse_file(config_path);
        if (const toml::array* a = root["sstp-client"].as_array()) {
            if (a->size() > 1)
                throw config::ConfigError(config_path, uint32_t(a->source().begin.line), "sstp-client",
                                          "command-line flags override a single client, but there are " +
                                              std::to_string(a->size()));
            if (a->size() == 1 && a->get(0)->is_table()) entry = *a->get(0)->as_table();
        }
    }
    for (const ClientKey& k : kClientKeys) {
        const auto& v = flags.at(k.key);
        if (!v) continue;
        // password and password-file exclude each other: the flag wins over the file.
        if (std::string_view(k.key) == "password") entry.erase("password-file");
        if (std::string_view(k.key) == "password-file") entry.erase("password");
        switch (k.kind) {
            case Kind::Text: entry.insert_or_assign(k.key, *v); break;
            case Kind::Flag:
                if (*v == "true" || *v == "yes") entry.insert_or_assign(k.key, true);
                else if (*v == "false" || *v == "no") entry.insert_or_assign(k.key, false);
                else entry.insert_or_assign(k.key, *v);  // the loader names the key and the expected type
                break;
            case Kind::NumberOrText:
                if (!v->empty() && v->size() < 10 && v->find_first_not_of("0123456789") == std::string::npos)
                    entry.insert_or_assign(k.key, int64_t(std::stoll(*v)));
                else entry.insert_or_assign(k.key, *v);
                break;
            case Kind::List: {
                toml::array list;
                std::stringstream ss(*v);
                for (std::string item; std::getline(ss, item, ',');) list.push_back(item);
                entry.insert_or_assign(k.key, std::move(list));
                break;
            }
        }
    }
    if (!entry.contains("name")) entry.insert("name", "sstp-out1");
    toml::table root;
    root.insert("sstp-client", toml::array{std::move(entry)});
    std::ostringstream text;
    text << root;
    const std::string origin = config_path.empty() ? "command line" : config_path + " + flags";
    config::Config c = config::load_string(text.str(), origin);
    config::check_named_files(c, origin);
    return c.clients;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ksstpc - SSTP client daemon", "ksstpc"};
    std::string config_path, log_level = "info";
    bool version = false;
    app.add_flag("--version", version, "print the version and the libraries in use, then exit");
    app.add_option("--config", config_path, "TOML configuration file with [[sstp-client]] entries (SPEC 3)");
    app.add_option("--log-level", log_level, "error | warning | info | debug")->capture_default_str();
    std::optional<std::string> mgmt_socket;
    app.add_option("--management-socket", mgmt_socket,
                   "management socket for ksstpctl (default: [management] socket, else /run/ksstpc.sock; \"\" = off)");
    std::map<std::string, std::optional<std::string>> flags;
    for (const ClientKey& k : kClientKeys) app.add_option(std::string("--") + k.key, flags[k.key], k.help);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (version) {
        std::fputs(tools::version_text("ksstpc").c_str(), stdout);
        return 0;
    }
    try {
        io::setup_logging(log_level);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ksstpc: %s\n", e.what());
        return 2;
    }
    std::vector<config::ClientConfig> clients;
    std::optional<std::string> configured_socket;
    config::DataplaneConfig dataplane;
    try {
        bool any_flag = false;
        for (const auto& [k, v] : flags) any_flag |= v.has_value();
        // Load the file alone first: its own errors name its own lines.
        if (!config_path.empty()) {
            config::Config file = config::load_file(config_path);
            for (const auto& w : file.warnings) spdlog::warn("cfg: {}", w);
            clients = std::move(file.clients);
            configured_socket = file.management_socket;
            dataplane = file.dataplane;
        }
        if (any_flag) clients = apply_flags(config_path, flags);
        std::erase_if(clients, [](const config::ClientConfig& c) { return c.disabled; });
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "ksstpc: %s\n", e.what());
        return 2;
    } catch (const toml::parse_error& e) {
        std::fprintf(stderr, "ksstpc: %s:%u: %s\n", config_path.c_str(), unsigned(e.source().begin.line),
                     std::string(e.description()).c_str());
        return 2;
    }
    if (clients.empty()) {
        std::fprintf(stderr, "ksstpc: no client to run (give --config with [[sstp-client]] or --connect-to ...)\n");
        return 2;
    }
    return tools::run_daemon("ksstpc", [&] {
        io::EventLoop loop;
        std::vector<std::unique_ptr<client::Dialer>> dialers;
        for (auto& c : clients) dialers.push_back(std::make_unique<client::Dialer>(c, loop, dataplane));
        size_t running = dialers.size();
        loop.set_deadline_source([&] {
            std::optional<Instant> d;
            for (auto& x : dialers) merge_deadline(d, x->next_deadline());
            return d;
        });
        loop.set_tick([&](Instant now) {
            for (auto& x : dialers) x->tick(now);
        });
        tools::handle_stop_signals(loop, [&] {
            tools::notify("STOPPING=1");
            // Disabled clients are stopped already; wait only for the others.
            running = 0;
            for (auto& x : dialers) running += x->enabled() ? 1 : 0;
            if (running == 0) loop.stop();
            for (auto& x : dialers)
                if (x->enabled())
                    x->stop([&] {
                        if (--running == 0) loop.stop();
                    });
        });
        // Management (SPEC 6): client print / enable / disable.
        std::optional<std::string> path = mgmt_socket ? mgmt_socket : configured_socket;
        std::unique_ptr<io::MgmtSocket> mgmt = io::open_management(
            loop, path, "/run/ksstpc.sock", [&](const mgmt::Request& r) -> nlohmann::json {
                if (r.command == "client print") {
                    nlohmann::json a = nlohmann::json::array();
                    for (auto& x : dialers) a.push_back(x->status());
                    return a;
                }
                if (r.command == "client enable" || r.command == "client disable") {
                    auto it = r.args.find("name");
                    if (it == r.args.end()) throw mgmt::Refused("missing argument name");
                    for (auto& x : dialers)
                        if (x->name() == it->second) {
                            if (r.command == "client enable") x->enable();
                            else x->disable();
                            return x->status();
                        }
                    throw mgmt::Refused("no client named \"" + it->second + "\"");
                }
                throw mgmt::Refused("unknown command \"" + r.command + "\" (client print, client enable, client disable)");
            });
        for (auto& x : dialers) x->start();
        tools::notify("READY=1");
        loop.run();
    });
}
