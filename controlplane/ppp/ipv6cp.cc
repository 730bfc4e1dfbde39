// IPv6CP; see ipv6cp.h. RFC 5072 4.1 and pppd's ipv6cp_reqci for the Nak rules.
#include "controlplane/ppp/ipv6cp.h"

#include <cstdio>

#include "controlplane/ppp/wire.h"

namespace ksstp::ppp {
namespace {
Bytes iid_bytes(uint64_t v) {
    Bytes b(8);
    for (int i = 0; i < 8; ++i) b[size_t(i)] = uint8_t(v >> (56 - 8 * i));
    return b;
}
uint64_t get_iid(ByteView v) {
    uint64_t r = 0;
    for (uint8_t c : v) r = r << 8 | c;
    return r;
}
}  // namespace

std::string link_local_string(uint64_t iid) {
    char s[48];
    std::snprintf(s, sizeof s, "fe80::%x:%x:%x:%x", unsigned(iid >> 48), unsigned((iid >> 32) & 0xFFFF),
                  unsigned((iid >> 16) & 0xFFFF), unsigned(iid & 0xFFFF));
    return s;
}

Ipv6cp::Ipv6cp(Rng& rng, LayerHooks hooks) : HookedOptionHandler(std::move(hooks)), rng_(rng) {
    want_ = fresh_iid();
}

uint64_t Ipv6cp::fresh_iid() {
    uint64_t v;
    do v = rng_.u64();
    while (v == 0 || v == want_ || v == last_peer_);
    return v;
}

void Ipv6cp::build_request(Bytes& o) {
    if (send_iid_) encode_option(uint8_t(Ipv6cpOption::InterfaceIdentifier), iid_bytes(want_), o);
}

OptionVerdict Ipv6cp::check_option(const Option& o) {
    if (o.type != uint8_t(Ipv6cpOption::InterfaceIdentifier) || o.value.size() != 8)
        return OptionVerdict::reject();
    uint64_t v = get_iid(o.value);
    if (v == 0 && !send_iid_) return OptionVerdict::reject();  // both zero: nothing to agree on
    if (v == 0 || v == want_) return OptionVerdict::nak(iid_bytes(fresh_iid()));
    pending_ = v;
    return OptionVerdict::ack();
}

void Ipv6cp::peer_request_acked() {
    if (pending_) res_.remote_iid = last_peer_ = pending_;
}

bool Ipv6cp::request_naked(const std::vector<Option>& opts) {
    for (const Option& o : opts) {
        if (o.type != uint8_t(Ipv6cpOption::InterfaceIdentifier) || o.value.size() != 8) continue;
        uint64_t v = get_iid(o.value);
        want_ = (v != 0 && v != last_peer_) ? v : fresh_iid();
    }
    return true;
}

bool Ipv6cp::request_rejected(const std::vector<Option>& opts) {
    for (const Option& o : opts)
        if (o.type == uint8_t(Ipv6cpOption::InterfaceIdentifier)) send_iid_ = false;
    return true;
}

}  // namespace ksstp::ppp
