// ksstpd: the SSTP concentrator (SPEC 2). Exit codes: 0 clean stop, 1 runtime failure, 2 bad
// usage or configuration (the message names file, line and key).
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "controlplane/config/config_loader.h"
#include "controlplane/io/event_loop.h"
#include "controlplane/io/log.h"
#include "controlplane/server/concentrator.h"
#include "tools/build_info.h"
#include "tools/daemon.h"

int main(int argc, char** argv) {
    CLI::App app{"ksstpd - SSTP server/concentrator daemon", "ksstpd"};
    std::string config_path, log_level = "info";
    bool version = false;
    app.add_flag("--version", version, "print the version and the libraries in use, then exit");
    app.add_option("--config", config_path, "TOML configuration file (SPEC 3)");
    app.add_option("--log-level", log_level, "error | warning | info | debug")->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (version) {
        std::fputs(ksstp::tools::version_text("ksstpd").c_str(), stdout);
        return 0;
    }
    if (config_path.empty()) {
        std::fprintf(stderr, "ksstpd: --config FILE is required\n");
        return 2;
    }
    try {
        ksstp::io::setup_logging(log_level);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ksstpd: %s\n", e.what());
        return 2;
    }
    ksstp::config::Config cfg;
    try {
        cfg = ksstp::config::load_file(config_path);
    } catch (const ksstp::config::ConfigError& e) {
        std::fprintf(stderr, "ksstpd: %s\n", e.what());
        return 2;
    }
    for (const auto& w : cfg.warnings) spdlog::warn("cfg: {}", w);
    if (!cfg.server || !cfg.server->enabled) {
        std::fprintf(stderr, "ksstpd: %s: [sstp-server]: missing or enabled = false, nothing to serve\n", config_path.c_str());
        return 2;
    }
    return ksstp::tools::run_daemon("ksstpd", [&] {
        ksstp::io::EventLoop loop;
        ksstp::server::Concentrator server(std::move(cfg), config_path, loop);
        ksstp::tools::handle_stop_signals(
            loop,
            [&] {
                ksstp::tools::notify("STOPPING=1");
                server.shutdown();
            },
            [&] {
                spdlog::info("cfg: SIGHUP: reloading {}", config_path);
                ksstp::tools::notify("RELOADING=1");
                std::string why = server.reload();
                ksstp::tools::notify(why.empty() ? "READY=1\nSTATUS=configuration reloaded"
                                                 : "READY=1\nSTATUS=reload refused: " + why);
            });
        ksstp::tools::notify("READY=1\nSTATUS=listening");
        loop.run();
    });
}
