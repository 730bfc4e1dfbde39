// Byte buffers and bounds-checked big-endian readers/writers for every wire codec.
//
// ByteReader never reads past its view: every getter returns std::nullopt-like failure via
// ok() turning false, so a codec can read a whole structure and check once at the end
// (picotls-style "validate before trusting"). ByteWriter appends to a caller-owned vector and
// can reserve a length field to backfill once the block is complete.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ksstp {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(ByteView b) { return Bytes(b.begin(), b.end()); }
inline bool equal(ByteView a, ByteView b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

class ByteReader {
public:
    explicit ByteReader(ByteView v) : v_(v) {}

    bool ok() const { return ok_; }
    size_t remaining() const { return ok_ ? v_.size() - pos_ : 0; }
    size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }

    uint8_t u8() {
        if (!need(1)) return 0;
        return v_[pos_++];
    }
    uint16_t u16() {
        if (!need(2)) return 0;
        uint16_t r = static_cast<uint16_t>(v_[pos_] << 8 | v_[pos_ + 1]);
        pos_ += 2;
        return r;
    }
    uint32_t u24() {
        if (!need(3)) return 0;
        uint32_t r = uint32_t(v_[pos_]) << 16 | uint32_t(v_[pos_ + 1]) << 8 | v_[pos_ + 2];
        pos_ += 3;
        return r;
    }
    uint32_t u32() {
        if (!need(4)) return 0;
        uint32_t r = uint32_t(v_[pos_]) << 24 | uint32_t(v_[pos_ + 1]) << 16 |
                     uint32_t(v_[pos_ + 2]) << 8 | v_[pos_ + 3];
        pos_ += 4;
        return r;
    }
    uint64_t u64() {
        uint64_t hi = u32();
        return hi << 32 | u32();
    }
    ByteView bytes(size_t n) {
        if (!need(n)) return {};
        ByteView r = v_.subspan(pos_, n);
        pos_ += n;
        return r;
    }
    template <size_t N>
    std::array<uint8_t, N> array() {
        std::array<uint8_t, N> a{};
        ByteView b = bytes(N);
        if (ok_) std::memcpy(a.data(), b.data(), N);
        return a;
    }
    ByteView rest() { return bytes(remaining()); }
    void skip(size_t n) { (void)bytes(n); }

private:
    bool need(size_t n) {
        if (!ok_ || v_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }
    ByteView v_;
    size_t pos_ = 0;
    bool ok_ = true;
};

class ByteWriter {
public:
    explicit ByteWriter(Bytes& out) : out_(out) {}

    size_t size() const { return out_.size(); }
    void u8(uint8_t v) { out_.push_back(v); }
    void u16(uint16_t v) {
        out_.push_back(uint8_t(v >> 8));
        out_.push_back(uint8_t(v));
    }
    void u24(uint32_t v) {
        out_.push_back(uint8_t(v >> 16));
        out_.push_back(uint8_t(v >> 8));
        out_.push_back(uint8_t(v));
    }
    void u32(uint32_t v) {
        u16(uint16_t(v >> 16));
        u16(uint16_t(v));
    }
    void u64(uint64_t v) {
        u32(uint32_t(v >> 32));
        u32(uint32_t(v));
    }
    void bytes(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
    void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
    // Reserves a 16-bit field; fill it later with patch_u16 (e.g. a length covering a block).
    size_t reserve_u16() {
        size_t at = out_.size();
        u16(0);
        return at;
    }
    void patch_u16(size_t at, uint16_t v) {
        out_[at] = uint8_t(v >> 8);
        out_[at + 1] = uint8_t(v);
    }

private:
    Bytes& out_;
};

std::string to_hex(ByteView b, bool upper = false);
// Accepts upper/lower case, ignores spaces; returns false on odd length or bad digit.
bool from_hex(std::string_view s, Bytes& out);
Bytes hex_bytes(std::string_view s);  // for tests and constants; empty on error

}  // namespace ksstp
