// Batched interface I/O through io_uring; see tun_ring.h.
#include "dataplane/tun_ring.h"

#include "controlplane/base/send_nowait.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ksstp::dp {

namespace {
constexpr uint64_t kReadTag = uint64_t(1) << 63;  // user_data of a read: the tag | its slot
constexpr uint64_t kSocketTag = uint64_t(1) << 62;  // user_data of a socket send or recvmsg
}  // namespace

Result<std::unique_ptr<TunRing>, std::string> TunRing::create() {
    std::unique_ptr<TunRing> r(new TunRing());
    // SUBMIT_ALL (5.18): a request the kernel refuses at submission does not leave the ones
    // after it in the queue; older kernels do without (we never prepare an invalid request).
    int e = io_uring_queue_init(kDepth, &r->ring_, IORING_SETUP_SUBMIT_ALL);
    if (e == -EINVAL) e = io_uring_queue_init(kDepth, &r->ring_, 0);
    if (e < 0) return fail(std::string("io_uring_queue_init: ") + std::strerror(-e));
    r->inited_ = true;
    io_uring_probe* probe = io_uring_get_probe_ring(&r->ring_);
    const bool ok = probe && io_uring_opcode_supported(probe, IORING_OP_READ) &&
                    io_uring_opcode_supported(probe, IORING_OP_WRITE) && io_uring_opcode_supported(probe, IORING_OP_WRITEV);
    r->send_op_ = probe && io_uring_opcode_supported(probe, IORING_OP_SEND);
    r->recvmsg_op_ = probe && io_uring_opcode_supported(probe, IORING_OP_RECVMSG);
    if (probe) io_uring_free_probe(probe);
    if (!ok) return fail(std::string("io_uring without READ/WRITE/WRITEV (kernel before 5.6)"));
    r->stage_ = std::make_unique<uint8_t[]>(kStageSize);
    r->rbuf_ = std::make_unique<uint8_t[]>(kReadSlots * kReadSize);
    r->writes_.reserve(kDepth);
    r->got_.reserve(kReadSlots);
    r->read_res_.resize(kReadSlots);
    return r;
}

TunRing::~TunRing() {
    if (inited_) io_uring_queue_exit(&ring_);
}

void TunRing::write(int fd, ByteView head, ByteView body, bool copy, PathCounters& c, uint64_t packets, uint64_t bytes) {
    const size_t len = head.size() + body.size();
    ++c.tun_writes;
    if (plain_) {
        iovec iov[2] = {{const_cast<uint8_t*>(head.data()), head.size()}, {const_cast<uint8_t*>(body.data()), body.size()}};
        account(Write{fd, {}, &c, packets, bytes, len}, int(::writev(fd, iov, body.empty() ? 1 : 2)));
        return;
    }
    if (writes_.size() + kReadSlots >= kDepth || (copy && stage_used_ + len > kStageSize)) submit();
    Write w{fd, {}, &c, packets, bytes, len};
    if (copy && len <= kStageSize) {
        uint8_t* p = stage_.get() + stage_used_;
        std::memcpy(p, head.data(), head.size());
        if (!body.empty()) std::memcpy(p + head.size(), body.data(), body.size());
        stage_used_ += len;
        w.iov[0] = {p, len};
        w.iov[1] = {nullptr, 0};
    } else if (copy) {  // larger than any TUN packet: the interface would refuse it anyway
        c.drop_iface_full += packets;
        return;
    } else {
        w.iov[0] = {const_cast<uint8_t*>(head.data()), head.size()};
        w.iov[1] = {const_cast<uint8_t*>(body.data()), body.size()};
    }
    writes_.push_back(w);
}

void TunRing::submit() {
    if (!writes_.empty()) enter(0);
}

std::span<const std::span<uint8_t>> TunRing::read(int fd, size_t n) {
    got_.clear();
    n = std::min(n, kReadSlots);
    if (n == 0) return got_;
    if (plain_) {
        for (size_t i = 0; i < n; ++i) {
            ssize_t r = ::read(fd, rbuf_.get() + i * kReadSize, kReadSize);
            if (r <= 0) break;
            got_.emplace_back(rbuf_.get() + i * kReadSize, size_t(r));
        }
        return got_;
    }
    for (size_t i = 0; i < n; ++i) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);  // room: write() keeps kReadSlots free
        io_uring_prep_read(sqe, fd, rbuf_.get() + i * kReadSize, unsigned(kReadSize), 0);
        sqe->rw_flags = RWF_NOWAIT;
        sqe->user_data = kReadTag | i;
        read_res_[i] = -ECANCELED;
    }
    enter(n);
    if (read_res_[0] == -EOPNOTSUPP) {
        plain_ = true;  // the file refuses RWF_NOWAIT: read it the plain way from now on
        return read(fd, n);
    }
    // Issued one after the other inside the call (none may wait), so slot order is arrival
    // order; a packet that came after an empty read is taken too.
    for (size_t i = 0; i < n; ++i)
        if (read_res_[i] > 0) got_.emplace_back(rbuf_.get() + i * kReadSize, size_t(read_res_[i]));
    return got_;
}

long TunRing::send(int fd, ByteView bytes) {
    if (bytes.empty()) return 0;
    if (!send_op_) {
        submit();  // the interface's packets first, as through the ring
        return send_nowait(fd, bytes);
    }
    if (writes_.size() + kReadSlots >= kDepth) submit();
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    io_uring_prep_send(sqe, fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    const long r = socket_op(sqe);
    return r == -ECANCELED ? send_nowait(fd, bytes) : r;  // the ring failed: not sent
}

long TunRing::recvmsg(int fd, msghdr* m) {
    if (!recvmsg_op_) {
        submit();
        return recvmsg_nowait(fd, m);
    }
    if (writes_.size() + kReadSlots >= kDepth) submit();
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    io_uring_prep_recvmsg(sqe, fd, m, MSG_DONTWAIT);  // EAGAIN at once instead of waiting
    const long r = socket_op(sqe);
    return r == -ECANCELED ? recvmsg_nowait(fd, m) : r;
}

long TunRing::socket_op(io_uring_sqe* sqe) {
    sqe->user_data = kSocketTag;
    sock_res_ = -ECANCELED;
    enter(1);
    return sock_res_;
}

// Prepares the queued writes behind any reads already prepared, submits everything in one
// io_uring_enter and reaps every completion (all complete inline: the fds are non-blocking).
void TunRing::enter(size_t others) {
    const size_t nw = writes_.size();
    write_res_.assign(nw, -ECANCELED);
    for (size_t i = 0; i < nw; ++i) {
        Write& w = writes_[i];
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        if (w.iov[1].iov_len == 0) io_uring_prep_write(sqe, w.fd, w.iov[0].iov_base, unsigned(w.iov[0].iov_len), 0);
        else io_uring_prep_writev(sqe, w.fd, w.iov, 2, 0);
        sqe->rw_flags = RWF_NOWAIT;
        sqe->user_data = i;
        if (i + 1 < nw) sqe->flags |= IOSQE_IO_LINK;  // the interface sees the packets in order
    }
    const size_t total = nw + others;
    size_t seen = 0;
    int r;
    do r = io_uring_submit_and_wait(&ring_, unsigned(total));
    while (r == -EINTR);
    submits_.fetch_add(1, std::memory_order_relaxed);
    if (r < 0) {
        // Nothing was submitted (the ring is unusable): the writes are lost, the reads found nothing.
        for (size_t i = 0; i < nw; ++i) writes_[i].c->drop_iface_full += writes_[i].packets;
        writes_.clear();
        stage_used_ = 0;
        io_uring_cq_advance(&ring_, io_uring_cq_ready(&ring_));
        return;
    }
    // Every submitted request completes inside the call (RWF_NOWAIT); never wait for more.
    const size_t expect = std::min(total, size_t(r));
    while (seen < expect) {
        io_uring_cqe* cqe;
        if (io_uring_wait_cqe(&ring_, &cqe) < 0) continue;  // EINTR
        unsigned head, n = 0;
        io_uring_for_each_cqe(&ring_, head, cqe) {
            ++n;
            if (cqe->user_data & kReadTag) {
                read_res_[cqe->user_data & ~kReadTag] = cqe->res;
                continue;
            }
            if (cqe->user_data == kSocketTag) {
                sock_res_ = cqe->res;
                continue;
            }
            if (cqe->user_data < nw) write_res_[cqe->user_data] = cqe->res;
        }
        io_uring_cq_advance(&ring_, n);
        seen += n;
    }
    // In queue order. A file that refuses RWF_NOWAIT fails the chain's first write and cancels
    // the rest: those are written the plain way, and so is everything from now on.
    for (size_t i = 0; i < nw; ++i) {
        Write& w = writes_[i];
        if (write_res_[i] == -EOPNOTSUPP || (plain_ && write_res_[i] == -ECANCELED)) {
            plain_ = true;
            write_res_[i] = int(::writev(w.fd, w.iov, w.iov[1].iov_len ? 2 : 1));
        }
        account(w, write_res_[i]);
    }
    writes_.clear();
    stage_used_ = 0;
}

void TunRing::account(const Write& w, int res) {
    if (res >= 0 && size_t(res) == w.len) {
        w.c->rx_packets += w.packets;
        w.c->rx_bytes += w.bytes;
    } else {
        w.c->drop_iface_full += w.packets;
    }
}

}  // namespace ksstp::dp
