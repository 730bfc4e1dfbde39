// Fuzz target: the HTTP handshake parsers and the http-proxy address. Invariants: consumed never
// exceeds what was fed, the buffered header block stays under the cap, the verdict does not depend
// on chunking; an accepted proxy address has a host and a numeric port and its CONNECT request is
// one header block.
#include <cstdint>
#include <cstdlib>

#include "controlplane/sstp/http_connect.h"
#include "controlplane/sstp/http_handshake.h"

using namespace ksstp;
using namespace ksstp::sstp;

namespace {
template <class Parser>
std::pair<ParseState, size_t> run(ByteView in, size_t chunk) {
    Parser p;
    size_t total = 0;
    ParseState st = ParseState::NeedMore;
    for (size_t off = 0; off < in.size() && st == ParseState::NeedMore; off += chunk) {
        ByteView part = in.subspan(off, std::min(chunk, in.size() - off));
        size_t used = 0;
        st = p.feed(part, used);
        if (used > part.size()) std::abort();
        total += used;
    }
    if (total > kMaxHttpHeaderBlock) std::abort();
    return {st, total};
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    bool response = data[0] & 1;
    size_t chunk = size_t(data[0] >> 1) % 16 + 1;
    ByteView in(data + 1, size - 1);
    auto a = response ? run<HttpResponseParser>(in, in.size() ? in.size() : 1) : run<HttpRequestParser>(in, in.size() ? in.size() : 1);
    auto b = response ? run<HttpResponseParser>(in, chunk) : run<HttpRequestParser>(in, chunk);
    // Done/Error must not depend on chunking; NeedMore vs Error may differ only at the cap.
    if (a.first != b.first) std::abort();
    if (a.first == ParseState::Done && a.second != b.second) std::abort();
    std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
    if (auto p = parse_proxy_address(text)) {
        if (p->host.empty() || p->port.empty() || p->port.find_first_not_of("0123456789") != std::string::npos)
            std::abort();
        std::string req = build_connect_request(*p, "vpn.example.net", "443");
        auto end = find_header_end(req);
        if (!end || *end != req.size()) std::abort();
    }
    return 0;
}
