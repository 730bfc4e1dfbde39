// IPCP option policy; see ipcp.h.
#include "controlplane/ppp/ipcp.h"

#include <string>

#include "controlplane/ppp/wire.h"

namespace ksstp::ppp {
namespace {
Bytes addr_bytes(Ipv4 a) { return {uint8_t(a >> 24), uint8_t(a >> 16), uint8_t(a >> 8), uint8_t(a)}; }
Ipv4 get_addr(ByteView v) { return Ipv4(v[0]) << 24 | Ipv4(v[1]) << 16 | Ipv4(v[2]) << 8 | v[3]; }
}  // namespace

std::string ipv4_to_string(Ipv4 a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
           std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

Ipcp::Ipcp(IpcpServerConfig cfg, LayerHooks hooks)
    : HookedOptionHandler(std::move(hooks)), server_(true), srv_(cfg) {
    want_addr_ = cfg.local;
    res_.local = cfg.local;
    res_.remote = cfg.remote;
    res_.dns1 = cfg.dns1;
    res_.dns2 = cfg.dns2;
}

Ipcp::Ipcp(Ipv4 wanted, bool want_dns, LayerHooks hooks)
    : HookedOptionHandler(std::move(hooks)), server_(false) {
    want_addr_ = wanted;
    if (want_dns) {
        want_dns1_ = 0;
        want_dns2_ = 0;
    }
}

void Ipcp::build_request(Bytes& o) {
    if (send_addr_) encode_option(uint8_t(IpcpOption::IpAddress), addr_bytes(want_addr_), o);
    if (want_dns1_) encode_option(uint8_t(IpcpOption::PrimaryDns), addr_bytes(*want_dns1_), o);
    if (want_dns2_) encode_option(uint8_t(IpcpOption::SecondaryDns), addr_bytes(*want_dns2_), o);
}

void Ipcp::begin_peer_request() {
    saw_addr_ = false;
    pending_peer_addr_ = 0;
}

OptionVerdict Ipcp::check_option(const Option& o) {
    const bool addr_len = o.value.size() == 4;
    switch (IpcpOption(o.type)) {
        case IpcpOption::IpAddress: {
            if (!addr_len) return OptionVerdict::reject();
            Ipv4 v = get_addr(o.value);
            saw_addr_ = true;
            if (server_) {
                if (v == srv_.remote) return OptionVerdict::ack();
                return OptionVerdict::nak(addr_bytes(srv_.remote));
            }
            if (v == 0) return OptionVerdict::reject();  // the server must know its address
            pending_peer_addr_ = v;
            return OptionVerdict::ack();
        }
        case IpcpOption::PrimaryDns:
        case IpcpOption::SecondaryDns: {
            const auto& dns = IpcpOption(o.type) == IpcpOption::PrimaryDns ? srv_.dns1 : srv_.dns2;
            if (!server_ || !addr_len || !dns) return OptionVerdict::reject();
            if (get_addr(o.value) == *dns) return OptionVerdict::ack();
            return OptionVerdict::nak(addr_bytes(*dns));
        }
        default:
            // NBNS (no WINS), VJ compression, IP-Addresses, unknown.
            return OptionVerdict::reject();
    }
}

void Ipcp::nak_hints(Bytes& hints) {
    // RFC 1332 3.3: a server may Nak an absent IP-Address to tell the client its address.
    if (server_ && !saw_addr_) encode_option(uint8_t(IpcpOption::IpAddress), addr_bytes(srv_.remote), hints);
}

void Ipcp::peer_request_acked() {
    if (!server_ && pending_peer_addr_) res_.remote = pending_peer_addr_;
}

void Ipcp::request_acked() {
    if (!server_) {
        res_.local = send_addr_ ? want_addr_ : 0;
        res_.dns1 = want_dns1_ && *want_dns1_ ? want_dns1_ : std::nullopt;
        res_.dns2 = want_dns2_ && *want_dns2_ ? want_dns2_ : std::nullopt;
    }
}

bool Ipcp::request_naked(const std::vector<Option>& opts) {
    if (server_) return true;  // our own address is not negotiable; the loop bound applies
    for (const Option& o : opts) {
        if (o.value.size() != 4) continue;
        Ipv4 v = get_addr(o.value);
        switch (IpcpOption(o.type)) {
            case IpcpOption::IpAddress: if (v) want_addr_ = v; break;
            case IpcpOption::PrimaryDns: if (want_dns1_) want_dns1_ = v; break;
            case IpcpOption::SecondaryDns: if (want_dns2_) want_dns2_ = v; break;
            default: break;
        }
    }
    return true;
}

bool Ipcp::request_rejected(const std::vector<Option>& opts) {
    for (const Option& o : opts) {
        switch (IpcpOption(o.type)) {
            case IpcpOption::IpAddress:
                // A client without an address cannot continue; a server can (RFC 1332 3.3).
                if (!server_ && want_addr_ == 0) return false;
                send_addr_ = false;
                break;
            case IpcpOption::PrimaryDns: want_dns1_.reset(); break;
            case IpcpOption::SecondaryDns: want_dns2_.reset(); break;
            default: break;
        }
    }
    return true;
}

}  // namespace ksstp::ppp
