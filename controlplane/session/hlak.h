// The SSTP Higher-Layer Authentication Key from a PPP authentication outcome
// (MS-SSTP 3.2.5.2.2; reference/sstp.md 8.2). Lives here, between the PPP and SSTP codecs,
// because it is the one place where the two meet.
//   MS-CHAPv2: client MasterSendKey || MasterReceiveKey; server MasterReceiveKey || MasterSendKey
//              (the same 32 bytes on both ends).
//   PAP, CHAP, no authentication: 32 zero bytes.
//   MS-CHAPv1: unspecified by MS-SSTP. The server accepts zeros (SPEC) or K1 || K1 (accel-ppp,
//              pppd-based sstpc) and logs which; the client sends zeros unless told otherwise.
#pragma once

#include <vector>

#include "controlplane/ppp/auth.h"
#include "controlplane/sstp/crypto_binding.h"

namespace ksstp::session {

sstp::Hlak client_hlak(const ppp::AuthOutcome& o, bool mschapv1_start_key = false);
std::vector<sstp::Hlak> server_hlak_candidates(const ppp::AuthOutcome& o);
// Names the candidate that matched, for the log line.
const char* describe_hlak_candidate(ppp::AuthMethod m, size_t index);

}  // namespace ksstp::session
