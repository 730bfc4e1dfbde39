// RFC 1990 single-link fragmentation and reassembly; see multilink.h.
#include "controlplane/ppp/multilink.h"

#include <algorithm>

#include "controlplane/ppp/wire.h"

namespace ksstp::ppp {

void MpFragmenter::fragment(uint16_t protocol, ByteView datagram, uint16_t link_mtu, std::vector<Bytes>& frames) {
    // RFC 1990 3: the first fragment starts with the inner packet's protocol field.
    const size_t total = 2 + datagram.size();
    const size_t piece_max = link_mtu > kMpHeaderLen ? link_mtu - kMpHeaderLen : 1;
    size_t off = 0;
    while (off < total) {
        const size_t n = std::min(piece_max, total - off);
        Bytes f;
        f.reserve(4 + kMpHeaderLen + n);
        f.insert(f.end(), {0xFF, 0x03, uint8_t(uint16_t(Protocol::Multilink) >> 8), uint8_t(Protocol::Multilink)});
        uint8_t flags = (off == 0 ? kMpBegin : 0) | (off + n == total ? kMpEnd : 0);
        f.insert(f.end(), {flags, uint8_t(seq_ >> 16), uint8_t(seq_ >> 8), uint8_t(seq_)});
        seq_ = (seq_ + 1) & kMpSeqMask;
        for (size_t i = off; i < off + n; ++i)
            f.push_back(i < 2 ? uint8_t(i == 0 ? protocol >> 8 : protocol) : datagram[i - 2]);
        frames.push_back(std::move(f));
        off += n;
    }
}

bool MpReassembler::erase(std::map<uint64_t, Fragment>::iterator it) {
    const bool waiting = !it->second.done;
    bytes_ -= it->second.data.size();
    if (waiting) {
        ++c_.fragments_dropped;
        --waiting_;
    }
    frags_.erase(it);
    return waiting;
}

std::optional<Bytes> MpReassembler::feed(ByteView info, Instant now) {
    ++c_.fragments_in;
    if (info.size() < kMpHeaderLen) {
        ++c_.fragments_dropped;
        return std::nullopt;
    }
    const uint8_t flags = info[0] & (kMpBegin | kMpEnd);  // the other six bits are reserved (3.4)
    const uint32_t seq = uint32_t(info[1]) << 16 | uint32_t(info[2]) << 8 | info[3];
    if (!started_) {
        // Sequence numbers need not start at 0 (RFC 1990 does not say). A first fragment that is
        // not a packet's first may have been overtaken: leave room behind it (the unwrapped
        // space starts at 2^32 so the room never goes below zero).
        started_ = true;
        floor_ = (uint64_t(1) << 32) + seq - ((flags & kMpBegin) ? 0 : kMaxFragments);
    }
    // Serial-number comparison against the floor: the half of the space behind it is the past.
    const uint32_t diff = (seq - uint32_t(floor_)) & kMpSeqMask;
    if (diff > kMpSeqMask / 2 || frags_.count(floor_ + diff)) {
        ++c_.fragments_dropped;  // stale or duplicate
        return std::nullopt;
    }
    const uint64_t key = floor_ + diff;
    ByteView piece = info.subspan(kMpHeaderLen);
    frags_.emplace(key, Fragment{flags, false, Bytes(piece.begin(), piece.end()), now});
    bytes_ += piece.size();
    ++waiting_;
    std::optional<Bytes> out = complete_around(key);
    advance_floor();
    // Bounds: a lost fragment must not let the buffer grow.
    while (!frags_.empty() && (frags_.size() > kMaxFragments || bytes_ > 2 * size_t(mrru_) + 64))
        drop_oldest_packet();
    return out;
}

std::optional<Bytes> MpReassembler::complete_around(uint64_t key) {
    // Find the packet's first fragment going back, then its last going forward; every sequence
    // number in between must be here.
    auto b = frags_.find(key);
    while (!(b->second.flags & kMpBegin)) {
        if (b == frags_.begin()) return std::nullopt;
        auto prev = std::prev(b);
        if (prev->first != b->first - 1 || prev->second.done || (prev->second.flags & kMpEnd)) return std::nullopt;
        b = prev;
    }
    auto e = frags_.find(key);
    while (!(e->second.flags & kMpEnd)) {
        auto next = std::next(e);
        if (next == frags_.end() || next->first != e->first + 1 || next->second.done ||
            (next->second.flags & kMpBegin))
            return std::nullopt;
        e = next;
    }
    size_t len = 0;
    for (auto it = b; it != std::next(e); ++it) len += it->second.data.size();
    const bool fits = len >= 2 && len - 2 <= mrru_;
    Bytes pkt;
    if (fits) pkt.reserve(len);
    for (auto it = b; it != std::next(e); ++it) {
        if (fits) pkt.insert(pkt.end(), it->second.data.begin(), it->second.data.end());
        bytes_ -= it->second.data.size();
        it->second.data = Bytes();
        it->second.done = true;
        --waiting_;
    }
    if (!fits) {
        ++c_.oversized;
        return std::nullopt;
    }
    ++c_.packets_reassembled;
    return pkt;
}

void MpReassembler::advance_floor() {
    while (!frags_.empty()) {
        auto first = frags_.begin();
        if (first->first != floor_) return;
        // A middle or last fragment at the floor lost its beginning: it can never complete.
        if (!first->second.done && (first->second.flags & kMpBegin)) return;
        if (erase(first)) ++c_.packets_lost;
        ++floor_;
    }
}

void MpReassembler::drop_oldest_packet() {
    // Give up everything up to the next first fragment after the oldest one held: the missing
    // fragments there are lost (RFC 1990 4.1, detected by bound rather than by link order).
    auto it = frags_.begin();
    uint64_t last = it->first;
    bool lost = erase(it);
    for (it = frags_.begin(); it != frags_.end() && (it->second.done || !(it->second.flags & kMpBegin));
         it = frags_.begin()) {
        last = it->first;
        lost |= erase(it);
    }
    if (lost) ++c_.packets_lost;
    floor_ = it != frags_.end() ? it->first : last + 1;
    advance_floor();
}

void MpReassembler::poll(Instant now) {
    while (!frags_.empty()) {
        Instant oldest = frags_.begin()->second.arrived;
        for (const auto& [k, f] : frags_) oldest = std::min(oldest, f.arrived);
        if (now - oldest < kFragmentTimeout) return;
        drop_oldest_packet();
    }
}

std::optional<Instant> MpReassembler::next_deadline() const {
    std::optional<Instant> d;
    for (const auto& [k, f] : frags_) merge_deadline(d, f.arrived + kFragmentTimeout);
    return d;
}

}  // namespace ksstp::ppp
