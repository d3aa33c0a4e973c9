#include "runtime/guest_watch.hpp"

#include <fmt/format.h>

namespace ezkvm::runtime {
namespace {

// GUEST_PANICKED's "info": Hyper-V's five crash parameters, when the guest gave them.
std::string panic_details(const nlohmann::json& data)
{
    const auto info = data.value("info", nlohmann::json::object());
    if (info.value("type", std::string()) != "hyper-v")
        return {};
    return fmt::format(" (Hyper-V crash parameters {:#x} {:#x} {:#x} {:#x} {:#x})", info.value("arg1", 0ULL),
                       info.value("arg2", 0ULL), info.value("arg3", 0ULL), info.value("arg4", 0ULL),
                       info.value("arg5", 0ULL));
}

}  // namespace

std::optional<std::string> death_of_state(const std::string& status)
{
    if (status == "internal-error")
        return "the guest stopped on a KVM internal error (qemu printed the details and the vCPU registers above); "
               "the vCPU cannot go on";
    if (status == "guest-panicked")
        return "the guest panicked";
    return std::nullopt;
}

std::optional<std::string> death_of(const QmpEvent& event, QmpClient& qmp)
{
    if (event.name == "GUEST_PANICKED" && event.data.value("action", std::string()) != "run")
        return "the guest panicked" + panic_details(event.data);
    if (event.name != "STOP")
        return std::nullopt;
    const auto reply = qmp.execute("query-status");
    if (!reply || !reply->ok)
        return std::nullopt;
    return death_of_state(reply->value.value("status", std::string()));
}

std::optional<std::string> guest_death(QmpClient& qmp)
{
    while (auto event = qmp.pop_event())
        if (auto death = death_of(*event, qmp))
            return death;
    return std::nullopt;
}

}  // namespace ezkvm::runtime
