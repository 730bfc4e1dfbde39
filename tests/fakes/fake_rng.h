// Deterministic Rng for tests and fuzzers (picotls' fuzz targets plug in the same kind of RNG):
// a seeded xorshift64*, so every run of a test sees the same nonces and challenges.
#pragma once

#include "controlplane/base/clock.h"

namespace ksstp::test {

class FakeRng final : public Rng {
public:
    explicit FakeRng(uint64_t seed = 0x5eed5eed5eed5eedULL) : s_(seed ? seed : 1) {}
    void fill(std::span<uint8_t> out) override {
        for (auto& b : out) {
            s_ ^= s_ >> 12;
            s_ ^= s_ << 25;
            s_ ^= s_ >> 27;
            b = uint8_t((s_ * 0x2545F4914F6CDD1DULL) >> 56);
        }
    }

private:
    uint64_t s_;
};

// Always the same bytes: for tests that need a known nonce or challenge.
class FixedRng final : public Rng {
public:
    explicit FixedRng(uint8_t v) : v_(v) {}
    void fill(std::span<uint8_t> out) override {
        for (auto& b : out) b = v_++;
    }

private:
    uint8_t v_;
};

}  // namespace ksstp::test
