// HTTP handshake: byte-exact builders (reference/sstp.md 3) and tolerant parsers (the variants
// of reference/interop.md: sstpc, OSC, proxies, bare LF, query strings).
#include "controlplane/sstp/http_handshake.h"

#include <gtest/gtest.h>

namespace ksstp::sstp {
namespace {

ParseState parse_request(std::string_view text, HttpRequestParser& p, size_t chunk = 0) {
    ParseState st = ParseState::NeedMore;
    size_t off = 0;
    if (chunk == 0) chunk = text.size();
    while (off < text.size() && st == ParseState::NeedMore) {
        size_t used = 0;
        st = p.feed(as_bytes(text.substr(off, chunk)), used);
        off += used;
        if (st == ParseState::NeedMore) {
            EXPECT_EQ(used, std::min(chunk, text.size() - (off - used)));
        }
    }
    return st;
}

TEST(HttpHandshake, BuildsTheRequestByteExact) {
    EXPECT_EQ(build_request("vpn.example.net", "{6E3CE0E8-53F5-4C3F-9A1D-2F2B7D0A1C55}"),
              "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
              "Host: vpn.example.net\r\n"
              "Content-Length: 18446744073709551615\r\n"
              "SSTPCORRELATIONID: {6E3CE0E8-53F5-4C3F-9A1D-2F2B7D0A1C55}\r\n\r\n");
}

TEST(HttpHandshake, BuildsTheResponseByteExact) {
    EXPECT_EQ(build_response_ok(format_http_date(1163033469)),
              "HTTP/1.1 200 OK\r\n"
              "Content-Length: 18446744073709551615\r\n"
              "Server: Microsoft-HTTPAPI/2.0\r\n"
              "Date: Thu, 09 Nov 2006 00:51:09 GMT\r\n\r\n");
}

TEST(HttpHandshake, FormatsGuidsPerMsDtyp) {
    const uint8_t b[16] = {0x6E, 0x3C, 0xE0, 0xE8, 0x53, 0xF5, 0x4C, 0x3F, 0x9A, 0x1D, 0x2F, 0x2B, 0x7D, 0x0A, 0x1C, 0x55};
    EXPECT_EQ(format_guid(b), "{6E3CE0E8-53F5-4C3F-9A1D-2F2B7D0A1C55}");
}

TEST(HttpHandshake, ParsesOurOwnRequestOneByteAtATime) {
    std::string req = build_request("vpn.example.net", "{ABC}");
    HttpRequestParser p;
    ASSERT_EQ(parse_request(req, p, 1), ParseState::Done);
    EXPECT_EQ(p.request().host, "vpn.example.net");
    EXPECT_EQ(p.request().correlation_id, "{ABC}");
}

TEST(HttpHandshake, ToleratesRealClientVariants) {
    const char* variants[] = {
        // sstpc: not a valid GUID, its own order
        "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: 198.18.0.1\r\n"
        "Content-Length: 18446744073709551615\r\nSSTPCORRELATIONID: {1A2B-3C-4D-5E6F}\r\n\r\n",
        // OSC: Content-Length first
        "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nContent-Length: "
        "18446744073709551615\r\nHost: h\r\nSSTPCORRELATIONID: {x}\r\n\r\n",
        // lower-case method and URI, odd header case, no spaces after colons, extra proxy headers
        "sstp_duplex_post /SRA_{ba195980-cd49-458B-9e23-c84ee0adcd75}/ HTTP/1.1\r\nhost:h\r\n"
        "X-Forwarded-For: 198.18.0.9\r\nsstpcorrelationid:{y}\r\n\r\n",
        // bare LF line ends and terminator
        "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\nHost: h\n\n",
        // tenantid query (MS-SSTP 3.2.4.1), HTTP/1.0, no Host
        "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/?tenantid=contoso HTTP/1.0\r\n\r\n",
    };
    for (const char* v : variants) {
        HttpRequestParser p;
        EXPECT_EQ(parse_request(v, p), ParseState::Done) << v << " -> " << p.error_reason();
    }
    HttpRequestParser p;
    ASSERT_EQ(parse_request(variants[4], p), ParseState::Done);
    EXPECT_EQ(p.request().tenant_id, "contoso");
    EXPECT_EQ(p.request().path, std::string(kSstpUri));
}

TEST(HttpHandshake, LeavesSstpBytesAfterTheHeaderBlock) {
    std::string s = build_request("h", "{z}") + std::string("\x10\x01\x00\x0E", 4);
    HttpRequestParser p;
    size_t used = 0;
    ASSERT_EQ(p.feed(as_bytes(s), used), ParseState::Done);
    EXPECT_EQ(used, s.size() - 4);
}

TEST(HttpHandshake, RefusesOtherRequestsWithTheRightStatus) {
    struct Case { const char* req; int status; };
    const Case cases[] = {
        {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 404},
        {"SSTP_DUPLEX_POST /other/ HTTP/1.1\r\n\r\n", 404},
        {"BREW /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n\r\n", 405},
        {"SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/2.0\r\n\r\n", 505},
        {"garbage\r\n\r\n", 400},
        {"SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nno colon here\r\n\r\n", 400},
    };
    for (const auto& c : cases) {
        HttpRequestParser p;
        EXPECT_EQ(parse_request(c.req, p), ParseState::Error) << c.req;
        EXPECT_EQ(p.error_status(), c.status) << c.req;
    }
    EXPECT_NE(build_response_error(404).find("HTTP/1.1 404 Not Found\r\n"), std::string::npos);
    EXPECT_NE(build_response_error(404).find("Connection: close"), std::string::npos);
}

TEST(HttpHandshake, CapsTheHeaderBlock) {
    HttpRequestParser p;
    std::string endless = "SSTP_DUPLEX_POST " + std::string(20000, 'a');
    size_t used = 0;
    EXPECT_EQ(p.feed(as_bytes(endless), used), ParseState::Error);
    EXPECT_EQ(p.error_status(), 431);
    EXPECT_LE(used, kMaxHttpHeaderBlock);
}

TEST(HttpHandshake, ResponseParserAcceptsServersAndRejectsErrors) {
    const char* ok[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 18446744073709551615\r\nConnection: keep-alive\r\n\r\n",
        "HTTP/1.0 200 Connection established\n\n",
    };
    for (const char* r : ok) {
        HttpResponseParser p;
        size_t used = 0;
        EXPECT_EQ(p.feed(as_bytes(r), used), ParseState::Done) << r;
        EXPECT_EQ(used, std::string_view(r).size());
    }
    HttpResponseParser p;
    size_t used = 0;
    EXPECT_EQ(p.feed(as_bytes("HTTP/1.1 404 Not Found\r\n\r\n"), used), ParseState::Error);
    EXPECT_EQ(p.response().status, 404);
    EXPECT_NE(p.error_reason().find("404"), std::string::npos);
}

}  // namespace
}  // namespace ksstp::sstp
