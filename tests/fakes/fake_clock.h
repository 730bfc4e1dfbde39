// Fake time for the pure state machines: tests advance it explicitly.
#pragma once

#include "controlplane/base/clock.h"

namespace ksstp::test {

struct FakeClock {
    Instant t{1'000'000};
    Instant now() const { return t; }
    void advance(Duration d) { t += d; }
};

}  // namespace ksstp::test
