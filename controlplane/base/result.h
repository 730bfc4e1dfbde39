// Result<T, E>: the error-as-value type of codecs, state machines and hot paths.
//
// GCC 12 ships std::expected under -std=c++23 and we use it directly. clang 14 (the fuzz build)
// cannot compile libstdc++'s <expected> (it needs __cpp_concepts >= 202002L), so for that
// compiler a minimal look-alike with the same spelling is provided below. Only the subset of
// std::expected that ksstp uses is implemented: construction from a value or an unexpected,
// has_value/operator bool, value/error/operator*/operator->, value_or.
#pragma once

#include <utility>
#if __has_include(<expected>)
#include <expected>
#endif

namespace ksstp {

#if defined(__cpp_lib_expected)
template <class T, class E>
using Result = std::expected<T, E>;
template <class E>
using Unexpected = std::unexpected<E>;
#else
template <class E>
class Unexpected {
public:
    constexpr explicit Unexpected(E e) : e_(std::move(e)) {}
    constexpr const E& error() const& { return e_; }
    constexpr E& error() & { return e_; }

private:
    E e_;
};
template <class E>
Unexpected(E) -> Unexpected<E>;

template <class T, class E>
class Result {
public:
    constexpr Result() requires std::is_default_constructible_v<T> : ok_(true), v_() {}
    constexpr Result(T v) : ok_(true), v_(std::move(v)) {}  // NOLINT(google-explicit-constructor)
    template <class G>
    constexpr Result(Unexpected<G> u) : ok_(false), e_(std::move(u.error())) {}  // NOLINT
    Result(const Result& o) : ok_(o.ok_) {
        if (ok_) new (&v_) T(o.v_); else new (&e_) E(o.e_);
    }
    Result(Result&& o) noexcept : ok_(o.ok_) {
        if (ok_) new (&v_) T(std::move(o.v_)); else new (&e_) E(std::move(o.e_));
    }
    Result& operator=(Result o) {
        this->~Result();
        new (this) Result(std::move(o));
        return *this;
    }
    ~Result() {
        if (ok_) v_.~T(); else e_.~E();
    }
    constexpr bool has_value() const { return ok_; }
    constexpr explicit operator bool() const { return ok_; }
    constexpr T& value() & { return v_; }
    constexpr const T& value() const& { return v_; }
    constexpr T&& value() && { return std::move(v_); }
    constexpr T& operator*() & { return v_; }
    constexpr const T& operator*() const& { return v_; }
    constexpr T&& operator*() && { return std::move(v_); }
    constexpr T* operator->() { return &v_; }
    constexpr const T* operator->() const { return &v_; }
    constexpr const E& error() const { return e_; }
    template <class U>
    constexpr T value_or(U&& d) const& { return ok_ ? v_ : static_cast<T>(std::forward<U>(d)); }

private:
    bool ok_;
    union {
        T v_;
        E e_;
    };
};

template <class E>
class Result<void, E> {
public:
    constexpr Result() : ok_(true), e_() {}
    template <class G>
    constexpr Result(Unexpected<G> u) : ok_(false), e_(std::move(u.error())) {}  // NOLINT
    constexpr bool has_value() const { return ok_; }
    constexpr explicit operator bool() const { return ok_; }
    constexpr const E& error() const { return e_; }

private:
    bool ok_;
    E e_;
};
#endif

template <class E>
constexpr auto fail(E e) {
    return Unexpected<E>(std::move(e));
}

}  // namespace ksstp

// Propagates the error of a Result-returning expression, otherwise yields its value.
// Control-plane code only (STYLE.md "Errors"); uses a GNU statement expression.
#define KSSTP_TRY(expr)                                        \
    ({                                                         \
        auto&& ksstp_try_r_ = (expr);                          \
        if (!ksstp_try_r_) return ::ksstp::fail(ksstp_try_r_.error()); \
        std::move(*ksstp_try_r_);                              \
    })
