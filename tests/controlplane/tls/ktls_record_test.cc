// KtlsRecord: what non-data records the kernel's TLS passes up mean (issue 5 item 3).
#include "controlplane/tls/ktls_record.h"

#include <gtest/gtest.h>
#include <linux/tls.h>

#include <cstring>

namespace ksstp::tls {
namespace {

using Kind = RecordVerdict::Kind;
constexpr uint8_t kAlert = 21, kHandshake = 22, kData = 23, kCcs = 20;

TEST(KtlsRecord, ApplicationDataIsData) {
    EXPECT_EQ(classify_record(kData, Bytes{1, 2, 3}, true).kind, Kind::Data);
    EXPECT_EQ(classify_record(kData, Bytes{}, false).kind, Kind::Data);
}

TEST(KtlsRecord, CloseNotifyClosesInOrderWithOpenSslsWords) {
    RecordVerdict v = classify_record(kAlert, Bytes{1, 0}, true);
    EXPECT_EQ(v.kind, Kind::Closed);
    EXPECT_EQ(v.why, "peer closed TLS (close_notify)");
    EXPECT_EQ(classify_record(kAlert, Bytes{2, 0}, false).kind, Kind::Closed);
}

TEST(KtlsRecord, AlertsNameTheirReason) {
    RecordVerdict v = classify_record(kAlert, Bytes{2, 20}, true);
    EXPECT_EQ(v.kind, Kind::Fatal);
    EXPECT_EQ(v.why, "peer sent TLS alert bad_record_mac (20)");
    EXPECT_EQ(classify_record(kAlert, Bytes{2, 201}, false).why, "peer sent TLS alert unknown (201)");
    // TLS 1.3: every alert but the closure ones is an error whatever its level (RFC 8446 6.2).
    EXPECT_EQ(classify_record(kAlert, Bytes{1, 100}, true).kind, Kind::Fatal);
    // TLS 1.2: a warning (no_renegotiation) may be ignored (RFC 5246 7.2).
    EXPECT_EQ(classify_record(kAlert, Bytes{1, 100}, false).kind, Kind::Ignore);
    EXPECT_EQ(classify_record(kAlert, Bytes{1, 90}, true).kind, Kind::Ignore);  // user_canceled
    EXPECT_EQ(classify_record(kAlert, Bytes{2}, true).why, "malformed TLS alert (1 bytes)");
    EXPECT_EQ(classify_record(kAlert, Bytes{2, 0, 0}, true).kind, Kind::Fatal);
}

TEST(KtlsRecord, KeyUpdateSaysWhetherOursIsAskedFor) {
    RecordVerdict v = classify_record(kHandshake, key_update_message(false), true);
    EXPECT_EQ(v.kind, Kind::KeyUpdate);
    EXPECT_FALSE(v.update_requested);
    v = classify_record(kHandshake, key_update_message(true), true);
    EXPECT_EQ(v.kind, Kind::KeyUpdate);
    EXPECT_TRUE(v.update_requested);
    EXPECT_EQ(key_update_message(true).size(), kKeyUpdateMessageLen);
    EXPECT_EQ(classify_record(kHandshake, Bytes{24, 0, 0, 1, 2}, true).why, "malformed TLS KeyUpdate");
    EXPECT_EQ(classify_record(kHandshake, Bytes{24, 0, 0, 2, 0, 0}, true).kind, Kind::Fatal);
    // TLS 1.2 has no KeyUpdate.
    EXPECT_EQ(classify_record(kHandshake, key_update_message(false), false).kind, Kind::Fatal);
}

TEST(KtlsRecord, TicketsAreIgnoredAndMayShareTheRecordWithAKeyUpdate) {
    Bytes ticket{4, 0, 0, 3, 9, 9, 9};
    EXPECT_EQ(classify_record(kHandshake, ticket, true).kind, Kind::Ignore);
    Bytes both = ticket;
    Bytes ku = key_update_message(true);
    both.insert(both.end(), ku.begin(), ku.end());
    RecordVerdict v = classify_record(kHandshake, both, true);
    EXPECT_EQ(v.kind, Kind::KeyUpdate);
    EXPECT_TRUE(v.update_requested);
    // RFC 8446 5.1: nothing may follow a KeyUpdate in its record.
    Bytes after = ku;
    after.insert(after.end(), ticket.begin(), ticket.end());
    EXPECT_EQ(classify_record(kHandshake, after, true).why, "TLS handshake data after a KeyUpdate in the same record");
}

TEST(KtlsRecord, WhatCannotBeActedOnEndsTheConnection) {
    EXPECT_EQ(classify_record(kHandshake, Bytes{4, 0, 0, 9, 1}, true).why,
              "TLS handshake message split across records (type 4)");
    EXPECT_EQ(classify_record(kHandshake, Bytes{}, true).why, "empty TLS handshake record");
    EXPECT_EQ(classify_record(kHandshake, Bytes{13, 0, 0, 0}, true).why,
              "unexpected TLS handshake message 13 after the handshake");  // post-handshake auth: not offered
    EXPECT_EQ(classify_record(kHandshake, Bytes{0, 0, 0, 0}, false).kind, Kind::Ignore);  // HelloRequest, declined
    EXPECT_EQ(classify_record(kHandshake, Bytes{0, 0, 0, 0}, true).kind, Kind::Fatal);
    EXPECT_EQ(classify_record(kCcs, Bytes{1}, true).why, "unexpected TLS ChangeCipherSpec after the handshake");
    EXPECT_EQ(classify_record(99, Bytes{1}, true).why, "unknown TLS record type 99");
}

TEST(KtlsRecord, RecordTypeComesFromTheTlsControlMessage) {
    alignas(cmsghdr) uint8_t cbuf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(1)] = {};
    msghdr m{};
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    // Another level first (as SO_TIMESTAMP would be), then the TLS record type.
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    c = CMSG_NXTHDR(&m, c);
    ASSERT_NE(c, nullptr);
    c->cmsg_level = SOL_TLS;
    c->cmsg_type = TLS_GET_RECORD_TYPE;
    c->cmsg_len = CMSG_LEN(1);
    *CMSG_DATA(c) = 21;
    EXPECT_EQ(record_type_of(m), std::optional<uint8_t>(21));
    // What the kernel did not fill in is not read: nothing, or only the first message.
    m.msg_controllen = 0;
    EXPECT_EQ(record_type_of(m), std::nullopt);
    m.msg_controllen = CMSG_SPACE(sizeof(int));
    EXPECT_EQ(record_type_of(m), std::nullopt);
}

}  // namespace
}  // namespace ksstp::tls
