#pragma once
// The one result type of operations that can fail: a value, or an Error that
// says what failed for people and, where there is one, the errno behind it.
// Never an exception. (Findings about a VM file or its plan are Diagnostics.)
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ezkvm {

struct Error {
    std::string message;  // "cannot open /dev/net/tun: Permission denied"
    int errno_value = 0;  // the errno behind it; 0 when there is none
};

// "<what>: <strerror(errno_value)>", keeping errno_value.
Error errno_error(std::string_view what, int errno_value);

template <typename T>
class Result {
public:
    Result(T value) : value_(std::move(value)) {}
    Result(Error error) : value_(std::move(error)) {}

    bool ok() const { return value_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(value_); }
    const T& value() const { return std::get<0>(value_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    const Error& error() const { return std::get<1>(value_); }

private:
    std::variant<T, Error> value_;
};

// An operation that gives nothing back but can fail.
template <>
class Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}

    bool ok() const { return !error_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *error_; }

private:
    std::optional<Error> error_;
};

}  // namespace ezkvm
