// Privileges; see privileges.h.
#include "controlplane/io/privileges.h"

#include <cap-ng.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace ksstp::io {

Identity resolve_identity(const std::string& user, const std::string& group) {
    Identity id;
    errno = 0;
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw) throw std::runtime_error("no user named \"" + user + "\"" + (errno ? std::string(": ") + std::strerror(errno) : ""));
    id.user = user;
    id.uid = pw->pw_uid;
    id.gid = pw->pw_gid;
    if (!group.empty()) {
        const struct group* gr = ::getgrnam(group.c_str());
        if (!gr) throw std::runtime_error("no group named \"" + group + "\"");
        id.gid = gr->gr_gid;
        id.group = group;
    } else if (const struct group* gr = ::getgrgid(id.gid)) {
        id.group = gr->gr_name;
    } else {
        id.group = std::to_string(id.gid);
    }
    if (id.uid == 0) throw std::runtime_error("user \"" + user + "\" is root: name an unprivileged user");
    return id;
}

std::vector<UnmetNeed> unmet_needs(const Identity& who, const std::vector<PathNeed>& needs) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::close(fds[0]);
        std::string out;
        if (::setgroups(0, nullptr) != 0 || ::setgid(who.gid) != 0 || ::setuid(who.uid) != 0) {
            out = "-\tcannot become the user: " + std::string(std::strerror(errno)) + "\n";
        } else {
            for (size_t i = 0; i < needs.size(); ++i) {
                const PathNeed& n = needs[i];
                int mode = n.kind == PathNeed::Read ? R_OK : n.kind == PathNeed::Execute ? X_OK : W_OK | X_OK;
                if (::access(n.path.c_str(), mode) == 0) continue;
                const char* what = n.kind == PathNeed::Read      ? "cannot read"
                                   : n.kind == PathNeed::Execute ? "cannot execute"
                                                                 : "cannot create files in";
                out += std::to_string(i) + "\t" + what + " " + n.path + " (" + std::strerror(errno) + ")\n";
            }
        }
        ssize_t w = ::write(fds[1], out.data(), out.size());
        ::_exit(w == ssize_t(out.size()) ? 0 : 1);
    }
    ::close(fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        text.append(buf, size_t(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("could not check the files as user " + who.user);
    std::vector<UnmetNeed> unmet;
    for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
        std::string line = text.substr(at, nl - at);
        size_t tab = line.find('\t');
        if (line[0] == '-') throw std::runtime_error(line.substr(tab + 1));
        unmet.push_back({std::stoul(line.substr(0, tab)), line.substr(tab + 1)});
    }
    return unmet;
}

std::optional<std::string> cannot_become(const Identity& who) {
    capng_get_caps_process();
    if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID) && capng_have_capability(CAPNG_EFFECTIVE, CAP_SETGID))
        return std::nullopt;
    return "cannot become user " + who.user +
           ": CAP_SETUID/CAP_SETGID are not in this process's capabilities (under systemd: add them to "
           "CapabilityBoundingSet, or use User= instead of [daemon] user)";
}

bool drop_privileges(const std::optional<Identity>& who) {
    if (::geteuid() != 0) return false;
    capng_get_caps_process();
    // Started by a service manager that already limited the bounding set (the systemd unit), some
    // of this is done: what needs CAP_SETPCAP is skipped when it is not ours to use.
    const bool setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
    if (who)
        if (auto why = cannot_become(*who)) throw std::runtime_error(*why);
    // uid 0 regains every capability in the bounding set at execve unless this is locked off;
    // needs CAP_SETPCAP, so it comes first.
    if (!who && setpcap && capng_lock() != 0) throw std::runtime_error("cannot lock the securebits (SECBIT_NOROOT)");
    capng_clear(CAPNG_SELECT_BOTH);
    // The bounding set keeps the two as well: the kernel allows an inheritable (and so ambient)
    // capability only inside it.
    if (capng_updatev(CAPNG_ADD, capng_type_t(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET), CAP_NET_ADMIN,
                      CAP_NET_BIND_SERVICE, -1) ||
        capng_update(CAPNG_ADD, CAPNG_INHERITABLE, CAP_NET_ADMIN))
        throw std::runtime_error("capng_update failed");
    if (int r = setpcap ? capng_apply(CAPNG_SELECT_BOUNDS) : 0; r)
        throw std::runtime_error("cannot limit the bounding set (capng_apply " + std::to_string(r) + ")");
    if (who) {
        // setgroups/setgid/setuid with the capabilities above kept across the change.
        if (int r = capng_change_id(int(who->uid), int(who->gid), CAPNG_DROP_SUPP_GRP); r)
            throw std::runtime_error("cannot become user " + who->user + " (capng_change_id " + std::to_string(r) + ")");
    } else if (int r = capng_apply(CAPNG_SELECT_CAPS); r) {
        throw std::runtime_error("cannot drop capabilities (capng_apply " + std::to_string(r) + ")");
    }
    // Hook scripts inherit CAP_NET_ADMIN (ambient: kept across execve of a non-setuid program).
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0) != 0)
        throw std::runtime_error(std::string("cannot make CAP_NET_ADMIN ambient: ") + std::strerror(errno));
    // And nothing executed later gains privileges (setuid binaries, file capabilities).
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        throw std::runtime_error(std::string("PR_SET_NO_NEW_PRIVS: ") + std::strerror(errno));
    return true;
}

std::string describe_privileges() {
    capng_get_caps_process();
    char* caps = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
    std::string c = caps ? caps : "?";
    std::free(caps);
    const uid_t uid = ::geteuid();
    const passwd* pw = ::getpwuid(uid);
    return "uid " + std::to_string(uid) + " (" + (pw ? pw->pw_name : "?") + "), capabilities " + (c.empty() ? "none" : c);
}

}  // namespace ksstp::io
