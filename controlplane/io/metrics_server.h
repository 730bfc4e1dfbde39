// MetricsServer: the optional Prometheus endpoint (SPEC 6: `[metrics] listen`, GET /metrics),
// served by cpp-httplib (Debian's libcpp-httplib) on its own thread. The daemon's single-threaded
// loop renders the text about once a second and publishes it here; the HTTP thread only hands out
// the latest copy, so it never touches session state.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace ksstp::io {

class MetricsServer {
public:
    // Binds at once; throws std::runtime_error naming the address when it cannot.
    MetricsServer(const std::string& host, uint16_t port);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;
    void publish(std::string text);

private:
    std::unique_ptr<httplib::Server> srv_;
    std::thread thread_;
    std::mutex mu_;
    std::string text_;
};

// Prometheus text format helpers (exposition format 0.0.4).
std::string prom_escape(const std::string& label_value);

}  // namespace ksstp::io
