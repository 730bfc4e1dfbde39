// on-up / on-down scripts; see hook_runner.h.
#include "controlplane/server/hook_runner.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace ksstp::server {

bool HookRunner::run(const std::string& script, const HookEnv& e, Instant now, std::string& why) {
    std::vector<std::string> env = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "KSSTP_EVENT=" + e.event,
        "KSSTP_SESSION_ID=" + std::to_string(e.session_id),
        "KSSTP_CALLER=" + e.caller,
        "KSSTP_USER=" + e.user,
        "PEERNAME=" + e.user,
        "IFNAME=" + e.ifname,
        "IPLOCAL=" + e.local,
        "IPREMOTE=" + e.remote,
        "DNS1=" + e.dns1,
        "DNS2=" + e.dns2,
    };
    std::vector<char*> envp;
    for (auto& s : env) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string path = script;
    char* argv[] = {path.data(), nullptr};
    pid_t pid = 0;
    int err = posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv, envp.data());
    if (err != 0) {
        why = "cannot run " + script + ": " + std::strerror(err);
        return false;
    }
    running_[pid] = Child{script, now + kTimeout};
    return true;
}

std::vector<std::string> HookRunner::reap(Instant now) {
    std::vector<std::string> lines;
    for (auto it = running_.begin(); it != running_.end();) {
        int status = 0;
        pid_t r = ::waitpid(it->first, &status, WNOHANG);
        if (r == it->first) {
            if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                lines.push_back(it->second.script + " exited with status " + std::to_string(WEXITSTATUS(status)));
            else if (WIFSIGNALED(status))
                lines.push_back(it->second.script + " killed by signal " + std::to_string(WTERMSIG(status)));
            it = running_.erase(it);
            continue;
        }
        if (now >= it->second.deadline) {
            ::kill(it->first, SIGKILL);
            lines.push_back(it->second.script + " ran longer than " + std::to_string(kTimeout.count() / 1000) +
                            " s; killed");
            it->second.deadline = now + kTimeout;  // reaped on a later tick
        }
        ++it;
    }
    return lines;
}

}  // namespace ksstp::server
