// SSTP HTTP handshake; see http_handshake.h.
#include "controlplane/sstp/http_handshake.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

namespace ksstp::sstp {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Splits the header block into lines, accepting CRLF and bare LF.
std::vector<std::string_view> split_lines(std::string_view block) {
    std::vector<std::string_view> lines;
    while (!block.empty()) {
        size_t nl = block.find('\n');
        std::string_view line = block.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos) break;
        block.remove_prefix(nl + 1);
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
}

}  // namespace

std::optional<size_t> find_header_end(std::string_view s) {
    // The earliest of "\n\r\n" and "\n\n" ends the block (covers CRLF, bare LF and mixtures).
    for (size_t i = 0; i + 1 < s.size(); ++i) {
        if (s[i] != '\n') continue;
        if (s[i + 1] == '\n') return i + 2;
        if (s[i + 1] == '\r' && i + 2 < s.size() && s[i + 2] == '\n') return i + 3;
    }
    return std::nullopt;
}

std::string format_guid(const uint8_t (&b)[16]) {
    char out[40];
    std::snprintf(out, sizeof out,
                  "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return out;
}

std::string format_http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char out[40];
    std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return out;
}

std::string build_request(std::string_view host, std::string_view correlation_id) {
    // reference/sstp.md 3.1: Host, Content-Length, SSTPCORRELATIONID; one TLS write.
    std::string s;
    s.reserve(200);
    s.append(kSstpMethod).append(" ").append(kSstpUri).append(" HTTP/1.1\r\n");
    s.append("Host: ").append(host).append("\r\n");
    s.append("Content-Length: ").append(kUnboundedContentLength).append("\r\n");
    s.append("SSTPCORRELATIONID: ").append(correlation_id).append("\r\n\r\n");
    return s;
}

std::string build_response_ok(std::string_view http_date) {
    // 4.1 example headers. sstpc reads this with one SSL_read into at most 7 short headers
    // (interop.md B1), so it stays at four lines written as one record.
    std::string s;
    s.reserve(160);
    s.append("HTTP/1.1 200 OK\r\n");
    s.append("Content-Length: ").append(kUnboundedContentLength).append("\r\n");
    s.append("Server: Microsoft-HTTPAPI/2.0\r\n");
    s.append("Date: ").append(http_date).append("\r\n\r\n");
    return s;
}

std::string build_response_error(int status) {
    const char* reason = "Bad Request";
    switch (status) {
        case 404: reason = "Not Found"; break;
        case 405: reason = "Method Not Allowed"; break;
        case 431: reason = "Request Header Fields Too Large"; break;
        case 503: reason = "Service Unavailable"; break;
        case 505: reason = "HTTP Version Not Supported"; break;
        default: break;
    }
    std::string s = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
    s.append("Content-Length: 0\r\nConnection: close\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n");
    return s;
}

ParseState HttpRequestParser::feed(ByteView in, size_t& consumed) {
    consumed = 0;
    if (error_status_) return ParseState::Error;
    // Append only up to the cap plus what could finish the block; never grow without bound.
    size_t before = buf_.size();
    size_t room = kMaxHttpHeaderBlock - std::min(before, kMaxHttpHeaderBlock);
    std::string_view chunk = as_chars(in.first(std::min(in.size(), room)));
    buf_.append(chunk);
    // Search from a little before the old end: the terminator may straddle two chunks.
    auto end = find_header_end(std::string_view(buf_).substr(before >= 3 ? before - 3 : 0));
    if (!end) {
        consumed = chunk.size();
        if (buf_.size() >= kMaxHttpHeaderBlock) {
            error_status_ = 431;
            error_reason_ = "HTTP header block exceeds " + std::to_string(kMaxHttpHeaderBlock) + " bytes";
            return ParseState::Error;
        }
        return ParseState::NeedMore;
    }
    size_t block_end = *end + (before >= 3 ? before - 3 : 0);
    consumed = block_end - before;
    buf_.resize(block_end);
    return finish();
}

ParseState HttpRequestParser::finish() {
    auto error = [&](int status, std::string why) {
        error_status_ = status;
        error_reason_ = std::move(why);
        return ParseState::Error;
    };
    auto lines = split_lines(buf_);
    // Tolerate empty lines before the request line (RFC 9112 2.2).
    size_t first = 0;
    while (first < lines.size() && lines[first].empty()) ++first;
    if (first == lines.size()) return error(400, "empty HTTP request");
    std::string_view rl = lines[first];
    size_t sp1 = rl.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return error(400, "malformed HTTP request line");
    std::string_view method = rl.substr(0, sp1);
    std::string_view target = trim(rl.substr(sp1 + 1, sp2 - sp1 - 1));
    std::string_view version = trim(rl.substr(sp2 + 1));
    req_.method = std::string(method);
    req_.version = std::string(version);
    if (version.size() != 8 || !iequals(version.substr(0, 7), "HTTP/1."))
        return error(505, "unsupported HTTP version");
    if (size_t q = target.find('?'); q != std::string_view::npos) {
        std::string_view query = target.substr(q + 1);
        target = target.substr(0, q);
        // 3.2.4.1: an optional tenantid= parameter for HTTPS-terminating proxies; others ignored.
        while (!query.empty()) {
            size_t amp = query.find('&');
            std::string_view kv = query.substr(0, amp);
            if (kv.size() > 9 && iequals(kv.substr(0, 9), "tenantid="))
                req_.tenant_id = std::string(kv.substr(9, kMaxCorrelationIdLen));
            if (amp == std::string_view::npos) break;
            query.remove_prefix(amp + 1);
        }
    }
    req_.path = std::string(target);
    for (size_t i = first + 1; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return error(400, "malformed HTTP header line");
        std::string_view name = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "Host"))
            req_.host = std::string(value.substr(0, 255));
        else if (iequals(name, "SSTPCORRELATIONID"))
            req_.correlation_id = std::string(value.substr(0, kMaxCorrelationIdLen));
        // Content-Length is never a body length here (3.1): the "body" is the SSTP stream.
    }
    if (!iequals(method, kSstpMethod)) {
        // A browser or scanner: answer like a web server would (accel: 404 for GET).
        if (iequals(method, "GET") || iequals(method, "HEAD") || iequals(method, "POST"))
            return error(404, "not an SSTP request (method " + std::string(method.substr(0, 32)) + ")");
        return error(405, "unsupported HTTP method");
    }
    if (!iequals(target, kSstpUri)) return error(404, "wrong SSTP URI");
    return ParseState::Done;
}

ParseState HttpResponseParser::feed(ByteView in, size_t& consumed) {
    consumed = 0;
    if (!error_reason_.empty()) return ParseState::Error;
    size_t before = buf_.size();
    size_t room = kMaxHttpHeaderBlock - std::min(before, kMaxHttpHeaderBlock);
    std::string_view chunk = as_chars(in.first(std::min(in.size(), room)));
    buf_.append(chunk);
    size_t search_from = before >= 3 ? before - 3 : 0;
    auto end = find_header_end(std::string_view(buf_).substr(search_from));
    if (!end) {
        consumed = chunk.size();
        if (buf_.size() >= kMaxHttpHeaderBlock) {
            error_reason_ = "HTTP response header block too large";
            return ParseState::Error;
        }
        return ParseState::NeedMore;
    }
    size_t block_end = *end + search_from;
    consumed = block_end - before;
    buf_.resize(block_end);
    auto lines = split_lines(buf_);
    if (lines.empty()) {
        error_reason_ = "empty HTTP response";
        return ParseState::Error;
    }
    std::string_view sl = lines[0];
    // "HTTP/1.x NNN reason"
    if (sl.size() < 12 || !iequals(sl.substr(0, 7), "HTTP/1.") || sl[8] != ' ' ||
        !std::isdigit(static_cast<unsigned char>(sl[9])) ||
        !std::isdigit(static_cast<unsigned char>(sl[10])) ||
        !std::isdigit(static_cast<unsigned char>(sl[11]))) {
        error_reason_ = "malformed HTTP status line";
        return ParseState::Error;
    }
    resp_.status = (sl[9] - '0') * 100 + (sl[10] - '0') * 10 + (sl[11] - '0');
    resp_.reason = std::string(trim(sl.substr(12)).substr(0, 64));
    if (resp_.status != 200) {
        error_reason_ = "server answered HTTP " + std::to_string(resp_.status) +
                        (resp_.reason.empty() ? "" : " " + resp_.reason);
        return ParseState::Error;
    }
    return ParseState::Done;
}

}  // namespace ksstp::sstp
