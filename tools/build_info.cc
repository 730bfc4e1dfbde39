// --version text and the shared command line; see build_info.h.
#include "tools/build_info.h"

#include <CLI/CLI.hpp>
#include <netlink/version.h>
#include <openssl/crypto.h>

#include <cstdio>

#include "ksstp_version.h"

#ifndef KSSTP_LIBURING_VERSION
#define KSSTP_LIBURING_VERSION "unknown"
#endif

namespace ksstp::tools {

std::string version_text(std::string_view program) {
    std::string s(program);
    s += " " KSSTP_VERSION "\n";
    s += "  protocol core: MS-SSTP v21.0 (HTTP handshake, call state machines, crypto binding),\n";
    s += "                 PPP (RFC 1661 LCP, RFC 1334 PAP, RFC 1994 CHAP, RFC 2433/2759 MS-CHAP,\n";
    s += "                 RFC 3079 MPPE keys, RFC 1332/1877 IPCP, RFC 5072 IPv6CP)\n";
    s += std::string("  OpenSSL: ") + OpenSSL_version(OPENSSL_VERSION) + "\n";
    s += "  liburing: " KSSTP_LIBURING_VERSION "\n";
    s += "  " LIBNL_STRING "\n";
    return s;
}

int parse_common_cli(std::string_view program, std::string_view description, int argc, char** argv) {
    CLI::App app{std::string(description), std::string(program)};
    bool version = false;
    app.add_flag("--version", version, "print the version and the libraries in use, then exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;  // SPEC 2: bad usage exits 2
    }
    if (version) {
        std::fputs(version_text(program).c_str(), stdout);
        return 0;
    }
    std::fprintf(stderr, "%.*s: nothing to do; see --help\n", int(program.size()), program.data());
    return 2;
}

}  // namespace ksstp::tools
