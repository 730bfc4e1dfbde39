// Multilink PPP over a single link (RFC 1990), as MikroTik's `mrru` uses it: packets larger than
// the link MTU are cut into MP fragments (protocol 0x003D) and put back together by the peer, so a
// full 1500-byte packet crosses a tunnel whose MTU is smaller (reference/ppp.md 4.8).
//
// Pure: bytes in, bytes out, clock passed in. Only the long sequence number format (RFC 1990 3.4,
// 24 bits) is used: we never ack Short-Sequence-Number-Header-Format (option 18), so the peer
// sends long headers too.
//
// MpReassembler is bounded: at most kMaxFragments fragments and 2 x MRRU bytes are held, and a
// fragment waits at most kFragmentTimeout for the rest of its packet. A packet with a missing
// fragment is dropped (counted) when a bound is hit; packets after it are not held up (complete
// packets are delivered as soon as all their fragments are there, whatever the order).
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "controlplane/base/bytes.h"
#include "controlplane/base/clock.h"

namespace ksstp::ppp {

inline constexpr size_t kMpHeaderLen = 4;  // B E 0 0 0 0 0 0 + 24-bit sequence number
inline constexpr uint32_t kMpSeqMask = 0xFFFFFF;
inline constexpr uint8_t kMpBegin = 0x80;
inline constexpr uint8_t kMpEnd = 0x40;
inline constexpr uint16_t kMaxMrru = 16384;  // config limit; larger peer MRRUs are capped

struct MpCounters {
    uint64_t fragments_in = 0;
    uint64_t packets_reassembled = 0;
    uint64_t fragments_dropped = 0;  // stale, duplicate, malformed or of a packet given up
    uint64_t packets_lost = 0;       // incomplete packets given up (timeout or buffer cap)
    uint64_t oversized = 0;          // reassembled packet longer than our MRRU
};

// Sending side: cuts "protocol + datagram" into MP frames whose information field fits the link.
class MpFragmenter {
public:
    // Appends whole PPP frames (FF 03 00 3D + MP header + piece) to `frames`, each with an
    // information field of at most `link_mtu` bytes.
    void fragment(uint16_t protocol, ByteView datagram, uint16_t link_mtu, std::vector<Bytes>& frames);
    uint32_t next_sequence() const { return seq_; }
    void set_next_sequence(uint32_t s) { seq_ = s & kMpSeqMask; }  // tests: wrap-around

private:
    uint32_t seq_ = 0;
};

// Receiving side.
class MpReassembler {
public:
    static constexpr size_t kMaxFragments = 64;
    static constexpr Duration kFragmentTimeout{1000};

    explicit MpReassembler(uint16_t mrru) : mrru_(mrru) {}
    // `info` is the MP packet after the PPP protocol field. Returns the reassembled PPP payload
    // (inner protocol field + data) when this fragment completed a packet (a fragment belongs to
    // exactly one packet, so one call completes at most one).
    std::optional<Bytes> feed(ByteView info, Instant now);
    // Gives up on packets whose fragments waited longer than kFragmentTimeout.
    void poll(Instant now);
    std::optional<Instant> next_deadline() const;
    const MpCounters& counters() const { return c_; }
    size_t held_fragments() const { return waiting_; }  // received, packet not complete yet
    size_t held_bytes() const { return bytes_; }

private:
    struct Fragment {
        uint8_t flags;
        bool done;  // delivered; kept until floor_ passes it so a late duplicate is recognised
        Bytes data;
        Instant arrived;
    };
    std::optional<Bytes> complete_around(uint64_t seq);
    void drop_oldest_packet();
    void advance_floor();
    bool erase(std::map<uint64_t, Fragment>::iterator it);  // true: it was waiting (not delivered)

    uint16_t mrru_;
    bool started_ = false;
    uint64_t floor_ = 0;  // unwrapped sequence: everything below is delivered or given up
    std::map<uint64_t, Fragment> frags_;  // by unwrapped sequence number
    size_t bytes_ = 0;
    size_t waiting_ = 0;
    MpCounters c_;
};

}  // namespace ksstp::ppp
