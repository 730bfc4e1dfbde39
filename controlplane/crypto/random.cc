#include "controlplane/crypto/random.h"

#include <openssl/rand.h>

#include <cstdlib>

namespace ksstp::crypto {

void SystemRng::fill(std::span<uint8_t> out) {
    // A DRBG that cannot produce bytes must not silently yield predictable nonces.
    if (RAND_bytes(out.data(), int(out.size())) != 1) std::abort();
}

}  // namespace ksstp::crypto
