// Callbacks through which an option handler tells PppSession that its layer went up, down or
// finished (RFC 1661 tlu / tld / tlf). Kept apart so the handlers do not know the session.
#pragma once

#include <functional>
#include <string>

#include "controlplane/base/clock.h"
#include "controlplane/ppp/option_fsm.h"

namespace ksstp::ppp {

struct LayerHooks {
    std::function<void(Instant)> up;
    std::function<void(Instant)> down;
    std::function<void(const std::string&)> finished;
};

// An OptionHandler whose layer actions go to LayerHooks (LCP, IPCP, IPv6CP all are).
class HookedOptionHandler : public OptionHandler {
public:
    void this_layer_up(Instant now) override { hooks_.up(now); }
    void this_layer_down(Instant now) override { hooks_.down(now); }
    void this_layer_finished(const std::string& why) override { hooks_.finished(why); }

protected:
    explicit HookedOptionHandler(LayerHooks hooks) : hooks_(std::move(hooks)) {}

private:
    LayerHooks hooks_;
};

}  // namespace ksstp::ppp
