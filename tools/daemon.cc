// Daemon plumbing; see daemon.h.
#include "tools/daemon.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <malloc.h>

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
    // The data path's buffers (TLS output, GRO batches, 64 KB TUN reads) are freed and made again
    // every few hundred microseconds. With glibc's defaults each such cycle gave memory back to
    // the kernel (heap trimmed above 128 KB, large blocks mmap'ed and munmap'ed) and took it again
    // through page faults and TLB shootdowns: a third of ksstpd's CPU time under load (perf).
    // Keep up to 64 MiB of freed heap and serve blocks below 4 MiB from it.
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
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
