// ksstpctl: management CLI for ksstpd and ksstpc (SPEC 6).
#include "tools/build_info.h"

int main(int argc, char** argv) {
    return ksstp::tools::parse_common_cli("ksstpctl", "ksstpctl - manage a running ksstpd or ksstpc", argc, argv);
}
