// SstpFramer: turns the decrypted TLS byte stream into whole SSTP packets (MS-SSTP 3.1.7.2
// "delineate"). TLS records and SSTP packets are unrelated: one record may hold many packets
// and one packet may span many records, so the framer accepts chunks of any size, from one byte
// to 64 KiB and more.
//
// Contract of feed() (picotls' inlen contract): every whole packet is passed to the sink as a
// view that is valid only during the call. Packets lying wholly inside `input` are not copied;
// only a packet split across feed() calls is assembled in an internal buffer of at most
// kMaxPacketLen bytes. feed() returns how many input bytes it consumed: all of them, unless the
// sink asked to stop (back-pressure: the caller feeds the rest later) or the stream failed to
// delineate (then the error, and the framer stays failed: 3.1.5.1 says the connection must go).
#pragma once

#include <array>
#include <cstddef>
#include <functional>

#include "controlplane/base/bytes.h"
#include "controlplane/base/result.h"
#include "controlplane/sstp/codec.h"

namespace ksstp::sstp {

struct Frame {
    bool control = false;
    ByteView packet;   // the whole SSTP packet, header included
    ByteView payload;  // after the 4-byte header: a control message body or a PPP frame
};

enum class SinkVerdict : uint8_t { Continue, Stop };

struct FeedResult {
    size_t consumed = 0;
    size_t frames = 0;
};

class SstpFramer {
public:
    using Sink = std::function<SinkVerdict(const Frame&)>;

    Result<FeedResult, DecodeError> feed(ByteView input, const Sink& sink);

    // Bytes of a partial packet held between calls (0..4094).
    size_t buffered() const { return have_; }
    // Those bytes: when the stream moves to another framer (the data plane hands a session back
    // to the control plane) they are fed to it first.
    ByteView partial() const { return ByteView(partial_.data(), have_); }
    bool failed() const { return failed_; }

private:
    std::array<uint8_t, kMaxPacketLen> partial_{};
    size_t have_ = 0;
    bool failed_ = false;
    DecodeError error_{};
};

}  // namespace ksstp::sstp
