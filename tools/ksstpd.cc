// ksstpd: the SSTP concentrator (SPEC 2). Exit codes: 0 clean stop, 1 runtime failure, 2 bad
// usage or configuration (the message names file, line and key).
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "controlplane/config/config_loader.h"
#include "controlplane/io/event_loop.h"
#include "controlplane/io/log.h"
#include "controlplane/io/privileges.h"
#include "controlplane/server/concentrator.h"
#include "tools/build_info.h"
#include "tools/daemon.h"

namespace {

// [daemon] user (issue 7): ksstpd will run as that user, and reload and ksstpctl secret changes
// read and write files then. Whatever that user could not do is refused now, at start, naming the
// key that names the file, rather than failing at the first reload.
std::optional<ksstp::io::Identity> check_identity(const ksstp::config::Config& cfg, const std::string& config_path) {
    using ksstp::config::ConfigError;
    using ksstp::io::PathNeed;
    if (cfg.daemon_user.empty()) return std::nullopt;
    ksstp::io::Identity id;
    try {
        id = ksstp::io::resolve_identity(cfg.daemon_user, cfg.daemon_group);
    } catch (const std::exception& e) {
        throw ConfigError(config_path, cfg.daemon_user_line, "[daemon] user", e.what());
    }
    if (::geteuid() != 0) return id;  // cannot become anyone: drop_privileges says so
    if (auto why = ksstp::io::cannot_become(id)) throw ConfigError(config_path, cfg.daemon_user_line, "[daemon] user", *why);
    struct Where { uint32_t line; std::string key; };
    std::vector<PathNeed> needs{{std::filesystem::absolute(config_path).string(), PathNeed::Read}};
    std::vector<Where> where{{cfg.daemon_user_line, "[daemon] user"}};
    for (const auto& f : cfg.files) {
        needs.push_back({f.path, f.executable ? PathNeed::Execute : PathNeed::Read});
        where.push_back({f.line, f.key});
    }
    if (!cfg.secrets_file.empty()) {
        std::filesystem::path p = std::filesystem::absolute(cfg.secrets_file);
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) {
            needs.push_back({p.string(), PathNeed::Read});
            where.push_back({cfg.daemon_user_line, "[ppp] secrets-file"});
        }
        needs.push_back({p.parent_path().string(), PathNeed::WriteDir});  // written by temp + rename
        where.push_back({cfg.daemon_user_line, "[ppp] secrets-file"});
    }
    auto unmet = ksstp::io::unmet_needs(id, needs);
    if (!unmet.empty()) {
        const auto& u = unmet.front();
        throw ConfigError(config_path, where[u.index].line, where[u.index].key,
                          "user " + id.user + " " + u.why + ": ksstpd runs as that user after start-up and reads " +
                              "(or writes) it again at reload; give its group access (chgrp " + id.group +
                              ", chmod g+r, or g+w for the secrets-file directory)" +
                              (unmet.size() > 1 ? " (and " + std::to_string(unmet.size() - 1) + " more)" : ""));
    }
    return id;
}

}  // namespace

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
    std::optional<ksstp::io::Identity> identity;
    try {
        identity = check_identity(cfg, config_path);
    } catch (const std::exception& e) {  // ConfigError names file, line and key
        std::fprintf(stderr, "ksstpd: %s\n", e.what());
        return 2;
    }
    return ksstp::tools::run_daemon("ksstpd", [&] {
        ksstp::io::EventLoop loop;
        auto drop = [&] {
            if (!ksstp::io::drop_privileges(identity))
                spdlog::warn("not started as root: running with the privileges given ({})", ksstp::io::describe_privileges());
            else
                spdlog::info("privileges dropped: {}", ksstp::io::describe_privileges());
        };
        ksstp::server::Concentrator server(std::move(cfg), config_path, loop, drop);
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
