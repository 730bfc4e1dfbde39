// http-proxy: the proxy address forms a MikroTik user may write, the CONNECT request byte-exact
// (with RFC 7617 Basic credentials), and the refusals a bad address gets.
#include "controlplane/sstp/http_connect.h"

#include <gtest/gtest.h>

namespace ksstp::sstp {
namespace {

TEST(ProxyAddress, HostPortForms) {
    auto a = parse_proxy_address("proxy.example.net:3128");
    ASSERT_TRUE(a) << a.error();
    EXPECT_EQ(a->host, "proxy.example.net");
    EXPECT_EQ(a->port, "3128");
    EXPECT_TRUE(a->user.empty());
    auto b = parse_proxy_address("http://198.18.0.1:8080/");
    ASSERT_TRUE(b) << b.error();
    EXPECT_EQ(b->host, "198.18.0.1");
    EXPECT_EQ(b->port, "8080");
    auto c = parse_proxy_address("[2001:db8::1]:3128");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->host, "2001:db8::1");
}

TEST(ProxyAddress, CredentialsArePercentDecoded) {
    auto a = parse_proxy_address("http://bob:p%40ss%3Aword@proxy:3128");
    ASSERT_TRUE(a) << a.error();
    EXPECT_EQ(a->user, "bob");
    EXPECT_EQ(a->password, "p@ss:word");
    EXPECT_EQ(a->host, "proxy");
    auto b = parse_proxy_address("bob@proxy:3128");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->user, "bob");
    EXPECT_EQ(b->password, "");
}

TEST(ProxyAddress, RefusalsSayWhatIsWrong) {
    EXPECT_EQ(parse_proxy_address("proxy").error(), "no proxy port (expected host:port)");
    EXPECT_EQ(parse_proxy_address("proxy:0").error(), "bad proxy port \"0\"");
    EXPECT_EQ(parse_proxy_address("proxy:99999").error(), "bad proxy port \"99999\"");
    EXPECT_EQ(parse_proxy_address("proxy:http").error(), "bad proxy port \"http\"");
    EXPECT_EQ(parse_proxy_address("2001:db8::1:3128").error(), "put an IPv6 proxy address in brackets: [2001:db8::1]:3128");
    EXPECT_EQ(parse_proxy_address("[2001:db8::1:3128").error(), "missing ']' after the IPv6 address");
    EXPECT_EQ(parse_proxy_address("socks5://proxy:1080").error(), "only http:// proxies are supported (HTTP CONNECT)");
    EXPECT_EQ(parse_proxy_address(":3128").error(), "no proxy host");
    EXPECT_EQ(parse_proxy_address("a%4@proxy:3128").error(), "bad percent escape in the credentials");
    EXPECT_EQ(parse_proxy_address(":pw@proxy:3128").error(), "empty proxy user name before '@'");
}

TEST(ConnectRequest, WithoutAndWithCredentials) {
    ProxyAddress p{"proxy", "3128", "", ""};
    EXPECT_EQ(build_connect_request(p, "vpn.example.net", "443"),
              "CONNECT vpn.example.net:443 HTTP/1.1\r\nHost: vpn.example.net:443\r\nUser-Agent: ksstpc\r\n\r\n");
    p.user = "Aladdin";
    p.password = "open sesame";  // RFC 7617 2 example
    EXPECT_EQ(build_connect_request(p, "2001:db8::2", "443"),
              "CONNECT [2001:db8::2]:443 HTTP/1.1\r\nHost: [2001:db8::2]:443\r\n"
              "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\nUser-Agent: ksstpc\r\n\r\n");
}

}  // namespace
}  // namespace ksstp::sstp
