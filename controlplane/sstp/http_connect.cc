// HTTP CONNECT request and proxy address; see http_connect.h.
#include "controlplane/sstp/http_connect.h"

#include <openssl/evp.h>

namespace ksstp::sstp {
namespace {

Result<std::string, std::string> percent_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                                 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
        if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
            return fail(std::string("bad percent escape in the credentials"));
        out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        i += 2;
    }
    return out;
}

std::string host_port(std::string_view host, std::string_view port) {
    const bool v6 = host.find(':') != std::string_view::npos;
    return (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::string(port);
}

std::string base64(std::string_view s) {
    std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(s.data()), int(s.size()));
    out.resize(size_t(n));
    return out;
}

}  // namespace

Result<ProxyAddress, std::string> parse_proxy_address(std::string_view t) {
    if (t.starts_with("http://")) t.remove_prefix(7);
    else if (t.find("://") != std::string_view::npos)
        return fail(std::string("only http:// proxies are supported (HTTP CONNECT)"));
    if (!t.empty() && t.back() == '/') t.remove_suffix(1);
    ProxyAddress p;
    if (size_t at = t.rfind('@'); at != std::string_view::npos) {
        std::string_view cred = t.substr(0, at);
        t.remove_prefix(at + 1);
        size_t colon = cred.find(':');
        auto user = percent_decode(cred.substr(0, colon));
        if (!user) return fail(user.error());
        p.user = *user;
        if (colon != std::string_view::npos) {
            auto pw = percent_decode(cred.substr(colon + 1));
            if (!pw) return fail(pw.error());
            p.password = *pw;
        }
        if (p.user.empty()) return fail(std::string("empty proxy user name before '@'"));
    }
    size_t colon;
    if (!t.empty() && t[0] == '[') {
        size_t close = t.find(']');
        if (close == std::string_view::npos) return fail(std::string("missing ']' after the IPv6 address"));
        p.host = std::string(t.substr(1, close - 1));
        colon = close + 1 < t.size() && t[close + 1] == ':' ? close + 1 : std::string_view::npos;
    } else {
        colon = t.rfind(':');
        if (colon != std::string_view::npos && t.find(':') != colon)
            return fail(std::string("put an IPv6 proxy address in brackets: [2001:db8::1]:3128"));
        p.host = std::string(t.substr(0, colon));
    }
    if (p.host.empty()) return fail(std::string("no proxy host"));
    if (colon == std::string_view::npos) return fail(std::string("no proxy port (expected host:port)"));
    p.port = std::string(t.substr(colon + 1));
    if (p.port.empty() || p.port.size() > 5 || p.port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(p.port) == 0 || std::stoul(p.port) > 65535)
        return fail("bad proxy port \"" + p.port + "\"");
    if (p.host.find_first_of(" \t\r\n/?#@") != std::string::npos) return fail("bad proxy host \"" + p.host + "\"");
    return p;
}

std::string build_connect_request(const ProxyAddress& proxy, std::string_view host, std::string_view port) {
    const std::string target = host_port(host, port);
    std::string r = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
    if (!proxy.user.empty())
        r += "Proxy-Authorization: Basic " + base64(proxy.user + ":" + proxy.password) + "\r\n";
    r += "User-Agent: ksstpc\r\n\r\n";
    return r;
}

}  // namespace ksstp::sstp
