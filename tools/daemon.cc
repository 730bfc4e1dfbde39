// Daemon plumbing; see daemon.h.
#include "tools/daemon.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <csignal>
#include <memory>

#include "controlplane/tls/tls_context.h"
#include "ksstp_version.h"

namespace ksstp::tools {

void handle_stop_signals(io::EventLoop& loop, std::function<void()> stop, std::function<void()> reload) {
    auto stopping = std::make_shared<bool>(false);
    loop.handle_signals([stop = std::move(stop), reload = std::move(reload), stopping](int signo) {
        if (signo == SIGHUP) {
            if (reload && !*stopping) reload();
            else spdlog::warn("cfg: SIGHUP received; nothing to reload");
            return;
        }
        if (*stopping) return;
        *stopping = true;
        stop();
    });
}

void notify(const std::string& state) { sd_notify(0, state.c_str()); }

int run_daemon(const std::string& program, const std::function<void()>& body) {
    try {
        spdlog::info("{} {} started", program, KSSTP_VERSION);
        body();
        spdlog::info("{} stopped", program);
    } catch (const tls::TlsConfigError& e) {
        spdlog::error("tls: {}", e.what());
        return 2;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    return 0;
}

}  // namespace ksstp::tools
