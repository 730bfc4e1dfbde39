// ksstpc: the SSTP client daemon (SPEC 2, 3, 5): one Dialer per enabled [[sstp-client]] of
// --config; command-line flags of the same names override a single client, or define one when
// there is no configuration file. Exit codes: 0 clean stop, 1 runtime failure, 2 bad usage.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "controlplane/client/dialer.h"
#include "controlplane/config/config_loader.h"
#include "controlplane/io/event_loop.h"
#include "controlplane/io/log.h"
#include "tools/build_info.h"
#include "tools/daemon.h"

using namespace ksstp;

int main(int argc, char** argv) {
    CLI::App app{"ksstpc - SSTP client daemon", "ksstpc"};
    std::string config_path, log_level = "info";
    bool version = false;
    std::optional<std::string> name, connect_to, user, password, password_file, ca, auth;
    std::optional<bool> verify, verify_addr;
    std::optional<std::string> keepalive;
    app.add_flag("--version", version, "print the version and the libraries in use, then exit");
    app.add_option("--config", config_path, "TOML configuration file with [[sstp-client]] entries (SPEC 3)");
    app.add_option("--log-level", log_level, "error | warning | info | debug")->capture_default_str();
    app.add_option("--name", name, "client (and interface) name");
    app.add_option("--connect-to", connect_to, "server host[:port]");
    app.add_option("--user", user, "PPP user name");
    app.add_option("--password", password, "PPP password");
    app.add_option("--password-file", password_file, "file holding the PPP password");
    app.add_option("--ca-certificate", ca, "CA to verify the server against (default: system store)");
    app.add_option("--verify-server-certificate", verify, "true/false");
    app.add_option("--verify-server-address-from-certificate", verify_addr, "true/false");
    app.add_option("--authentication", auth, "comma list of pap,chap,mschap1,mschap2");
    app.add_option("--keepalive-timeout", keepalive, "seconds or disabled");
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
    try {
        if (!config_path.empty()) {
            for (auto& c : config::load_file(config_path).clients)
                if (!c.disabled) clients.push_back(std::move(c));
        }
        // Flags: build a one-client TOML so they get exactly the file's validation and messages.
        bool any_flag = name || connect_to || user || password || password_file || ca || auth || verify || verify_addr || keepalive;
        if (any_flag && clients.size() > 1) {
            std::fprintf(stderr, "ksstpc: flags override a single client, but %s has %zu\n", config_path.c_str(), clients.size());
            return 2;
        }
        if (any_flag) {
            std::ostringstream t;
            auto q = [](const std::string& s) {
                std::string o = "\"";
                for (char ch : s) o += (ch == '"' || ch == '\\') ? std::string("\\") + ch : std::string(1, ch);
                return o + "\"";
            };
            const config::ClientConfig* base = clients.empty() ? nullptr : &clients[0];
            t << "[[sstp-client]]\n";
            t << "name = " << q(name.value_or(base ? base->name : "sstp-out1")) << "\n";
            t << "connect-to = " << q(connect_to.value_or(base ? base->connect_to : "")) << "\n";
            t << "user = " << q(user.value_or(base ? base->user : "")) << "\n";
            if (password_file) t << "password-file = " << q(*password_file) << "\n";
            else t << "password = " << q(password.value_or(base ? base->password : "")) << "\n";
            if (ca || base) t << "ca-certificate = " << q(ca.value_or(base ? base->ca_certificate : "")) << "\n";
            if (verify) t << "verify-server-certificate = " << (*verify ? "true" : "false") << "\n";
            else if (base) t << "verify-server-certificate = " << (base->verify_server_certificate ? "true" : "false") << "\n";
            if (verify_addr) t << "verify-server-address-from-certificate = " << (*verify_addr ? "true" : "false") << "\n";
            if (auth) {
                t << "authentication = [";
                std::stringstream ss(*auth);
                std::string item;
                bool first = true;
                while (std::getline(ss, item, ',')) {
                    t << (first ? "" : ", ") << q(item);
                    first = false;
                }
                t << "]\n";
            }
            if (keepalive) {
                bool digits = !keepalive->empty() && keepalive->find_first_not_of("0123456789") == std::string::npos;
                t << "keepalive-timeout = " << (digits ? *keepalive : q(*keepalive)) << "\n";
            }
            clients = config::load_string(t.str(), "command line").clients;
        }
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "ksstpc: %s\n", e.what());
        return 2;
    }
    if (clients.empty()) {
        std::fprintf(stderr, "ksstpc: no client to run (give --config with [[sstp-client]] or --connect-to ...)\n");
        return 2;
    }
    return tools::run_daemon("ksstpc", [&] {
        io::EventLoop loop;
        std::vector<std::unique_ptr<client::Dialer>> dialers;
        for (auto& c : clients) dialers.push_back(std::make_unique<client::Dialer>(c, loop));
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
            for (auto& x : dialers)
                x->stop([&] {
                    if (--running == 0) loop.stop();
                });
        });
        for (auto& x : dialers) x->start();
        loop.run();
    });
}
