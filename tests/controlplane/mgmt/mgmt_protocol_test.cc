// Management protocol: requests and replies round-trip; malformed lines are refused with a reason;
// MikroTik key=value words parse or are refused.
#include "controlplane/mgmt/mgmt_protocol.h"

#include <gtest/gtest.h>

namespace ksstp::mgmt {
namespace {

TEST(MgmtProtocol, RequestRoundTrip) {
    Request r{"secret add", {{"name", "bob"}, {"password", "p\"w\\x"}}};
    std::string line = encode_request(r);
    ASSERT_EQ(line.back(), '\n');
    auto back = parse_request(line.substr(0, line.size() - 1));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->command, "secret add");
    EXPECT_EQ(back->args, r.args);
}

TEST(MgmtProtocol, MalformedRequestsAreRefusedWithAReason) {
    EXPECT_EQ(parse_request("not json").error(), "request is not a JSON object");
    EXPECT_EQ(parse_request("[1,2]").error(), "request is not a JSON object");
    EXPECT_EQ(parse_request("{}").error(), "request has no \"command\" string");
    EXPECT_EQ(parse_request(R"({"command":""})").error(), "request has no \"command\" string");
    EXPECT_EQ(parse_request(R"({"command":"stats","args":[]})").error(), "\"args\" must be an object of strings");
    EXPECT_EQ(parse_request(R"({"command":"stats","args":{"a":1}})").error(), "argument \"a\" must be a string");
    EXPECT_EQ(parse_request(R"({"command":"stats","extra":1})").error(), "unknown request field \"extra\"");
    EXPECT_EQ(parse_request(std::string(kMaxLine + 1, ' ')).error(), "request longer than 64 KiB");
}

TEST(MgmtProtocol, Replies) {
    auto ok = parse_reply(encode_ok(nlohmann::json{{"a", 1}}));
    ASSERT_TRUE(ok);
    EXPECT_TRUE(ok->ok);
    EXPECT_EQ(ok->result["a"], 1);
    auto no = parse_reply(encode_error("no session with id or user \"x\""));
    ASSERT_TRUE(no);
    EXPECT_FALSE(no->ok);
    EXPECT_EQ(no->error, "no session with id or user \"x\"");
    EXPECT_FALSE(parse_reply("{\"result\":1}"));
    // Invalid UTF-8 in an error text is replaced, never an exception.
    EXPECT_TRUE(parse_reply(encode_error("bad \xff byte")));
}

TEST(MgmtProtocol, Assignments) {
    auto a = parse_assignments({"name=alice", "password=a=b", "profile="});
    ASSERT_TRUE(a) << a.error();
    EXPECT_EQ(a->at("password"), "a=b");
    EXPECT_EQ(a->at("profile"), "");
    EXPECT_EQ(parse_assignments({"alice"}).error(), "expected key=value, got \"alice\"");
    EXPECT_EQ(parse_assignments({"=x"}).error(), "expected key=value, got \"=x\"");
    EXPECT_EQ(parse_assignments({"a=1", "a=2"}).error(), "\"a\" given twice");
}

}  // namespace
}  // namespace ksstp::mgmt
