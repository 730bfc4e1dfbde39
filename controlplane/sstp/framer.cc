// SSTP stream framer; see framer.h.
#include "controlplane/sstp/framer.h"

#include <algorithm>
#include <cstring>

namespace ksstp::sstp {

Result<FeedResult, DecodeError> SstpFramer::feed(ByteView input, const Sink& sink) {
    if (failed_) return fail(error_);
    FeedResult res;
    size_t pos = 0;
    auto fail_with = [&](DecodeError e) {
        failed_ = true;
        error_ = e;
        return fail(e);
    };

    // 1. Complete a packet that began in an earlier call.
    if (have_ > 0) {
        if (have_ < kHeaderLen) {
            size_t take = std::min(kHeaderLen - have_, input.size());
            std::memcpy(partial_.data() + have_, input.data(), take);
            have_ += take;
            pos += take;
            if (have_ < kHeaderLen) {
                res.consumed = pos;
                return res;
            }
        }
        auto hdr = decode_header(ByteView(partial_.data(), kHeaderLen));
        if (!hdr) return fail_with(hdr.error());
        size_t take = std::min<size_t>(hdr->length - have_, input.size() - pos);
        std::memcpy(partial_.data() + have_, input.data() + pos, take);
        have_ += take;
        pos += take;
        if (have_ < hdr->length) {
            res.consumed = pos;
            return res;
        }
        ByteView pkt(partial_.data(), hdr->length);
        have_ = 0;
        ++res.frames;
        if (sink(Frame{hdr->control, pkt, pkt.subspan(kHeaderLen)}) == SinkVerdict::Stop) {
            res.consumed = pos;
            return res;
        }
    }

    // 2. Whole packets straight from the input, without copying.
    while (input.size() - pos >= kHeaderLen) {
        auto hdr = decode_header(input.subspan(pos, kHeaderLen));
        if (!hdr) {
            res.consumed = pos;
            return fail_with(hdr.error());
        }
        if (input.size() - pos < hdr->length) break;
        ByteView pkt = input.subspan(pos, hdr->length);
        pos += hdr->length;
        ++res.frames;
        if (sink(Frame{hdr->control, pkt, pkt.subspan(kHeaderLen)}) == SinkVerdict::Stop) {
            res.consumed = pos;
            return res;
        }
    }

    // 3. Keep the tail: validate its header early so garbage fails now, not a packet later.
    size_t tail = input.size() - pos;
    if (tail >= kHeaderLen) {
        auto hdr = decode_header(input.subspan(pos, kHeaderLen));
        if (!hdr) return fail_with(hdr.error());
    } else if (tail > 0 && input[pos] != kVersion) {
        return fail_with(DecodeError::BadVersion);
    }
    std::memcpy(partial_.data(), input.data() + pos, tail);
    have_ = tail;
    res.consumed = input.size();
    return res;
}

}  // namespace ksstp::sstp
