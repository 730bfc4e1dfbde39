// ksstpc-side session; see client_session.h.
#include "controlplane/session/client_session.h"

namespace ksstp::session {

ClientSession::ClientSession(ClientSessionConfig cfg, Rng& rng)
    : SessionCore(sstp::Role::Client, cfg.sstp, cfg.ppp, rng, nullptr), cfg_(std::move(cfg)), rng_(rng) {}

void ClientSession::start(std::optional<sstp::CertHashes> server_cert, Instant now) {
    sstp_.set_server_cert(server_cert);
    uint8_t guid[16];
    rng_.fill(guid);
    std::string req = sstp::build_request(cfg_.host, sstp::format_guid(guid));
    out_.insert(out_.end(), req.begin(), req.end());
    http_deadline_ = now + cfg_.sstp.timers.negotiation;  // MS-SSTP 4.1: 60 s for the response
}

void ClientSession::on_bytes(ByteView in, Instant now) {
    if (ended_) return;
    if (!http_done_) {
        size_t used = 0;
        auto st = http_.feed(in, used);
        if (st == sstp::ParseState::NeedMore) return;
        if (st == sstp::ParseState::Error) {
            log(LogLevel::Ctrl, "sstp", "server refused the SSTP request: " + http_.error_reason());
            end(sstp::EndReason::HttpRefused, http_.error_reason());
            return;
        }
        http_done_ = true;
        sstp::SstpActions acts;
        sstp_.start(now, acts);  // CALL_CONNECT_REQUEST
        run_sstp(acts, now);
        in = in.subspan(used);
        if (in.empty()) return;
    }
    feed_sstp(in, now);
}

void ClientSession::on_auth_done(const ppp::AuthOutcome& o, Instant now) {
    if (!o.success) {
        log(LogLevel::Audit, "auth", std::string(ppp::to_string(o.method)) + " authentication failed: " + o.message);
        return;
    }
    log(LogLevel::Audit, "auth", "authenticated as '" + o.user + "' with " + ppp::to_string(o.method));
    emit(ev::Authenticated{o.user, o.method});
    sstp::SstpActions acts;
    sstp_.on_auth_complete({client_hlak(o, cfg_.mschapv1_start_key_hlak)}, now, acts);
    run_sstp(acts, now);
}

}  // namespace ksstp::session
