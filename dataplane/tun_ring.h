// TunRing: the io_uring through which a data-plane worker moves its sessions' interface packets
// (issue 5 items 1 and 2) and their batches of TLS records (item 4). A TUN fd takes one packet
// per read() or write(): without it, every packet is a system call of its own; through the ring,
// a batch is one io_uring_enter, and a session's batch of records rides in the same call as the
// interface writes queued before it.
//
// Writes are queued (the tunnel's packets of one pass) and go out together at submit(), linked
// (IOSQE_IO_LINK: performed in order, the interface sees the packets in tunnel order); reads are
// issued several at a time into the ring's own buffers (not linked: a datagram shorter than the
// buffer is a short read, which would break a link). Every operation carries RWF_NOWAIT: io_uring
// would otherwise wait for readiness (poll) even on an O_NONBLOCK fd, and an empty interface
// would hold the worker; with it, each is performed inside the submitting call, in submission
// order, with data or EAGAIN. Nothing is left in flight between passes, so a session can leave
// the worker at any time.
//
// One per worker, used by one thread; paths borrow it (PacketPath::use_ring) while their
// session is on that worker. Where the kernel refuses io_uring (too old, kernel.io_uring_disabled,
// a seccomp filter), create() says why and the paths use plain system calls.
#pragma once

#include <liburing.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "controlplane/base/bytes.h"
#include "controlplane/base/result.h"
#include "dataplane/packet_path.h"

namespace ksstp::dp {

class TunRing {
public:
    static constexpr unsigned kDepth = 128;        // submission queue entries
    static constexpr size_t kReadSlots = 8;        // reads issued together
    static constexpr size_t kReadSize = 65536 + 64;  // virtio header + the largest super-packet
    static constexpr size_t kStageSize = 256 * 1024;  // copies of packets whose bytes do not outlive deliver()

    static Result<std::unique_ptr<TunRing>, std::string> create();
    ~TunRing();
    TunRing(const TunRing&) = delete;
    TunRing& operator=(const TunRing&) = delete;

    // Queues one write of `head` then `body` to `fd` (one packet: a TUN write is a datagram),
    // counted in `c` when it completes: rx_packets/rx_bytes by `packets`/`bytes`, or
    // drop_iface_full by `packets`. `copy`: the bytes are copied now (a view into a buffer the
    // caller reuses before submit()); otherwise they must stay valid until submit().
    void write(int fd, ByteView head, ByteView body, bool copy, PathCounters& c, uint64_t packets, uint64_t bytes);
    // Issues every queued write in one system call and accounts for each.
    void submit();
    // Up to `n` (at most kReadSlots) reads from `fd`, in one system call with the queued writes;
    // returns what the reads that found something got, in order. Valid until the next call.
    std::span<const std::span<uint8_t>> read(int fd, size_t n);

    // One send of `bytes` on the stream socket `fd`, submitted with the queued writes: bytes
    // sent or -errno (-EAGAIN: the socket is full). MSG_DONTWAIT makes io_uring answer EAGAIN
    // instead of waiting for room, like RWF_NOWAIT for the interface.
    long send(int fd, ByteView bytes);
    // One recvmsg on `fd` (a kTLS socket: plaintext and the record-type control message), the
    // same way: bytes, 0 at EOF, or -errno (-EAGAIN: nothing to read).
    long recvmsg(int fd, msghdr* m);

    size_t queued() const { return writes_.size(); }
    uint64_t submits() const { return submits_.load(std::memory_order_relaxed); }  // any thread

private:
    TunRing() = default;
    struct Write {
        int fd;
        iovec iov[2];
        PathCounters* c;
        uint64_t packets, bytes;
        size_t len;
    };
    void enter(size_t others);  // `others`: reads or a socket operation prepared before the writes
    long socket_op(io_uring_sqe* sqe);  // submits a prepared send/recvmsg with the writes
    static void account(const Write& w, int res);

    io_uring ring_{};
    bool inited_ = false;
    std::vector<Write> writes_;              // queued, not yet submitted
    std::unique_ptr<uint8_t[]> stage_;       // kStageSize bytes
    size_t stage_used_ = 0;
    std::unique_ptr<uint8_t[]> rbuf_;        // kReadSlots x kReadSize
    std::vector<std::span<uint8_t>> got_;    // read() results
    std::vector<int> read_res_, write_res_;
    int sock_res_ = 0;
    bool send_op_ = false, recvmsg_op_ = false;  // the kernel has IORING_OP_SEND / RECVMSG (5.6, 5.3)
    bool plain_ = false;  // the files refused RWF_NOWAIT: plain system calls
    std::atomic<uint64_t> submits_{0};
};

}  // namespace ksstp::dp
