// The production Rng: OpenSSL's DRBG (RAND_bytes). Tests inject tests/fakes/fake_rng.h.
#pragma once

#include "controlplane/base/clock.h"

namespace ksstp::crypto {

class SystemRng final : public Rng {
public:
    void fill(std::span<uint8_t> out) override;
};

}  // namespace ksstp::crypto
