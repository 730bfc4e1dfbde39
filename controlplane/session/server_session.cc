// ksstpd-side session; see server_session.h.
#include "controlplane/session/server_session.h"

namespace ksstp::session {

ServerSession::ServerSession(ServerSessionConfig cfg, Rng& rng, const ppp::CredentialStore& creds,
                             UserPolicy& addrs, std::function<std::time_t()> wall_clock)
    : SessionCore(sstp::Role::Server, cfg.sstp, cfg.ppp, rng, &creds),
      addrs_(addrs),
      wall_clock_(std::move(wall_clock)) {
    sstp_.set_server_cert(cfg.cert);
}

void ServerSession::start(Instant now) {
    sstp::SstpActions acts;
    sstp_.start(now, acts);
    run_sstp(acts, now);
    http_deadline_ = sstp_.next_deadline();
}

void ServerSession::on_bytes(ByteView in, Instant now) {
    if (ended_) return;
    if (!http_done_) {
        size_t used = 0;
        auto st = http_.feed(in, used);
        if (st == sstp::ParseState::NeedMore) return;
        if (st == sstp::ParseState::Error) {
            std::string resp = sstp::build_response_error(http_.error_status());
            out_.insert(out_.end(), resp.begin(), resp.end());
            log(LogLevel::Ctrl, "sstp", "refused HTTP request: " + http_.error_reason());
            end(sstp::EndReason::HttpRefused, "HTTP " + std::to_string(http_.error_status()) + ": " + http_.error_reason());
            return;
        }
        http_done_ = true;
        std::string resp = sstp::build_response_ok(sstp::format_http_date(wall_clock_()));
        out_.insert(out_.end(), resp.begin(), resp.end());
        log(LogLevel::Diag, "sstp", "SSTP request accepted, correlation id " + http_.request().correlation_id);
        in = in.subspan(used);  // the rest already belongs to the SSTP stream
        if (in.empty()) return;
    }
    feed_sstp(in, now);
}

void ServerSession::on_auth_done(const ppp::AuthOutcome& o, Instant now) {
    if (!o.success) {
        log(LogLevel::Audit, "auth",
            std::string(ppp::to_string(o.method)) + " authentication failed for user '" + o.user + "': " + o.message);
        emit(ev::AuthFailed{o.user, o.method, o.message});
        return;  // PPP terminates the link; Finished then ends the call
    }
    user_ = o.user;
    log(LogLevel::Audit, "auth", "user '" + o.user + "' authenticated with " + ppp::to_string(o.method));
    emit(ev::Authenticated{o.user, o.method});
    std::optional<std::string> refusal = addrs_.refuse(o.user);
    AddressAssignment v4 = refusal ? AddressAssignment{} : addrs_.assign(o.user);
    if (!refusal && !v4) refusal = "no address: " + v4.error();
    if (refusal) {
        log(LogLevel::Audit, "auth", "session refused for user '" + o.user + "': " + *refusal);
        emit(ev::Refused{o.user, *refusal});
        disconnect(now, *refusal);
        return;
    }
    sstp::SstpActions acts;
    sstp_.on_auth_complete(server_hlak_candidates(o), now, acts);
    run_sstp(acts, now);
    if (ended_) return;
    if (!*v4) log(LogLevel::Ctrl, "pool", "no IPv4 address configured for user '" + o.user + "'");
    ppp_.start_network(*v4, now);
}

}  // namespace ksstp::session
