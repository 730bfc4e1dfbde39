// Configuration loading (SPEC 3): the SPEC's example loads; every kind of mistake is refused
// with file, line and key.
#include "controlplane/config/config_loader.h"

#include "controlplane/pool/addr_pool.h"
#include "tests/fakes/temp_dir.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

namespace ksstp::config {
namespace {

const char* kSpecExample = R"(
[sstp-server]
enabled = true
listen = ["0.0.0.0", "::"]
port = 443
certificate = "/etc/ksstp/server.pem"
private-key = "/etc/ksstp/server.key"
ca-certificate = "/etc/ksstp/ca.pem"
verify-client-certificate = false
tls-version = "any"
pfs = false
authentication = ["pap", "chap", "mschap1", "mschap2"]
default-profile = "default-encryption"
max-mtu = 1500
max-mru = 1500
mrru = "disabled"
keepalive-timeout = 60
max-sessions = 0
interface-name = "sstp-{user}"

[ppp.profile.default-encryption]
local-address = "198.19.0.1"
remote-address = "clients"
dns-server = ["198.19.0.1"]
only-one = false
change-tcp-mss = true

[[ppp.secret]]
name = "MT-User"
password = "StrongPass"
service = "sstp"
profile = "default-encryption"
local-address = "198.19.0.1"
remote-address = "198.19.0.2"

[ip.pool.clients]
ranges = ["198.19.0.10-198.19.0.250"]

[[sstp-client]]
name = "sstp-out1"
connect-to = "vpn.example.net"
user = "MT-User"
password = "StrongPass"
profile = "default-encryption"
certificate = "none"
ca-certificate = "/etc/ksstp/ca.pem"
verify-server-certificate = false
verify-server-address-from-certificate = true
http-proxy = ""
add-default-route = false
dial-on-demand = false
keepalive-timeout = 60
authentication = ["pap", "chap", "mschap1", "mschap2"]
pfs = false
tls-version = "any"
max-mtu = 1500
max-mru = 1500
mrru = "disabled"
disabled = false
)";

TEST(ConfigLoader, LoadsTheSpecExample) {
    Config c = load_string(kSpecExample, "ksstpd.toml");
    ASSERT_TRUE(c.server.has_value());
    EXPECT_EQ(c.server->port, 443);
    EXPECT_EQ(c.server->listen.size(), 2u);
    EXPECT_FALSE(c.server->mrru.has_value());
    EXPECT_EQ(c.server->keepalive_timeout, 60u);
    // Proposed strongest first.
    EXPECT_EQ(c.server->authentication.front(), ppp::AuthMethod::MsChapV2);
    EXPECT_EQ(c.server->authentication.back(), ppp::AuthMethod::Pap);
    const Profile& p = c.profiles.at("default-encryption");
    EXPECT_EQ(std::get<pool::Ipv4>(*p.local_address), *pool::parse_ipv4("198.19.0.1"));
    EXPECT_EQ(std::get<std::string>(*p.remote_address), "clients");
    ASSERT_EQ(p.dns_server.size(), 1u);
    const Secret* s = c.find_secret("MT-User");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->password, "StrongPass");
    EXPECT_EQ(pool::format_ipv4(*s->remote_address), "198.19.0.2");
    EXPECT_EQ(c.pools.at("clients").ranges[0].size(), 241u);
    ASSERT_EQ(c.clients.size(), 1u);
    EXPECT_EQ(c.clients[0].connect_to, "vpn.example.net");
    EXPECT_TRUE(c.clients[0].verify_server_address_from_certificate);
}

struct Bad {
    const char* name;
    const char* toml;
    uint32_t line;
    const char* key;
    const char* what;
};

class ConfigErrors : public ::testing::TestWithParam<Bad> {};

TEST_P(ConfigErrors, NameFileLineAndKey) {
    const Bad& b = GetParam();
    try {
        load_string(b.toml, "/etc/ksstp/ksstpd.toml");
        FAIL() << "accepted: " << b.name;
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file(), "/etc/ksstp/ksstpd.toml");
        EXPECT_EQ(e.line(), b.line) << e.what();
        EXPECT_EQ(e.key(), b.key) << e.what();
        EXPECT_NE(std::string(e.what()).find(b.what), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).rfind("/etc/ksstp/ksstpd.toml:" + std::to_string(b.line) + ": ", 0), 0u)
            << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    ConfigLoader, ConfigErrors,
    ::testing::Values(
        Bad{"unknown_key", "[sstp-server]\ncertificate = \"none\"\nport = 443\nprot = 1\n", 4, "[sstp-server] prot", "unknown key"},
        Bad{"dataplane_tso_without_csum", "[dataplane]\nchecksum-offload = false\ngro = true\ntso = true\n", 4,
            "[dataplane] tso", "needs checksum-offload = true"},
        Bad{"dataplane_unknown", "[dataplane]\ngso = false\n", 2, "[dataplane] gso", "unknown key"},
        Bad{"dataplane_not_bool", "[dataplane]\ngro = \"off\"\n", 2, "[dataplane] gro", "expected true or false"},
        Bad{"dataplane_workers_range", "[dataplane]\nworkers = 300\n", 2, "[dataplane] workers", "expected an integer 0..256, got 300"},
        Bad{"dataplane_io_uring_type", "[dataplane]\nio-uring = 1\n", 2, "[dataplane] io-uring", "expected true or false"},
        Bad{"dataplane_ktls_type", "[dataplane]\nktls = \"no\"\n", 2, "[dataplane] ktls", "expected true or false"},
        Bad{"dataplane_workers_type", "[dataplane]\nworkers = \"auto\"\n", 2, "[dataplane] workers", "expected an integer 0..256"},
        Bad{"wrong_type", "[sstp-server]\ncertificate = \"none\"\nport = \"x\"\n", 3, "[sstp-server] port", "expected an integer 1..65535"},
        Bad{"out_of_range", "[sstp-server]\ncertificate = \"none\"\nmax-mtu = 9000\n", 3, "[sstp-server] max-mtu", "576..4087"},
        Bad{"bad_auth", "[sstp-server]\ncertificate = \"none\"\nauthentication = [\"pap\", \"eap\"]\n", 3,
            "[sstp-server] authentication", "unknown method \"eap\""},
        Bad{"bad_tls", "[sstp-server]\ncertificate = \"none\"\ntls-version = \"1.3\"\n", 3, "[sstp-server] tls-version", "only-1.2"},
        Bad{"keepalive", "[sstp-server]\ncertificate = \"none\"\nkeepalive-timeout = \"never\"\n", 3,
            "[sstp-server] keepalive-timeout", "\"disabled\" or an integer"},
        Bad{"missing_cert", "[sstp-server]\nport = 443\n", 1, "[sstp-server] certificate", "missing"},
        Bad{"overlapping_pools", "[ip.pool.a]\nranges = [\"198.19.0.10-198.19.0.20\"]\n[ip.pool.b]\nranges = [\"198.19.0.15-198.19.0.30\"]\n",
            4, "[ip.pool.b] ranges", "overlaps pool 'a'"},
        Bad{"bad_range", "[ip.pool.a]\nranges = [\"198.19.0.20-198.19.0.10\"]\n", 2, "[ip.pool.a] ranges", "ends before it starts"},
        Bad{"secret_missing_profile", "[[ppp.secret]]\nname = \"u\"\npassword = \"p\"\nprofile = \"gold\"\n", 4,
            "[[ppp.secret]] u profile", "no profile named \"gold\""},
        Bad{"duplicate_secret", "[[ppp.secret]]\nname = \"u\"\npassword = \"p\"\n[[ppp.secret]]\nname = \"u\"\npassword = \"q\"\n", 5,
            "[[ppp.secret]] u name", "duplicate"},
        Bad{"secret_bad_address", "[[ppp.secret]]\nname = \"u\"\npassword = \"p\"\nremote-address = \"198.19.0.300\"\n", 4,
            "[[ppp.secret]] u remote-address", "not an IPv4 address"},
        Bad{"profile_unknown_pool", "[ppp.profile.x]\nremote-address = \"nopool\"\n", 1, "[ppp.profile.x] remote-address",
            "neither an IPv4 address nor a pool"},
        Bad{"default_profile_missing", "[sstp-server]\ncertificate = \"none\"\ndefault-profile = \"gold\"\n", 3,
            "[sstp-server] default-profile", "no profile named"},
        Bad{"client_both_passwords", "[[sstp-client]]\nname = \"c\"\nconnect-to = \"h\"\nuser = \"u\"\npassword = \"p\"\npassword-file = \"/x\"\n",
            6, "[[sstp-client]] c password-file", "not both"},
        Bad{"client_missing_connect_to", "[[sstp-client]]\nname = \"c\"\nuser = \"u\"\npassword = \"p\"\n", 1,
            "[[sstp-client]] c connect-to", "missing"},
        Bad{"bad_interface_name", "[sstp-server]\ncertificate = \"none\"\ninterface-name = \"sstp {user}\"\n", 3,
            "[sstp-server] interface-name", "template"},
        Bad{"bad_listen", "[sstp-server]\ncertificate = \"none\"\nlisten = [\"198.18.0.300\"]\n", 3, "[sstp-server] listen",
            "not an IP address"},
        Bad{"syntax", "[sstp-server\ncertificate = \"none\"\n", 1, "syntax", ""},
        Bad{"anonymous_needs_tls12", "[sstp-server]\ncertificate = \"none\"\ntls-version = \"only-1.3\"\n", 3,
            "[sstp-server] tls-version", "needs TLS 1.2"},
        Bad{"proxy_without_port", "[[sstp-client]]\nname = \"c\"\nconnect-to = \"h\"\nuser = \"u\"\npassword = \"p\"\n"
            "http-proxy = \"proxy.example.net\"\n", 6, "[[sstp-client]] c http-proxy", "no proxy port"},
        Bad{"verify_client_without_ca", "[sstp-server]\ncertificate = \"none\"\nverify-client-certificate = true\n", 3,
            "[sstp-server] verify-client-certificate", "needs ca-certificate"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(ConfigLoader, DataplaneWorkersDefaultToTheCpusAndZeroTurnsThemOff) {
    cpu_set_t set;
    CPU_ZERO(&set);
    ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    EXPECT_EQ(load_string("[sstp-server]\ncertificate = \"none\"\n", "<test>").dataplane.workers, unsigned(CPU_COUNT(&set)));
    EXPECT_EQ(load_string("[dataplane]\nworkers = 0\n", "<test>").dataplane.workers, 0u);
    EXPECT_EQ(load_string("[dataplane]\nworkers = 8\n", "<test>").dataplane.workers, 8u);
    EXPECT_TRUE(load_string("[sstp-server]\ncertificate = \"none\"\n", "<test>").dataplane.io_uring);
    EXPECT_FALSE(load_string("[dataplane]\nio-uring = false\n", "<test>").dataplane.io_uring);
    EXPECT_TRUE(load_string("[sstp-server]\ncertificate = \"none\"\n", "<test>").dataplane.ktls);
    EXPECT_FALSE(load_string("[dataplane]\nktls = false\n", "<test>").dataplane.ktls);
}

TEST(ConfigLoader, DataplaneOffloadsDefaultOnAndSwitchOff) {
    Config on = load_string("[sstp-server]\ncertificate = \"none\"\n", "<test>");
    EXPECT_TRUE(on.dataplane.checksum_offload && on.dataplane.tso && on.dataplane.uso && on.dataplane.gro);
    Config off = load_string("[dataplane]\nchecksum-offload = false\ntso = false\nuso = false\ngro = false\n", "<test>");
    EXPECT_FALSE(off.dataplane.any());
    Config gro_only = load_string("[dataplane]\nchecksum-offload = false\ntso = false\nuso = false\n", "<test>");
    EXPECT_TRUE(gro_only.dataplane.any());
    EXPECT_TRUE(gro_only.dataplane.gro);
}

TEST(ConfigLoader, ReadsThePasswordFile) {
    ksstp::test::TempDir tmp;
    std::string path = tmp.file("ksstp-password-file");
    {
        std::ofstream f(path);
        f << "S3cret!\n";
    }
    Config c = load_string("[[sstp-client]]\nname = \"c\"\nconnect-to = \"h\"\nuser = \"u\"\npassword-file = \"" + path + "\"\n",
                           "<test>");
    EXPECT_EQ(c.clients.at(0).password, "S3cret!");
}

TEST(ConfigLoader, KeepaliveAndMrruAcceptDisabledOrNumbers) {
    Config c = load_string("[sstp-server]\ncertificate = \"none\"\nkeepalive-timeout = \"disabled\"\nmrru = 1600\n", "<test>");
    EXPECT_FALSE(c.server->keepalive_timeout.has_value());
    EXPECT_EQ(c.server->mrru, 1600);
}

// load_file() checks the files the configuration names, with the naming key's line.
struct NamedFiles : ::testing::Test {
    ksstp::test::TempDir tmp;  // one per test: ctest runs these side by side
    std::string dir = tmp.path() + "/";
    std::string write(const std::string& name, const std::string& text) {
        std::string path = dir + name;
        std::ofstream(path) << text;
        return path;
    }
    void expect_error(const std::string& toml, uint32_t line, const std::string& key, const std::string& what) {
        std::string path = write("ksstp-named-files.toml", toml);
        try {
            load_file(path);
            FAIL() << "accepted: " << toml;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.line(), line) << e.what();
            EXPECT_EQ(e.key(), key) << e.what();
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        }
    }
};

TEST_F(NamedFiles, MissingCertificateKeyOrCaIsRefusedWithItsLine) {
    expect_error("[sstp-server]\ncertificate = \"/nonexistent/server.pem\"\n", 2, "[sstp-server] certificate",
                 "cannot read \"/nonexistent/server.pem\": No such file or directory");
    std::string cert = write("ksstp-cert.pem", "x");
    expect_error("[sstp-server]\ncertificate = \"" + cert + "\"\nprivate-key = \"/nonexistent/k.pem\"\n", 3,
                 "[sstp-server] private-key", "cannot read");
    expect_error("[[sstp-client]]\nname = \"c\"\nconnect-to = \"h\"\nuser = \"u\"\npassword = \"p\"\n"
                 "ca-certificate = \"/nonexistent/ca.pem\"\n", 6, "[[sstp-client]] c ca-certificate", "cannot read");
}

TEST_F(NamedFiles, HookMustBeExecutable) {
    std::string script = write("ksstp-hook.sh", "#!/bin/sh\n");
    ::chmod(script.c_str(), 0644);
    expect_error("[sstp-server]\ncertificate = \"none\"\n[ppp.profile.p]\n\non-up = \"" + script + "\"\n", 5,
                 "[ppp.profile.p] on-up", "is not executable");
    ::chmod(script.c_str(), 0755);
    std::string path = write("ksstp-named-files.toml", "[sstp-server]\ncertificate = \"none\"\n[ppp.profile.p]\non-up = \"" + script + "\"\n");
    EXPECT_EQ(load_file(path).profiles.at("p").on_up, script);
}

TEST_F(NamedFiles, SecretsFileRoundTripAndManagedSecrets) {
    std::string secrets = dir + "ksstp-secrets.toml";
    std::remove(secrets.c_str());
    std::string main = write("ksstp-main.toml", "[sstp-server]\ncertificate = \"none\"\n[ppp]\nsecrets-file = \"" + secrets +
                                                    "\"\n[[ppp.secret]]\nname = \"alice\"\npassword = \"a\"\n");
    Config c = load_file(main);  // a missing secrets file is an empty list
    ASSERT_EQ(c.secrets.size(), 1u);
    EXPECT_FALSE(c.secrets[0].from_secrets_file);
    c.secrets.push_back(secret_from_args(c, {{"name", "bob"}, {"password", "p'\"q"}, {"remote-address", "198.19.0.7"}}, "ksstpctl"));
    save_secrets_file(c);
    struct stat st{};
    ASSERT_EQ(::stat(secrets.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    Config again = load_file(main);
    ASSERT_EQ(again.secrets.size(), 2u);
    EXPECT_TRUE(again.secrets[1].from_secrets_file);
    EXPECT_EQ(again.secrets[1].password, "p'\"q");
    EXPECT_EQ(*again.secrets[1].remote_address, *pool::parse_ipv4("198.19.0.7"));
    EXPECT_EQ(render_secrets_file(again), render_secrets_file(c));
    std::remove(secrets.c_str());
}

TEST_F(NamedFiles, WorldReadableSecretsAreWarnedAbout) {
    std::string path = write("ksstp-perm.toml", "[sstp-server]\ncertificate = \"none\"\n");
    ::chmod(path.c_str(), 0644);
    Config open = load_file(path);
    ASSERT_EQ(open.warnings.size(), 1u);
    EXPECT_EQ(open.warnings[0], path + " holds passwords or keys and is readable by every user: chmod 600 " + path);
    ::chmod(path.c_str(), 0600);
    EXPECT_TRUE(load_file(path).warnings.empty());
}

TEST(ConfigLoader, SecretFromArgsIsCheckedLikeTheFile) {
    Config c = load_string("[sstp-server]\ncertificate = \"none\"\n[[ppp.secret]]\nname = \"alice\"\npassword = \"a\"\n", "<t>");
    auto refused = [&](std::map<std::string, std::string> a) {
        try {
            secret_from_args(c, a, "ksstpctl");
            return std::string("accepted");
        } catch (const ConfigError& e) {
            return e.key().substr(e.key().rfind(' ') + 1) + ": " + e.detail();
        }
    };
    EXPECT_EQ(refused({{"name", "bob"}}), "password: missing (required)");
    EXPECT_EQ(refused({{"name", "alice"}, {"password", "x"}}), "name: duplicate secret");
    EXPECT_EQ(refused({{"name", "bob"}, {"password", "x"}, {"profile", "gold"}}), "profile: no profile named \"gold\"");
    EXPECT_EQ(refused({{"name", "bob"}, {"password", "x"}, {"colour", "red"}}), "colour: unknown key");
    EXPECT_EQ(refused({{"name", "bob"}, {"password", "x"}, {"service", "sstp"}}), "accepted");
}

TEST(ConfigLoader, MissingFileIsAClearError) {
    try {
        load_file("/nonexistent/ksstpd.toml");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/ksstpd.toml"), std::string::npos);
    }
}

}  // namespace
}  // namespace ksstp::config
