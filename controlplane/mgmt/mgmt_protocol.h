// The management protocol between ksstpctl and the daemons (SPEC 6; docs/management.md): one
// JSON object per line over a UNIX stream socket. A request names a command and carries its
// arguments as strings (MikroTik's key=value form); the answer is {"ok":true,"result":...} or
// {"ok":false,"error":"..."}. Pure: text in, values out.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/base/result.h"

namespace ksstp::mgmt {

inline constexpr size_t kMaxLine = 65536;  // a request or reply line; longer ones are refused

struct Request {
    std::string command;                       // "active print", "secret add", ...
    std::map<std::string, std::string> args;
};

struct Reply {
    bool ok = false;
    nlohmann::json result;  // when ok
    std::string error;      // when not
};

Result<Request, std::string> parse_request(std::string_view line);
std::string encode_request(const Request& r);   // one line, '\n' included
Result<Reply, std::string> parse_reply(std::string_view line);
std::string encode_ok(const nlohmann::json& result);
std::string encode_error(std::string_view why);

// "name=alice" "password=x" ... -> args; refuses anything not key=value and repeated keys.
Result<std::map<std::string, std::string>, std::string> parse_assignments(const std::vector<std::string>& words);

// A daemon's refusal of a request (unknown command, bad argument, no such session): becomes
// {"ok":false,"error":what()} and changes nothing.
class Refused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace ksstp::mgmt
