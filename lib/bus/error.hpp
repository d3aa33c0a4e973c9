#pragma once
// Results of calls to systemd and its services: a value or an Error, never an
// exception.
#include <string>
#include <utility>
#include <variant>

namespace ezkvm::bus {

struct Error {
    std::string name;     // D-Bus error name when the peer sent one, else ""
    std::string message;  // for humans
    int errno_value = 0;  // from sd-bus, 0 when unknown
};

// polkit or the bus refused the call: access denied, or authentication that
// would need an interactive agent.
bool is_access_denied(const Error& error);

// The name has no owner and cannot be activated (machined not installed...).
bool is_service_unknown(const Error& error);

struct Done {};

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

}  // namespace ezkvm::bus
