// The SSTP HTTP handshake (MS-SSTP 3.2.4.1, 4.1; reference/sstp.md section 3): the client's
// SSTP_DUPLEX_POST request and the server's HTTP/1.1 200 response, built byte-exact and parsed
// tolerantly. Pure: the parsers take bytes as they arrive and report how many they consumed;
// bytes after the header block already belong to the SSTP stream and are left to the caller.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "controlplane/base/bytes.h"

namespace ksstp::sstp {

inline constexpr std::string_view kSstpMethod = "SSTP_DUPLEX_POST";
inline constexpr std::string_view kSstpUri = "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/";
inline constexpr std::string_view kUnboundedContentLength = "18446744073709551615";
// Header block cap: real requests are ~200 bytes; accel uses a few KiB, sorz 10 KiB.
inline constexpr size_t kMaxHttpHeaderBlock = 8192;
inline constexpr size_t kMaxCorrelationIdLen = 128;

// GUID text per MS-DTYP 2.3.4.3: {8-4-4-4-12} upper-case hex, from 16 random bytes.
std::string format_guid(const uint8_t (&b)[16]);
// RFC 1123 date in GMT, e.g. "Thu, 09 Nov 2006 00:51:09 GMT".
std::string format_http_date(std::time_t t);

std::string build_request(std::string_view host, std::string_view correlation_id);
std::string build_response_ok(std::string_view http_date);
// An error response that closes the connection (4.1 error path).
std::string build_response_error(int status);

enum class ParseState : uint8_t { NeedMore, Done, Error };

struct SstpRequest {
    std::string method;
    std::string path;       // query string stripped
    std::string version;    // "HTTP/1.1"
    std::string host;
    std::string correlation_id;  // opaque, capped
    std::string tenant_id;  // from "?tenantid=" when present
};

// Server side. Feed bytes until Done or Error; `consumed` counts the header block only.
class HttpRequestParser {
public:
    ParseState feed(ByteView in, size_t& consumed);
    const SstpRequest& request() const { return req_; }
    int error_status() const { return error_status_; }  // 400, 404, 405, 431, 505 on Error
    const std::string& error_reason() const { return error_reason_; }

private:
    ParseState finish();
    std::string buf_;
    SstpRequest req_;
    int error_status_ = 0;
    std::string error_reason_;
};

struct HttpResponse {
    int status = 0;
    std::string reason;
};

// Client side: reads until the blank line, never trusting one-record delivery.
class HttpResponseParser {
public:
    ParseState feed(ByteView in, size_t& consumed);
    const HttpResponse& response() const { return resp_; }
    const std::string& error_reason() const { return error_reason_; }

private:
    std::string buf_;
    HttpResponse resp_;
    std::string error_reason_;
};

// Finds the end of an HTTP header block in `s` (CRLF CRLF, or bare LF LF); returns the offset
// just past it.
std::optional<size_t> find_header_end(std::string_view s);

}  // namespace ksstp::sstp
