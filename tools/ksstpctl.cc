// ksstpctl: management CLI for ksstpd and ksstpc (SPEC 6, docs/management.md). Sends one request
// per command over the daemon's UNIX socket and prints the answer as a MikroTik-style table, or
// as one JSON document with --json. Exit codes: 0 done, 1 the daemon refused (or cannot be
// reached), 2 bad usage.
#include <CLI/CLI.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "controlplane/base/fd.h"
#include "controlplane/mgmt/mgmt_protocol.h"
#include "tools/build_info.h"

using namespace ksstp;
using nlohmann::json;

namespace {

struct Usage : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct Refusal : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Connection {
public:
    explicit Connection(const std::string& path) {
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        if (path.size() >= sizeof a.sun_path) throw Refusal("socket path too long: " + path);
        std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
        fd_ = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd_ || ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            throw Refusal("cannot connect to " + path + ": " + std::strerror(errno) +
                          " (is the daemon running, with [management] socket at this path? --socket PATH)");
    }
    json call(const std::string& command, const std::map<std::string, std::string>& args = {}) {
        std::string line = mgmt::encode_request({command, args});
        for (size_t off = 0; off < line.size();) {
            ssize_t n = ::send(fd_.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
            if (n <= 0) throw Refusal(std::string("lost the daemon: ") + std::strerror(errno));
            off += size_t(n);
        }
        for (;;) {
            if (size_t nl = in_.find('\n'); nl != std::string::npos) {
                std::string reply = in_.substr(0, nl);
                in_.erase(0, nl + 1);
                auto r = mgmt::parse_reply(reply);
                if (!r) throw Refusal(r.error());
                if (!r->ok) throw Refusal(r->error);
                return r->result;
            }
            char buf[65536];
            ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
            if (n <= 0) throw Refusal("the daemon closed the connection without answering");
            in_.append(buf, size_t(n));
        }
    }

private:
    Fd fd_;
    std::string in_;
};

std::string text_of(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
    if (v.is_array()) {
        std::string s;
        for (const auto& e : v) s += (s.empty() ? "" : ",") + text_of(e);
        return s;
    }
    if (v.is_null()) return "";
    return v.dump();
}

std::string uptime(int64_t s) {
    char buf[64];
    if (s >= 86400) std::snprintf(buf, sizeof buf, "%lldd%02lldh%02lldm%02llds", (long long)(s / 86400),
                                  (long long)(s / 3600 % 24), (long long)(s / 60 % 60), (long long)(s % 60));
    else std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
    return buf;
}

// MikroTik's `print` of a list: a header of upper-case column names, a row number per item.
void print_table(const json& rows, const std::vector<std::pair<std::string, std::string>>& cols) {
    std::vector<std::vector<std::string>> cells;
    std::vector<size_t> width;
    for (const auto& [key, title] : cols) width.push_back(title.size());
    for (const auto& r : rows) {
        std::vector<std::string> line;
        for (size_t i = 0; i < cols.size(); ++i) {
            const std::string& key = cols[i].first;
            std::string v = key == "uptime-s" && r.contains(key) ? uptime(r[key].get<int64_t>())
                            : r.contains(key) ? text_of(r[key]) : "";
            width[i] = std::max(width[i], v.size());
            line.push_back(v);
        }
        cells.push_back(std::move(line));
    }
    const int idx = int(std::to_string(cells.size()).size()) + 1;
    auto row = [&](const std::string& first, const std::vector<std::string>& v) {
        std::string line(size_t(std::max(0, idx - int(first.size()))), ' ');
        line += first + "  ";
        for (size_t i = 0; i < v.size(); ++i) line += v[i] + std::string(i + 1 < v.size() ? width[i] - v[i].size() + 2 : 0, ' ');
        std::printf("%s\n", line.c_str());
    };
    std::vector<std::string> titles;
    for (const auto& c : cols) titles.push_back(c.second);
    row("#", titles);
    for (size_t n = 0; n < cells.size(); ++n) row(std::to_string(n), cells[n]);
}

// MikroTik's `print` of settings: right-aligned names, colon, value.
void print_settings(const json& obj, size_t indent = 0) {
    size_t w = 0;
    for (const auto& [k, v] : obj.items()) w = std::max(w, k.size());
    for (const auto& [k, v] : obj.items()) {
        if (v.is_object()) {
            std::printf("%*s%*s:\n", int(indent), "", int(w), k.c_str());
            print_settings(v, indent + w + 2);
        } else {
            std::printf("%*s%*s: %s\n", int(indent), "", int(w), k.c_str(), text_of(v).c_str());
        }
    }
}

std::string rate(double bytes_per_s) {
    char buf[32];
    double bits = bytes_per_s * 8;
    if (bits >= 1e9) std::snprintf(buf, sizeof buf, "%.2f Gbps", bits / 1e9);
    else if (bits >= 1e6) std::snprintf(buf, sizeof buf, "%.2f Mbps", bits / 1e6);
    else if (bits >= 1e3) std::snprintf(buf, sizeof buf, "%.1f kbps", bits / 1e3);
    else std::snprintf(buf, sizeof buf, "%.0f bps", bits);
    return buf;
}

volatile std::sig_atomic_t g_interrupted = 0;

int run(const std::vector<std::string>& words, const std::string& socket, bool as_json, int count) {
    if (words.empty()) throw Usage("no command (server print, active print, secret ..., disconnect, monitor, reload, stats, client ...)");
    const std::string& w0 = words[0];
    auto need = [&](size_t n, const char* form) {
        if (words.size() != n) throw Usage(std::string("usage: ksstpctl ") + form);
    };
    const bool client_cmd = w0 == "client";
    Connection conn(socket.empty() ? (client_cmd ? "/run/ksstpc.sock" : "/run/ksstpd.sock") : socket);
    auto out = [&](const json& j, auto human) {
        if (as_json) std::cout << j.dump(2) << "\n";
        else human(j);
    };
    if (w0 == "server" || w0 == "stats" || w0 == "reload") {
        if (w0 == "server") need(2, "server print");
        if (w0 == "server" && words[1] != "print") throw Usage("usage: ksstpctl server print");
        if (w0 != "server") need(1, w0 == "stats" ? "stats" : "reload");
        json r = conn.call(w0 == "server" ? "server print" : w0);
        if (w0 == "reload" && !as_json) std::printf("reloaded\n");
        else out(r, [](const json& j) { print_settings(j); });
        return 0;
    }
    if (w0 == "active") {
        need(2, "active print");
        if (words[1] != "print") throw Usage("usage: ksstpctl active print");
        out(conn.call("active print"), [](const json& j) {
            print_table(j, {{"id", "ID"}, {"user", "NAME"}, {"caller", "CALLER-ID"}, {"remote-address", "ADDRESS"},
                            {"interface", "INTERFACE"}, {"uptime-s", "UPTIME"}, {"auth", "AUTH"}, {"tls-version", "TLS"},
                            {"tls-cipher", "CIPHER"}, {"ktls-tx", "KTLS"}, {"rx-bytes", "RX-BYTE"}, {"tx-bytes", "TX-BYTE"},
                            {"rx-packets", "RX-PACKET"}, {"tx-packets", "TX-PACKET"}});
        });
        return 0;
    }
    if (w0 == "secret") {
        if (words.size() < 2) throw Usage("usage: ksstpctl secret print|add|set|remove ...");
        const std::string& op = words[1];
        std::map<std::string, std::string> args;
        if (op == "print") {
            need(2, "secret print");
        } else if (op == "add") {
            auto a = mgmt::parse_assignments({words.begin() + 2, words.end()});
            if (!a) throw Usage(a.error());
            args = *a;
        } else if (op == "set" || op == "remove") {
            if (words.size() < 3) throw Usage("usage: ksstpctl secret " + op + " NAME" + (op == "set" ? " key=value..." : ""));
            std::vector<std::string> rest(words.begin() + 3, words.end());
            if (op == "remove") {
                if (rest.size() > 1 || (rest.size() == 1 && rest[0] != "--disconnect"))
                    throw Usage("usage: ksstpctl secret remove NAME [--disconnect]");
                if (!rest.empty()) args["disconnect"] = "yes";
            } else {
                auto a = mgmt::parse_assignments(rest);
                if (!a) throw Usage(a.error());
                if (a->empty()) throw Usage("usage: ksstpctl secret set NAME key=value...");
                args = *a;
            }
            args["name"] = words[2];
        } else {
            throw Usage("unknown secret command \"" + op + "\" (print, add, set, remove)");
        }
        json r = conn.call("secret " + op, args);
        if (op == "print")
            out(r, [](const json& j) {
                print_table(j, {{"name", "NAME"}, {"service", "SERVICE"}, {"profile", "PROFILE"},
                                {"local-address", "LOCAL-ADDRESS"}, {"remote-address", "REMOTE-ADDRESS"}, {"source", "SOURCE"}});
            });
        else
            out(r, [](const json& j) { print_settings(j); });
        return 0;
    }
    if (w0 == "disconnect") {
        need(2, "disconnect USER|ID");
        out(conn.call("disconnect", {{"target", words[1]}}), [](const json& j) { print_settings(j); });
        return 0;
    }
    if (w0 == "monitor") {
        need(2, "monitor USER|ID");
        json prev = conn.call("session get", {{"target", words[1]}});
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; (count <= 0 || i < count) && !g_interrupted; ++i) {
            std::this_thread::sleep_for(std::chrono::seconds(1));
            if (g_interrupted) break;
            json cur;
            try {
                cur = conn.call("session get", {{"target", words[1]}});
            } catch (const Refusal&) {
                std::printf("session ended\n");
                return 0;
            }
            auto t1 = std::chrono::steady_clock::now();
            double dt = std::chrono::duration<double>(t1 - t0).count();
            t0 = t1;
            auto d = [&](const char* k) { return double(cur[k].get<uint64_t>() - prev[k].get<uint64_t>()) / dt; };
            if (as_json) {
                std::cout << json{{"id", cur["id"]}, {"user", cur["user"]}, {"rx-bps", d("rx-bytes") * 8},
                                  {"tx-bps", d("tx-bytes") * 8}, {"rx-pps", d("rx-packets")}, {"tx-pps", d("tx-packets")}}
                                 .dump()
                          << std::endl;
            } else {
                std::printf("%s (%s): rx %s %.0f pps, tx %s %.0f pps\n", text_of(cur["user"]).c_str(),
                            text_of(cur["interface"]).c_str(), rate(d("rx-bytes")).c_str(), d("rx-packets"),
                            rate(d("tx-bytes")).c_str(), d("tx-packets"));
                std::fflush(stdout);
            }
            prev = cur;
        }
        return 0;
    }
    if (client_cmd) {
        if (words.size() < 2) throw Usage("usage: ksstpctl client print|enable NAME|disable NAME");
        if (words[1] == "print") {
            need(2, "client print");
            out(conn.call("client print"), [](const json& j) {
                print_table(j, {{"name", "NAME"}, {"state", "STATE"}, {"connect-to", "CONNECT-TO"}, {"user", "USER"},
                                {"local-address", "ADDRESS"}, {"uptime-s", "UPTIME"}, {"tls-version", "TLS"},
                                {"rx-bytes", "RX-BYTE"}, {"tx-bytes", "TX-BYTE"}});
            });
            return 0;
        }
        if (words[1] == "enable" || words[1] == "disable") {
            need(3, "client enable|disable NAME");
            out(conn.call("client " + words[1], {{"name", words[2]}}), [](const json& j) { print_settings(j); });
            return 0;
        }
        throw Usage("unknown client command \"" + words[1] + "\" (print, enable, disable)");
    }
    throw Usage("unknown command \"" + w0 + "\"");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ksstpctl - manage a running ksstpd or ksstpc (docs/management.md)", "ksstpctl"};
    bool version = false, as_json = false;
    std::string socket;
    int count = 0;
    std::vector<std::string> words;
    app.add_flag("--version", version, "print the version and the libraries in use, then exit");
    app.add_flag("--json", as_json, "print one JSON document instead of a table");
    app.add_option("--socket", socket, "management socket (default /run/ksstpd.sock; client commands /run/ksstpc.sock)");
    app.add_option("--count", count, "monitor: stop after this many lines (default: until interrupted)");
    app.add_option("command", words, "server print | active print | secret print|add|set|remove ... | disconnect X | "
                                      "monitor X | reload | stats | client print|enable|disable");
    app.allow_extras(false);
    // `secret remove NAME --disconnect` is a word of the command, not a flag of ksstpctl.
    std::vector<std::string> raw(argv + 1, argv + argc);
    bool disconnect_flag = false;
    std::erase_if(raw, [&](const std::string& a) { return a == "--disconnect" && (disconnect_flag = true); });
    std::vector<char*> args{argv[0]};
    for (auto& a : raw) args.push_back(a.data());
    try {
        app.parse(int(args.size()), args.data());
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (version) {
        std::fputs(tools::version_text("ksstpctl").c_str(), stdout);
        return 0;
    }
    if (disconnect_flag) words.push_back("--disconnect");
    std::signal(SIGINT, [](int) { g_interrupted = 1; });
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return run(words, socket, as_json, count);
    } catch (const Usage& e) {
        std::fprintf(stderr, "ksstpctl: %s\n", e.what());
        return 2;
    } catch (const Refusal& e) {
        std::fprintf(stderr, "ksstpctl: %s\n", e.what());
        return 1;
    }
}
