# Warnings on for our code; CI builds with KSSTP_WERROR=ON so the tree stays warning-free.
# -Wpedantic is left out on purpose: KSSTP_TRY uses GNU statement expressions, which both
# compilers support and which pedantic mode would flag at every use.
add_library(ksstp_warnings INTERFACE)
target_compile_options(ksstp_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2
  # GCC 12 reports maybe-uninitialized false positives inside std::variant moves (GCC PR 105937
  # family); clang and later GCCs do not, and ASan/UBSan runs cover real uninitialised reads.
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wlogical-op -Wno-maybe-uninitialized>
  $<$<BOOL:${KSSTP_WERROR}>:-Werror>)
