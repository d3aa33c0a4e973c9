#include "bus/manager.hpp"

#include <csignal>
#include <optional>

#include <fmt/format.h>

#include "bus/message.hpp"
#include "bus/unit_path.hpp"

namespace ezkvm::bus {
namespace {

constexpr const char* systemd = systemd_service;

const char* job_method(JobVerb verb)
{
    switch (verb) {
    case JobVerb::Start: return "StartUnit";
    case JobVerb::Stop: return "StopUnit";
    case JobVerb::Restart: return "RestartUnit";
    }
    return "StartUnit";
}

std::string describe_job(const std::string& result, const std::string& unit)
{
    if (result == "done")
        return fmt::format("{} is done", unit);
    if (result == "failed")
        return fmt::format("{} failed", unit);
    if (result == "timeout")
        return fmt::format("{} timed out", unit);
    if (result == "dependency")
        return fmt::format("a unit {} depends on failed", unit);
    if (result == "canceled")
        return fmt::format("the job for {} was canceled", unit);
    if (result == "skipped")
        return fmt::format("the job for {} was skipped", unit);
    return fmt::format("the job for {} ended with result '{}'", unit, result);
}

struct JobWait {
    std::string path;                   // the job's object path, once known
    std::optional<std::string> result;  // set by the JobRemoved signal
};

int on_job_removed(sd_bus_message* message, void* userdata, sd_bus_error*)
{
    auto* wait = static_cast<JobWait*>(userdata);
    uint32_t id = 0;
    const char* path = nullptr;
    const char* unit = nullptr;
    const char* result = nullptr;
    if (sd_bus_message_read(message, "uoss", &id, &path, &unit, &result) >= 0 && wait->path == path)
        wait->result = result;
    return 0;
}

// Calls `enqueue` (which returns the job's object path) with a JobRemoved match
// already in place, then waits for the job to go.
template <typename Enqueue>
Result<JobResult> wait_for_job(Connection& connection, const std::string& unit, Enqueue enqueue,
                               const JobTicker* ticker = nullptr)
{
    sd_bus* bus = connection.get();
    JobWait wait;
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_match_signal(bus, &slot, systemd, manager_path, manager_iface, "JobRemoved", on_job_removed, &wait);
    if (r < 0)
        return make_error("cannot watch systemd's jobs", nullptr, r);
    struct SlotUnref {
        sd_bus_slot* slot;
        ~SlotUnref() { sd_bus_slot_unref(slot); }
    } unref{slot};
    // Without a subscription systemd still signals the client that queued the job; subscribing costs nothing.
    sd_bus_call_method(bus, systemd, manager_path, manager_iface, "Subscribe", nullptr, nullptr, "");

    Result<std::string> job = enqueue(bus);
    if (!job)
        return job.error();
    wait.path = job.value();
    using Clock = std::chrono::steady_clock;
    auto next_tick = ticker ? Clock::now() + ticker->interval : Clock::time_point::max();
    while (!wait.result) {
        if (ticker && Clock::now() >= next_tick) {
            ticker->tick();
            next_tick += ticker->interval;
        }
        r = sd_bus_process(bus, nullptr);
        if (r < 0)
            return make_error("lost the connection to systemd", nullptr, r);
        if (r > 0)
            continue;
        const uint64_t timeout_usec =
            ticker ? static_cast<uint64_t>(std::max<int64_t>(
                         0, std::chrono::duration_cast<std::chrono::microseconds>(next_tick - Clock::now()).count()))
                   : UINT64_MAX;
        r = sd_bus_wait(bus, timeout_usec);
        if (r < 0 && r != -EINTR)
            return make_error("lost the connection to systemd", nullptr, r);
    }
    return JobResult{*wait.result, describe_job(*wait.result, unit)};
}

Result<std::string> read_job_path(sd_bus_message* reply)
{
    const char* path = nullptr;
    const int r = sd_bus_message_read(reply, "o", &path);
    if (r < 0)
        return make_error("cannot read systemd's reply", nullptr, r);
    return std::string(path);
}

int append_exec(sd_bus_message* m, const ExecCommands& commands)
{
    int r = sd_bus_message_open_container(m, 'a', "(sasb)");
    for (const auto& [argv, ignore_failure] : commands) {
        if (r >= 0)
            r = sd_bus_message_open_container(m, 'r', "sasb");
        if (r >= 0)
            r = sd_bus_message_append(m, "s", argv.at(0).c_str());
        if (r >= 0)
            r = sd_bus_message_open_container(m, 'a', "s");
        for (const auto& arg : argv)
            if (r >= 0)
                r = sd_bus_message_append(m, "s", literal_dollars(arg).c_str());
        if (r >= 0)
            r = sd_bus_message_close_container(m);
        if (r >= 0)
            r = sd_bus_message_append(m, "b", ignore_failure ? 1 : 0);
        if (r >= 0)
            r = sd_bus_message_close_container(m);
    }
    return r >= 0 ? sd_bus_message_close_container(m) : r;
}

int append_strings(sd_bus_message* m, const std::vector<std::string>& items)
{
    int r = sd_bus_message_open_container(m, 'a', "s");
    for (const auto& item : items)
        if (r >= 0)
            r = sd_bus_message_append(m, "s", item.c_str());
    return r >= 0 ? sd_bus_message_close_container(m) : r;
}

// One (sv) of StartTransientUnit's properties.
int append_property(sd_bus_message* m, const TransientProperty& property)
{
    struct Visitor {
        sd_bus_message* m;
        int open(const char* sig) { return sd_bus_message_open_container(m, 'v', sig); }
        int operator()(const std::string& v) { return sd_bus_message_append(m, "v", "s", v.c_str()); }
        int operator()(bool v) { return sd_bus_message_append(m, "v", "b", v ? 1 : 0); }
        int operator()(U32 v) { return sd_bus_message_append(m, "v", "u", v.value); }
        int operator()(U64 v) { return sd_bus_message_append(m, "v", "t", v.value); }
        int operator()(I32 v) { return sd_bus_message_append(m, "v", "i", v.value); }
        int operator()(const std::vector<std::string>& v)
        {
            int r = open("as");
            if (r >= 0)
                r = append_strings(m, v);
            return r >= 0 ? sd_bus_message_close_container(m) : r;
        }
        int operator()(const FilterList& v)
        {
            int r = open("(bas)");
            if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "bas");
            if (r >= 0)
                r = sd_bus_message_append(m, "b", v.allow ? 1 : 0);
            if (r >= 0)
                r = append_strings(m, v.items);
            if (r >= 0)
                r = sd_bus_message_close_container(m);
            return r >= 0 ? sd_bus_message_close_container(m) : r;
        }
        int operator()(const ExecCommands& v)
        {
            int r = open("a(sasb)");
            if (r >= 0)
                r = append_exec(m, v);
            return r >= 0 ? sd_bus_message_close_container(m) : r;
        }
        int operator()(const Credentials& v)
        {
            int r = open("a(ss)");
            if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(ss)");
            for (const auto& [id, path] : v)
                if (r >= 0)
                    r = sd_bus_message_append(m, "(ss)", id.c_str(), path.c_str());
            if (r >= 0)
                r = sd_bus_message_close_container(m);
            return r >= 0 ? sd_bus_message_close_container(m) : r;
        }
    };
    int r = sd_bus_message_open_container(m, 'r', "sv");
    if (r >= 0)
        r = sd_bus_message_append(m, "s", property.bus_name.c_str());
    if (r >= 0)
        r = std::visit(Visitor{m}, property.value);
    return r >= 0 ? sd_bus_message_close_container(m) : r;
}

}  // namespace

Result<std::vector<std::string>> service_environment(Connection& connection, const std::string& unit)
{
    const auto path = unit_path(unit);
    if (!path)
        return Error{fmt::format("'{}' is not a valid unit name", unit), EINVAL};
    CallError error;
    char** strv = nullptr;
    const int r = sd_bus_get_property_strv(connection.get(), systemd, path->c_str(), service_iface, "Environment",
                                           error.get(), &strv);
    if (r < 0)
        return make_error(fmt::format("cannot read the environment of {}", unit), error.get(), r);
    std::vector<std::string> out;
    for (char** s = strv; s && *s; ++s) {
        out.emplace_back(*s);
        free(*s);
    }
    free(strv);
    return out;
}

Result<JobResult> run_job(Connection& connection, JobVerb verb, const std::string& unit, const JobTicker* ticker)
{
    return wait_for_job(connection, unit, [&](sd_bus* bus) -> Result<std::string> {
        CallError error;
        sd_bus_message* reply = nullptr;
        const int r = sd_bus_call_method(bus, systemd, manager_path, manager_iface, job_method(verb), error.get(),
                                         &reply, "ss", unit.c_str(), "replace");
        Message owner(reply);
        if (r < 0)
            return make_error(fmt::format("{} {}", job_method(verb), unit), error.get(), r);
        return read_job_path(reply);
    }, ticker);
}

Result<void> queue_start(Connection& connection, const std::string& unit)
{
    CallError error;
    const int r = sd_bus_call_method(connection.get(), systemd, manager_path, manager_iface, "StartUnit", error.get(),
                                     nullptr, "ss", unit.c_str(), "replace");
    if (r < 0)
        return make_error(fmt::format("StartUnit {}", unit), error.get(), r);
    return {};
}

Result<void> ref_unit(Connection& connection, const std::string& unit)
{
    const auto path = unit_path(unit);
    if (!path)
        return Error{fmt::format("'{}' is not a valid unit name", unit), EINVAL};
    CallError error;
    const int r =
        sd_bus_call_method(connection.get(), systemd, path->c_str(), unit_iface, "Ref", error.get(), nullptr, "");
    if (r < 0)
        return make_error(fmt::format("Ref {}", unit), error.get(), r);
    return {};
}

Result<std::optional<int>> last_exec_status(Connection& connection, const std::string& unit, const char* property)
{
    const auto path = unit_path(unit);
    if (!path)
        return Error{fmt::format("'{}' is not a valid unit name", unit), EINVAL};
    CallError error;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_get_property(connection.get(), systemd, path->c_str(), service_iface, property, error.get(), &reply,
                                "a(sasbttttuii)");
    Message owner(reply);
    if (r < 0)
        return make_error(fmt::format("cannot read {} of {}", property, unit), error.get(), r);
    std::optional<int> status;
    // a(sasbttttuii): path, argv, ignore errors, start/exit timestamps, pid, si_code, status.
    r = sd_bus_message_enter_container(reply, 'a', "(sasbttttuii)");
    while (r > 0 && (r = sd_bus_message_enter_container(reply, 'r', "sasbttttuii")) > 0) {
        const char* exec_path = nullptr;
        int ignore = 0;
        uint64_t start = 0, start_mono = 0, exit = 0, exit_mono = 0;
        uint32_t pid = 0;
        int32_t code = 0, value = 0;
        r = sd_bus_message_read(reply, "s", &exec_path);
        if (r >= 0)
            r = sd_bus_message_skip(reply, "as");
        if (r >= 0)
            r = sd_bus_message_read(reply, "bttttuii", &ignore, &start, &start_mono, &exit, &exit_mono, &pid, &code,
                                    &value);
        if (r >= 0 && exit != 0)
            status = code == CLD_EXITED ? value : -1;
        if (r >= 0)
            r = sd_bus_message_exit_container(reply);
    }
    if (r < 0)
        return make_error(fmt::format("cannot read {} of {}", property, unit), nullptr, r);
    return status;
}

Result<void> kill_main_process(Connection& connection, const std::string& unit, int signal)
{
    CallError error;
    const int r = sd_bus_call_method(connection.get(), systemd, manager_path, manager_iface, "KillUnit", error.get(),
                                     nullptr, "ssi", unit.c_str(), "main", signal);
    if (r < 0)
        return make_error(fmt::format("KillUnit {}", unit), error.get(), r);
    return {};
}

Result<uint32_t> dynamic_user_uid(Connection& connection, const std::string& user)
{
    CallError error;
    Message reply;
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_call_method(connection.get(), systemd, manager_path, manager_iface, "LookupDynamicUserByName",
                                     error.get(), &raw, "s", user.c_str());
    reply.reset(raw);
    if (r < 0)
        return make_error(fmt::format("LookupDynamicUserByName {}", user), error.get(), r);
    uint32_t uid = 0;
    if (const int read = sd_bus_message_read(reply.get(), "u", &uid); read < 0)
        return errno_error(fmt::format("LookupDynamicUserByName {}: cannot read the answer", user), -read);
    return uid;
}

Result<void> reset_failed(Connection& connection, const std::string& unit)
{
    CallError error;
    const int r = sd_bus_call_method(connection.get(), systemd, manager_path, manager_iface, "ResetFailedUnit",
                                     error.get(), nullptr, "s", unit.c_str());
    if (r < 0)
        return make_error(fmt::format("ResetFailedUnit {}", unit), error.get(), r);
    return {};
}

Result<void> reload(Connection& connection)
{
    CallError error;
    const int r = sd_bus_call_method(connection.get(), systemd, manager_path, manager_iface, "Reload", error.get(),
                                     nullptr, "");
    if (r < 0)
        return make_error("Reload", error.get(), r);
    return {};
}

Result<JobResult> start_transient(Connection& connection, const TransientUnit& unit)
{
    return wait_for_job(connection, unit.name, [&](sd_bus* bus) -> Result<std::string> {
        sd_bus_message* call = nullptr;
        int r = sd_bus_message_new_method_call(bus, &call, systemd, manager_path, manager_iface,
                                               "StartTransientUnit");
        Message call_owner(call);
        if (r >= 0)
            r = sd_bus_message_append(call, "ss", unit.name.c_str(), "fail");
        if (r >= 0)
            r = sd_bus_message_open_container(call, 'a', "(sv)");
        for (const auto& property : unit.properties)
            if (r >= 0)
                r = append_property(call, property);
        if (r >= 0)
            r = sd_bus_message_close_container(call);
        if (r >= 0)
            r = sd_bus_message_append(call, "a(sa(sv))", 0);
        if (r < 0)
            return make_error("cannot build the StartTransientUnit call", nullptr, r);
        CallError error;
        sd_bus_message* reply = nullptr;
        r = sd_bus_call(bus, call, 0, error.get(), &reply);
        Message reply_owner(reply);
        if (r < 0)
            return make_error(fmt::format("StartTransientUnit {}", unit.name), error.get(), r);
        return read_job_path(reply);
    });
}

}  // namespace ezkvm::bus
