// ksstpc: the SSTP client daemon (SPEC 2).
#include "tools/build_info.h"

int main(int argc, char** argv) {
    return ksstp::tools::parse_common_cli("ksstpc", "ksstpc - SSTP client daemon", argc, argv);
}
