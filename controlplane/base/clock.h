// Injected time and randomness for the pure state machines (picotls' ptls_context_t idea).
//
// State machines never read a clock or an RNG themselves: every event carries `now`, and
// randomness comes through the Rng interface, so tests and fuzzers are deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

namespace ksstp {

// Milliseconds on a monotonic clock with an arbitrary epoch.
using Instant = std::chrono::milliseconds;
using Duration = std::chrono::milliseconds;

class Rng {
public:
    virtual ~Rng() = default;
    virtual void fill(std::span<uint8_t> out) = 0;
    uint32_t u32() {
        uint8_t b[4];
        fill(b);
        return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
    }
    uint64_t u64() { return uint64_t(u32()) << 32 | u32(); }
};

// Smallest of several optional deadlines.
inline void merge_deadline(std::optional<Instant>& acc, std::optional<Instant> d) {
    if (d && (!acc || *d < *acc)) acc = d;
}

}  // namespace ksstp
