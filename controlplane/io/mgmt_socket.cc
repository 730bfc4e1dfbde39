// Management socket; see mgmt_socket.h.
#include "controlplane/io/mgmt_socket.h"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ksstp::io {

namespace {
sockaddr_un address_of(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) throw std::runtime_error("management socket path too long: " + path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return a;
}
}  // namespace

MgmtSocket::MgmtSocket(EventLoop& loop, std::string path, mode_t mode, Handler handler)
    : loop_(loop), path_(std::move(path)), handler_(std::move(handler)) {
    sockaddr_un a = address_of(path_);
    struct stat st{};
    if (::lstat(path_.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) throw std::runtime_error("management socket " + path_ + " exists and is not a socket");
        // A socket file: in use when something answers, else left by a crashed daemon.
        Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (probe && ::connect(probe.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0)
            throw std::runtime_error("management socket " + path_ + " is in use by another daemon");
        ::unlink(path_.c_str());
    }
    listener_ = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener_) throw std::runtime_error(std::string("management socket: ") + std::strerror(errno));
    // The mode applies from the first moment: no window in which others could connect.
    mode_t old = ::umask(0777 & ~mode);
    int r = ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    int err = errno;
    ::umask(old);
    if (r != 0 || ::listen(listener_.get(), 16) != 0)
        throw std::runtime_error("management socket " + path_ + ": " + std::strerror(r != 0 ? err : errno));
    ::chmod(path_.c_str(), mode);
    loop_.watch(listener_.get(), EPOLLIN, [this](uint32_t) { on_accept(); });
}

MgmtSocket::~MgmtSocket() {
    for (auto& [fd, c] : clients_) loop_.unwatch(fd);
    if (listener_) {
        loop_.unwatch(listener_.get());
        ::unlink(path_.c_str());
    }
}

void MgmtSocket::on_accept() {
    for (;;) {
        Fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd && (errno == EMFILE || errno == ENFILE) && reserve_.shed(listener_.get()) == FdReserve::Shed::One)
            continue;
        if (!fd) return;
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
            (cred.uid != 0 && cred.uid != ::geteuid())) {
            spdlog::warn("mgmt: refused a connection from uid {} (root only)", cred.uid);
            continue;
        }
        if (clients_.size() >= kMaxClients) {
            spdlog::warn("mgmt: {} clients connected already; refusing another", clients_.size());
            continue;
        }
        int raw = fd.get();
        clients_[raw].fd = std::move(fd);
        loop_.watch(raw, EPOLLIN, [this, raw](uint32_t ev) { on_client(raw, ev); });
    }
}

void MgmtSocket::drop(int fd) {
    loop_.unwatch(fd);
    clients_.erase(fd);
}

void MgmtSocket::on_client(int fd, uint32_t events) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& c = it->second;
    if (events & EPOLLIN) {
        char buf[8192];
        for (;;) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EAGAIN) break;
            if (n <= 0) {
                drop(fd);
                return;
            }
            c.in.append(buf, size_t(n));
            for (size_t nl; (nl = c.in.find('\n')) != std::string::npos;) {
                std::string line = c.in.substr(0, nl);
                c.in.erase(0, nl + 1);
                auto req = mgmt::parse_request(line);
                if (!req) {
                    c.out += mgmt::encode_error(req.error());
                    continue;
                }
                try {
                    c.out += mgmt::encode_ok(handler_(*req));
                } catch (const mgmt::Refused& e) {
                    c.out += mgmt::encode_error(e.what());
                }
            }
            if (c.in.size() > mgmt::kMaxLine) {
                c.out += mgmt::encode_error("request longer than 64 KiB");
                c.in.clear();
            }
        }
    }
    while (!c.out.empty()) {
        ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) break;
        if (n <= 0) {
            drop(fd);
            return;
        }
        c.out.erase(0, size_t(n));
    }
    if (c.out.size() > kMaxOut) {
        drop(fd);
        return;
    }
    loop_.modify(fd, uint32_t(EPOLLIN) | (c.out.empty() ? 0u : uint32_t(EPOLLOUT)));
}

std::unique_ptr<MgmtSocket> open_management(EventLoop& loop, const std::optional<std::string>& configured,
                                                const std::string& default_path, MgmtSocket::Handler handler) {
    const std::string path = configured.value_or(default_path);
    if (path.empty()) return nullptr;
    try {
        auto m = std::make_unique<MgmtSocket>(loop, path, 0600, std::move(handler));
        spdlog::info("mgmt: listening on {}", path);
        return m;
    } catch (const std::runtime_error& e) {
        if (configured) throw;
        spdlog::warn("mgmt: {}; management is off (set [management] socket to another path)", e.what());
        return nullptr;
    }
}

}  // namespace ksstp::io
