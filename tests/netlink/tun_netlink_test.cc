// TUN + libnl-route, for real, inside a private network namespace (integration): create a
// session interface, configure it like a session (point-to-point IPv4, IPv6 link-local, MTU,
// up), see a packet routed to the peer arrive on the TUN fd, delete it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "netlink/if_addr.h"
#include "netlink/if_link.h"
#include "netlink/session_link.h"
#include "netlink/tun_device.h"
#include "dataplane/gso.h"
#include "tests/dataplane/test_packets.h"
#include "tests/fakes/private_netns.h"

namespace ksstp::nl {
namespace {

constexpr uint32_t kLocal = 0xC6130001;  // 198.19.0.1
constexpr uint32_t kPeer = 0xC613000A;   // 198.19.0.10

TEST(TunNetlink, ConfiguresASessionInterfaceAndCarriesAPacket) {
    KSSTP_REQUIRE_NETNS();
    auto sk = NlSock::open();
    ASSERT_TRUE(sk.has_value()) << sk.error();
    auto tun = TunDevice::create("sstp-alice");
    ASSERT_TRUE(tun.has_value()) << tun.error();
    EXPECT_EQ(tun->name(), "sstp-alice");
    ASSERT_TRUE(add_ipv4_ptp(*sk, tun->ifindex(), kLocal, kPeer).has_value());
    ASSERT_TRUE(add_ipv6_link_local(*sk, tun->ifindex(), 0x0211223344556677ULL, 0x02aabbccddeeff00ULL).has_value());
    ASSERT_TRUE(set_mtu_and_up(*sk, tun->ifindex(), 1400).has_value());

    LinkState st = link_state(*sk, tun->ifindex());
    EXPECT_TRUE(st.exists);
    EXPECT_TRUE(st.up);
    EXPECT_EQ(st.mtu, 1400u);
    auto addrs = list_addresses(*sk, tun->ifindex());
    // Exactly the negotiated addresses: no kernel-generated link-local (addrgenmode none).
    std::sort(addrs.begin(), addrs.end());
    EXPECT_EQ(addrs, (std::vector<std::string>{"198.19.0.1 peer 198.19.0.10",
                                               "fe80::211:2233:4455:6677 peer fe80::2aa:bbcc:ddee:ff00"}));

    // A datagram to the peer is routed into the TUN: the data plane will read it from the fd.
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    to.sin_addr.s_addr = htonl(kPeer);
    const char payload[] = "ksstp";
    ASSERT_EQ(::sendto(s, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), ssize_t(sizeof payload));
    ::close(s);
    pollfd p{tun->fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 2000), 1);
    uint8_t buf[2048];
    ssize_t n = ::read(tun->fd(), buf, sizeof buf);
    ASSERT_EQ(n, ssize_t(20 + 8 + sizeof payload));
    EXPECT_EQ(buf[0] >> 4, 4);
    EXPECT_EQ(ntohl(*reinterpret_cast<uint32_t*>(buf + 16)), kPeer);

    ASSERT_TRUE(delete_link(*sk, tun->ifindex()).has_value());
    EXPECT_FALSE(link_state(*sk, tun->ifindex()).exists);
}

// Offloads (issue 5 item 2): probed at open, reported, and the kernel takes our GRO's frames.
TEST(TunNetlink, OffloadsAreProbedAndTheKernelTakesAGsoSuperPacketWeWrite) {
    KSSTP_REQUIRE_NETNS();
    auto sk = NlSock::open();
    ASSERT_TRUE(sk.has_value()) << sk.error();
    auto plain = TunDevice::create("sstp-plain", true, TunOffloads{});
    ASSERT_TRUE(plain.has_value()) << plain.error();
    EXPECT_EQ(plain->offloads().describe(), "off");
    auto no_uso = TunDevice::create("sstp-nouso", true, TunOffloads{.vnet_hdr = true, .csum = true, .tso = true, .uso = false});
    ASSERT_TRUE(no_uso.has_value()) << no_uso.error();
    EXPECT_FALSE(no_uso->offloads().uso);  // never more than asked
    auto tun = TunDevice::create("sstp-offl", true, TunOffloads{.vnet_hdr = true, .csum = true, .tso = true, .uso = true});
    ASSERT_TRUE(tun.has_value()) << tun.error();
    std::printf("granted here: %s\n", tun->offloads().describe().c_str());
    if (!tun->offloads().vnet_hdr || !tun->offloads().tso)
        GTEST_SKIP() << "this kernel granted only \"" << tun->offloads().describe() << "\" (no IFF_VNET_HDR or TSO)";
    EXPECT_TRUE(tun->offloads().csum);
    // The TUN is 198.18.0.1, its peer 198.19.0.10: the test packets' addresses.
    ASSERT_TRUE(add_ipv4_ptp(*sk, tun->ifindex(), 0xC6120001, kPeer).has_value());
    ASSERT_TRUE(set_mtu_and_up(*sk, tun->ifindex(), 1400).has_value());
    // A 3-segment TCP super-packet (ACK only) to a port nobody listens on, as GroBatch writes it:
    // the kernel segments it and answers a reset, which comes back out behind a virtio header.
    using namespace dp;
    Bytes frame(VnetHdr::kSize);
    write_vnet_hdr(dp::test::gso(VnetHdr::kGsoTcpv4, 1000, false, 6), frame.data());
    Bytes sp = dp::test::super_packet(false, 6, 3000, 0x10);
    frame.insert(frame.end(), sp.begin(), sp.end());
    ASSERT_EQ(::write(tun->fd(), frame.data(), frame.size()), ssize_t(frame.size())) << std::strerror(errno);
    pollfd p{tun->fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 2000), 1);
    uint8_t buf[2048];
    ssize_t n = ::read(tun->fd(), buf, sizeof buf);
    ASSERT_GE(n, ssize_t(VnetHdr::kSize + 40));
    auto h = parse_vnet_hdr(ByteView(buf, size_t(n)));
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->gso_type, VnetHdr::kGsoNone);
    const uint8_t* ip = buf + VnetHdr::kSize;
    EXPECT_EQ(ip[0], 0x45);
    EXPECT_EQ(ip[9], 6);
    EXPECT_TRUE(ip[20 + 13] & 0x04) << "a reset";  // RST
    // A header that lies about the packet is refused by the kernel, not delivered.
    Bytes lie = frame;
    lie[1] = VnetHdr::kGsoTcpv6;
    EXPECT_LT(::write(tun->fd(), lie.data(), lie.size()), 0);
}

TEST(TunNetlink, ClosingTheFdRemovesTheInterface) {
    KSSTP_REQUIRE_NETNS();
    auto sk = NlSock::open();
    ASSERT_TRUE(sk.has_value());
    int idx = 0;
    {
        auto tun = TunDevice::create("sstp-gone");
        ASSERT_TRUE(tun.has_value()) << tun.error();
        idx = tun->ifindex();
        EXPECT_TRUE(link_state(*sk, idx).exists);
    }
    EXPECT_FALSE(link_state(*sk, idx).exists);
}

TEST(TunNetlink, RefusesBadNamesAndDuplicates) {
    KSSTP_REQUIRE_NETNS();
    EXPECT_FALSE(TunDevice::create("a-name-longer-than-15").has_value());
    auto a = TunDevice::create("sstp-dup");
    ASSERT_TRUE(a.has_value());
    auto b = TunDevice::create("sstp-dup");
    ASSERT_FALSE(b.has_value());
    EXPECT_NE(b.error().find("sstp-dup"), std::string::npos);
}

// Mass teardown (issue 6): every session link is in one group, and one RTM_DELLINK removes them
// all; the TUN fds then see the link gone. Timings are printed for the record, not asserted.
TEST(TunNetlink, DeletesAGroupOfSessionLinksInOneRequest) {
    KSSTP_REQUIRE_NETNS();
    auto sk = NlSock::open();
    ASSERT_TRUE(sk.has_value());
    constexpr int kLinks = 200;
    constexpr uint32_t kGroup = 0x4B53;
    auto make = [&](const char* prefix, std::vector<SessionLink>& out) {
        for (int i = 0; i < kLinks; ++i) {
            auto l = SessionLink::create(*sk, prefix + std::to_string(i), "", 1400, kGroup);
            ASSERT_TRUE(l.has_value()) << l.error();
            out.push_back(std::move(*l));
        }
    };
    using clock = std::chrono::steady_clock;
    std::vector<SessionLink> one_by_one;
    make("obo", one_by_one);
    auto t0 = clock::now();
    one_by_one.clear();  // each fd close unregisters its interface
    auto t1 = clock::now();
    std::vector<SessionLink> batch;
    make("bat", batch);
    std::vector<int> idx;
    for (auto& l : batch) idx.push_back(l.ifindex());
    auto t2 = clock::now();
    ASSERT_TRUE(delete_group(*sk, kGroup).has_value());
    auto t3 = clock::now();
    for (int i : idx) EXPECT_FALSE(link_state(*sk, i).exists);
    batch.clear();
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf("[ info ] %d links: closing fds one by one %.1f ms, one group delete %.1f ms\n", kLinks, ms(t1 - t0),
                ms(t3 - t2));
}

}  // namespace
}  // namespace ksstp::nl

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new ksstp::test::PrivateNetns);
    return RUN_ALL_TESTS();
}
