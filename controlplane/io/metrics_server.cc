// Prometheus endpoint; see metrics_server.h.
#include "controlplane/io/metrics_server.h"

#include <httplib.h>
#include <pthread.h>

#include <csignal>

#include <stdexcept>

namespace ksstp::io {

MetricsServer::MetricsServer(const std::string& host, uint16_t port) : srv_(std::make_unique<httplib::Server>()) {
    // One worker: scrapes are rare and small.
    srv_->new_task_queue = [] { return new httplib::ThreadPool(1); };
    srv_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        std::string body;
        {
            std::lock_guard<std::mutex> g(mu_);
            body = text_;
        }
        res.set_content(body, "text/plain; version=0.0.4; charset=utf-8");
    });
    if (!srv_->bind_to_port(host, port))
        throw std::runtime_error("[metrics] listen: cannot bind " + host + " port " + std::to_string(port));
    // The HTTP thread must never take the daemon's signals (SIGHUP would kill the process there):
    // it starts with all of them blocked; the loop's signalfd gets them.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    thread_ = std::thread([this] { srv_->listen_after_bind(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

MetricsServer::~MetricsServer() {
    srv_->stop();
    if (thread_.joinable()) thread_.join();
}

void MetricsServer::publish(std::string text) {
    std::lock_guard<std::mutex> g(mu_);
    text_ = std::move(text);
}

std::string prom_escape(const std::string& v) {
    std::string o;
    for (char c : v) {
        if (c == '\\' || c == '"') o += '\\', o += c;
        else if (c == '\n') o += "\\n";
        else o += c;
    }
    return o;
}

}  // namespace ksstp::io
