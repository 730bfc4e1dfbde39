// Non-data TLS records on the kTLS path; see ktls_record.h.
#include "controlplane/tls/ktls_record.h"

#include <linux/tls.h>

#include <cstring>

namespace ksstp::tls {

namespace {
constexpr uint8_t kCloseNotify = 0;
constexpr uint8_t kUserCanceled = 90;
constexpr uint8_t kLevelWarning = 1;

RecordVerdict fatal(std::string why) { return {RecordVerdict::Kind::Fatal, false, std::move(why)}; }

RecordVerdict alert(ByteView p, bool tls13) {
    if (p.size() != 2) return fatal("malformed TLS alert (" + std::to_string(p.size()) + " bytes)");
    const uint8_t level = p[0], desc = p[1];
    if (desc == kCloseNotify) return {RecordVerdict::Kind::Closed, false, "peer closed TLS (close_notify)"};
    // RFC 8446 6.1: user_canceled is followed by close_notify; RFC 5246 7.2: a warning alert
    // other than close_notify may be ignored. TLS 1.3 treats every other alert as an error
    // whatever its level (RFC 8446 6.2).
    if (desc == kUserCanceled || (!tls13 && level == kLevelWarning)) return {RecordVerdict::Kind::Ignore, false, {}};
    return fatal("peer sent TLS alert " + alert_name(desc) + " (" + std::to_string(desc) + ")");
}

RecordVerdict handshake(ByteView p, bool tls13) {
    RecordVerdict v{RecordVerdict::Kind::Ignore, false, {}};
    ByteReader r(p);
    if (r.empty()) return fatal("empty TLS handshake record");
    while (!r.empty()) {
        const uint8_t type = r.u8();
        const uint32_t len = r.u24();
        ByteView body = r.bytes(len);
        if (!r.ok()) return fatal("TLS handshake message split across records (type " + std::to_string(type) + ")");
        if (v.kind == RecordVerdict::Kind::KeyUpdate)
            // RFC 8446 5.1: a message before a key change ends its record.
            return fatal("TLS handshake data after a KeyUpdate in the same record");
        if (tls13 && type == kNewSessionTicket) continue;  // resumption is not used: nothing to keep
        if (tls13 && type == kKeyUpdate) {
            if (body.size() != 1 || body[0] > 1) return fatal("malformed TLS KeyUpdate");
            v.kind = RecordVerdict::Kind::KeyUpdate;
            v.update_requested = body[0] == 1;
            continue;
        }
        // SSL_OP_NO_RENEGOTIATION: a TLS 1.2 server's HelloRequest is declined by ignoring it
        // (RFC 5246 7.4.1.1: a client may).
        if (!tls13 && type == kHelloRequest && body.empty()) continue;
        return fatal("unexpected TLS handshake message " + std::to_string(type) + " after the handshake");
    }
    return v;
}
}  // namespace

RecordVerdict classify_record(uint8_t type, ByteView payload, bool tls13) {
    switch (ContentType(type)) {
        case ContentType::ApplicationData: return {};
        case ContentType::Alert: return alert(payload, tls13);
        case ContentType::Handshake: return handshake(payload, tls13);
        case ContentType::ChangeCipherSpec: return fatal("unexpected TLS ChangeCipherSpec after the handshake");
    }
    return fatal("unknown TLS record type " + std::to_string(type));
}

std::optional<uint8_t> record_type_of(const msghdr& m) {
    // CMSG_FIRSTHDR/NXTHDR only walk what msg_controllen says the kernel filled in.
    for (const cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&m), const_cast<cmsghdr*>(c))) {
        if (c->cmsg_level == SOL_TLS && c->cmsg_type == TLS_GET_RECORD_TYPE && c->cmsg_len >= CMSG_LEN(1)) {
            uint8_t t;
            std::memcpy(&t, CMSG_DATA(c), 1);
            return t;
        }
    }
    return std::nullopt;
}

std::string alert_name(uint8_t d) {
    switch (d) {
        case 0: return "close_notify";
        case 10: return "unexpected_message";
        case 20: return "bad_record_mac";
        case 22: return "record_overflow";
        case 40: return "handshake_failure";
        case 42: return "bad_certificate";
        case 43: return "unsupported_certificate";
        case 44: return "certificate_revoked";
        case 45: return "certificate_expired";
        case 46: return "certificate_unknown";
        case 47: return "illegal_parameter";
        case 48: return "unknown_ca";
        case 49: return "access_denied";
        case 50: return "decode_error";
        case 51: return "decrypt_error";
        case 70: return "protocol_version";
        case 71: return "insufficient_security";
        case 80: return "internal_error";
        case 86: return "inappropriate_fallback";
        case 90: return "user_canceled";
        case 100: return "no_renegotiation";
        case 109: return "missing_extension";
        case 110: return "unsupported_extension";
        case 112: return "unrecognized_name";
        case 113: return "bad_certificate_status_response";
        case 115: return "unknown_psk_identity";
        case 116: return "certificate_required";
        case 120: return "no_application_protocol";
        default: return "unknown";
    }
}

}  // namespace ksstp::tls
