// Callbacks through which an option handler tells PppSession that its layer went up, down or
// finished (RFC 1661 tlu / tld / tlf). Kept apart so the handlers do not know the session.
#pragma once

#include <functional>
#include <string>

#include "controlplane/base/clock.h"

namespace ksstp::ppp {

struct LayerHooks {
    std::function<void(Instant)> up;
    std::function<void(Instant)> down;
    std::function<void(const std::string&)> finished;
};

}  // namespace ksstp::ppp
