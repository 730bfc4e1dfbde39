// IoStatus: what a non-blocking TLS step needs before it can go on, or why it cannot.
#pragma once

#include <cstdint>

namespace ksstp::tls {

enum class IoStatus : uint8_t { WantRead, WantWrite, Closed, Error };

}  // namespace ksstp::tls
