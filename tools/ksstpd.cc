// ksstpd: the SSTP concentrator (SPEC 2). The protocol core it will run is in controlplane/;
// listening, TLS and interfaces arrive with issue "A working tunnel".
#include "tools/build_info.h"

int main(int argc, char** argv) {
    return ksstp::tools::parse_common_cli("ksstpd", "ksstpd - SSTP server/concentrator daemon", argc, argv);
}
