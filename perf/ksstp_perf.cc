// ksstp-perf: load and benchmark tool for any SSTP server (SPEC 7).
#include "tools/build_info.h"

int main(int argc, char** argv) {
    return ksstp::tools::parse_common_cli("ksstp-perf", "ksstp-perf - SSTP load and benchmark tool", argc, argv);
}
