// MgmtSocket: the daemons' management endpoint (SPEC 6): a UNIX stream socket, mode 0600 by
// default so only root (the owner) can connect; peers are also checked by SO_PEERCRED (root or
// the daemon's own user). Lines in, one reply line per request out (mgmt_protocol.h). Runs on the
// daemon's EventLoop; a handler throws mgmt::Refused to answer with an error. Bounded: at most
// kMaxClients connections, kMaxLine per request, and a client that stops reading is dropped
// once kMaxOut bytes wait for it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "controlplane/base/fd.h"
#include "controlplane/io/event_loop.h"
#include "controlplane/mgmt/mgmt_protocol.h"

namespace ksstp::io {

class MgmtSocket {
public:
    using Handler = std::function<nlohmann::json(const mgmt::Request&)>;
    static constexpr size_t kMaxClients = 32;
    static constexpr size_t kMaxOut = 4 << 20;

    // Throws std::runtime_error when the path is in use by a live daemon or cannot be bound.
    MgmtSocket(EventLoop& loop, std::string path, mode_t mode, Handler handler);
    ~MgmtSocket();
    MgmtSocket(const MgmtSocket&) = delete;
    MgmtSocket& operator=(const MgmtSocket&) = delete;
    const std::string& path() const { return path_; }

private:
    struct Client {
        Fd fd;
        std::string in, out;
    };
    void on_accept();
    void on_client(int fd, uint32_t events);
    void drop(int fd);

    EventLoop& loop_;
    std::string path_;
    Handler handler_;
    Fd listener_;
    FdReserve reserve_;  // out of descriptors: shed, do not spin
    std::map<int, Client> clients_;
};

// The management socket at `configured` (nullopt: `default_path`; "": none). A configured path
// that cannot be opened is an error (throws); the default path in use by another instance of the
// daemon only disables management, with a warning naming the key to set.
std::unique_ptr<MgmtSocket> open_management(EventLoop& loop, const std::optional<std::string>& configured,
                                                const std::string& default_path, MgmtSocket::Handler handler);
}  // namespace ksstp::io
