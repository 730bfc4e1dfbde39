// Fuzz target: a record the kernel's TLS passed up, as classify_record sees it (first byte: the
// record type, second: TLS 1.3 or not, the rest: the plaintext). Invariants: only type 23 is
// data; only TLS 1.3 handshake records update keys; only an alert closes; every verdict that
// ends the connection says why; nothing is read outside the payload (ASan).
#include <cstdint>
#include <cstdlib>

#include "controlplane/tls/ktls_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    using Kind = ksstp::tls::RecordVerdict::Kind;
    const uint8_t type = data[0];
    const bool tls13 = data[1] & 1;
    ksstp::tls::RecordVerdict v = ksstp::tls::classify_record(type, ksstp::ByteView(data + 2, size - 2), tls13);
    if ((v.kind == Kind::Data) != (type == 23)) std::abort();
    if (v.kind == Kind::KeyUpdate && !(tls13 && type == 22)) std::abort();
    if (v.kind == Kind::Closed && type != 21) std::abort();
    if ((v.kind == Kind::Closed || v.kind == Kind::Fatal) && v.why.empty()) std::abort();
    if (v.kind != Kind::KeyUpdate && v.update_requested) std::abort();
    return 0;
}
