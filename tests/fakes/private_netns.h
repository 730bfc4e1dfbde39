// PrivateNetns: a gtest Environment that moves the test process into a new network namespace
// before any test runs (unshare(CLONE_NEWNET)), so integration tests can create interfaces,
// addresses and routes without touching the host, and everything vanishes with the process.
// Without the privilege (not root) tests call skip_reason() and GTEST_SKIP with it.
#pragma once

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ksstp::test {

class PrivateNetns : public ::testing::Environment {
public:
    void SetUp() override {
        if (::unshare(CLONE_NEWNET) != 0) {
            reason() = std::string("needs root (CAP_SYS_ADMIN/CAP_NET_ADMIN) for a private network namespace: unshare: ") +
                       std::strerror(errno);
            return;
        }
        // Bring loopback up: tests use it.
        int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ifreq ifr{};
        std::strcpy(ifr.ifr_name, "lo");
        if (s >= 0 && ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
            ifr.ifr_flags |= IFF_UP;
            ::ioctl(s, SIOCSIFFLAGS, &ifr);
        }
        if (s >= 0) ::close(s);
        if (::access("/dev/net/tun", R_OK | W_OK) != 0) reason() = "no /dev/net/tun on this machine";
    }
    static std::string& reason() {
        static std::string r;
        return r;
    }
};

#define KSSTP_REQUIRE_NETNS()                                                          \
    do {                                                                               \
        if (!::ksstp::test::PrivateNetns::reason().empty())                            \
            GTEST_SKIP() << ::ksstp::test::PrivateNetns::reason();                     \
    } while (0)

}  // namespace ksstp::test
