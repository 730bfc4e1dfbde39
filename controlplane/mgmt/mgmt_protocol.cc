// Management protocol codec; see mgmt_protocol.h.
#include "controlplane/mgmt/mgmt_protocol.h"

namespace ksstp::mgmt {

Result<Request, std::string> parse_request(std::string_view line) {
    if (line.size() > kMaxLine) return fail(std::string("request longer than 64 KiB"));
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return fail(std::string("request is not a JSON object"));
    auto cmd = j.find("command");
    if (cmd == j.end() || !cmd->is_string() || cmd->get_ref<const std::string&>().empty())
        return fail(std::string("request has no \"command\" string"));
    Request r;
    r.command = cmd->get<std::string>();
    if (auto a = j.find("args"); a != j.end()) {
        if (!a->is_object()) return fail(std::string("\"args\" must be an object of strings"));
        for (const auto& [k, v] : a->items()) {
            if (!v.is_string()) return fail("argument \"" + k + "\" must be a string");
            r.args[k] = v.get<std::string>();
        }
    }
    for (const auto& [k, v] : j.items())
        if (k != "command" && k != "args") return fail("unknown request field \"" + k + "\"");
    return r;
}

std::string encode_request(const Request& r) {
    nlohmann::json j{{"command", r.command}, {"args", r.args}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<Reply, std::string> parse_reply(std::string_view line) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("ok") || !j["ok"].is_boolean())
        return fail(std::string("malformed reply from the daemon"));
    Reply r;
    r.ok = j["ok"].get<bool>();
    if (r.ok) r.result = j.value("result", nlohmann::json());
    else r.error = j.value("error", std::string("refused without a reason"));
    return r;
}

std::string encode_ok(const nlohmann::json& result) {
    return nlohmann::json{{"ok", true}, {"result", result}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string encode_error(std::string_view why) {
    return nlohmann::json{{"ok", false}, {"error", std::string(why)}}.dump(-1, ' ', false,
                                                                          nlohmann::json::error_handler_t::replace) + "\n";
}

Result<std::map<std::string, std::string>, std::string> parse_assignments(const std::vector<std::string>& words) {
    std::map<std::string, std::string> out;
    for (const std::string& w : words) {
        size_t eq = w.find('=');
        if (eq == std::string::npos || eq == 0) return fail("expected key=value, got \"" + w + "\"");
        std::string k = w.substr(0, eq);
        if (out.count(k)) return fail("\"" + k + "\" given twice");
        out[k] = w.substr(eq + 1);
    }
    return out;
}

}  // namespace ksstp::mgmt
