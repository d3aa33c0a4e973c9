#pragma once
// Owners for sd-bus messages and errors, used inside lib/bus.
#include <memory>

#include <systemd/sd-bus.h>

namespace ezkvm::bus {

struct MessageUnref {
    void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;

struct CallError {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    CallError() = default;
    CallError(const CallError&) = delete;
    CallError& operator=(const CallError&) = delete;
    ~CallError() { sd_bus_error_free(&error); }
    sd_bus_error* get() { return &error; }
};

}  // namespace ezkvm::bus
