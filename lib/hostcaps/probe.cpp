#include "hostcaps/probe.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <map>
#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hostcaps/guest_check.hpp"
#include "hostcaps/hyperv.hpp"
#include "hostcaps/qemu_messages.hpp"
#include "hostcaps/qemu_run.hpp"

namespace ezkvm::hostcaps {
namespace {

using nlohmann::json;

constexpr const char* arch_capabilities = "arch-capabilities";

std::vector<std::string> base_argv(const ProbeOptions& options, const std::string& accel)
{
    return {options.qemu_binary, "-accel", accel, "-nodefaults", "-display", "none", "-no-user-config"};
}

std::string qmp_input(const std::vector<json>& commands)
{
    std::string input = R"({"execute":"qmp_capabilities"})" "\n";
    for (const auto& c : commands)
        input += c.dump() + "\n";
    return input + R"({"execute":"quit"})" "\n";
}

json command(const char* id, const char* name, json arguments = nullptr)
{
    json c = {{"execute", name}, {"id", id}};
    if (!arguments.is_null())
        c["arguments"] = std::move(arguments);
    return c;
}

struct QmpSession {
    json greeting;
    std::map<std::string, json> replies;  // "return" values by command id

    json reply(const std::string& id) const
    {
        const auto found = replies.find(id);
        return found == replies.end() ? json() : found->second;
    }
};

QmpSession read_session(const std::string& out)
{
    QmpSession session;
    size_t start = 0;
    while (start < out.size()) {
        size_t end = out.find('\n', start);
        if (end == std::string::npos)
            end = out.size();
        const json message = json::parse(out.substr(start, end - start), nullptr, false);
        start = end + 1;
        if (!message.is_object())
            continue;
        if (message.contains("QMP"))
            session.greeting = message["QMP"];
        else if (message.contains("id") && message["id"].is_string() && message.contains("return"))
            session.replies[message["id"].get<std::string>()] = message["return"];
    }
    return session;
}

std::string cpu_with(const std::string& model, const std::vector<std::string>& off,
                     const std::vector<std::string_view>& extra = {})
{
    std::string cpu = model;
    for (const auto& feature : off)
        cpu += ",-" + feature;
    for (auto e : extra)
        cpu += "," + std::string(e);
    return cpu;
}

std::string first_line(const std::string& text)
{
    std::string line = text.substr(0, text.find('\n'));
    if (line.starts_with("qemu-system-"))
        if (const size_t colon = line.find(": "); colon != std::string::npos)
            line.erase(0, colon + 2);
    return line;
}

std::vector<std::string> false_props(const json& expansion)
{
    std::vector<std::string> names;
    if (!expansion.is_object() || !expansion.contains("model"))
        return names;
    const json props = expansion["model"].value("props", json::object());
    for (const auto& [name, value] : props.items())
        if (value.is_boolean() && !value.get<bool>() && !name.starts_with("hv-"))
            names.push_back(name);
    return names;
}

std::vector<std::string> strings_of(const json& list)
{
    std::vector<std::string> out;
    if (list.is_array())
        for (const auto& item : list)
            if (item.is_string())
                out.push_back(item.get<std::string>());
    return out;
}

// Machine types, CPU models and what the accelerator lacks, from one qemu with no machine.
// An error says why qemu gave no answer.
Result<QmpSession> query_accel(const ProbeOptions& options, const std::string& accel)
{
    auto argv = base_argv(options, accel);
    argv.insert(argv.end(), {"-machine", "none", "-qmp", "stdio"});
    std::vector<json> commands = {command("models", "query-cpu-definitions"),
                                  command("expansion", "query-cpu-model-expansion",
                                          {{"type", "full"}, {"model", {{"name", accel == "kvm" ? "host" : "max"}}}})};
    if (accel == "kvm")
        commands.push_back(command("kvm", "query-kvm"));
    else
        commands.push_back(command("machines", "query-machines"));
    const auto run = run_qemu({argv, qmp_input(commands), {}, options.run_timeout, {}});
    if (!run)
        return run.error();
    auto session = read_session(run->out);
    if (!session.replies.count("models"))
        return Error{run->err.empty() ? "qemu answered no QMP query" : first_line(run->err)};
    return session;
}

}  // namespace

GuestCheck check_guest(const ProbeOptions& options)
{
    GuestCheck check;
    const Fd image = guest_check_image();
    if (!image) {
        check.problem = fmt::format("cannot make the guest check image: {}", std::strerror(errno));
        return check;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto argv = base_argv(options, "kvm");
        argv.insert(argv.end(), {"-cpu", cpu_with("max", check.features_off)});
        const auto options_for_image = guest_check_options(image.get());
        argv.insert(argv.end(), options_for_image.begin(), options_for_image.end());
        const auto ran = run_qemu({argv, {}, {image.get()}, options.run_timeout, options.guest_check_grace});
        if (!ran) {
            check.problem = ran.error().message;
            return check;
        }
        const QemuRun& run = *ran;
        if (!run.status) {
            check.status = KvmStatus::NoGuest;
            check.problem = fmt::format("under KVM, the guest check stopped {}", guest_check_stage(run.out));
            return check;
        }
        if (run.status->signal == 0 && run.status->code == guest_check_passed) {
            check.status = KvmStatus::Runs;
            return check;
        }
        const auto refusal = read_vcpu_refusal(run.err);
        if (refusal.arch_capabilities &&
            std::find(check.features_off.begin(), check.features_off.end(), arch_capabilities) ==
                check.features_off.end()) {
            check.features_off.emplace_back(arch_capabilities);
            continue;
        }
        check.problem = fmt::format("qemu {} setting up a KVM vCPU: {}", run.status->describe(),
                                    refusal.message.empty() ? first_line(run.err) : refusal.message);
        return check;
    }
    check.problem = "the guest check kept failing on KVM quirks";
    return check;
}

// Tries them all, leaves out what qemu names, again.
std::vector<std::string> refused_hyperv(const ProbeOptions& options)
{
    std::vector<std::string> refused, off;
    const size_t tries = enlightenments().size() + 2;
    for (size_t attempt = 0; attempt < tries; ++attempt) {
        const auto out = with_dependents(refused);
        std::vector<std::string_view> settings;
        for (const auto& e : enlightenments())
            if (std::find(out.begin(), out.end(), e.name) == out.end())
                settings.push_back(e.setting);
        if (settings.empty())
            return out;
        auto argv = base_argv(options, "kvm");
        argv.insert(argv.end(), {"-machine", "pc", "-m", "16", "-cpu", cpu_with("max", off, settings), "-S", "-qmp",
                                 "stdio"});
        const auto run = run_qemu({argv, qmp_input({command("status", "query-status")}), {}, options.run_timeout, {}});
        if (run && read_session(run->out).replies.count("status"))
            return out;
        const auto refusal = read_vcpu_refusal(run ? run->err : std::string());
        if (refusal.arch_capabilities && std::find(off.begin(), off.end(), arch_capabilities) == off.end()) {
            off.emplace_back(arch_capabilities);
            continue;
        }
        bool progress = false;
        for (const auto& name : refusal.refused_hyperv)
            if (std::find(out.begin(), out.end(), name) == out.end()) {
                refused.push_back(name);
                progress = true;
            }
        if (!progress)
            break;  // refused for a reason it cannot name: none of them, then
    }
    std::vector<std::string> all;
    for (const auto& e : enlightenments())
        all.emplace_back(e.name);
    return all;
}

namespace {

// "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
std::string version_of(const json& greeting)
{
    const json version = greeting.value("version", json::object());
    const json qemu = version.value("qemu", json::object());
    std::string text = fmt::format("{}.{}.{}", qemu.value("major", 0), qemu.value("minor", 0), qemu.value("micro", 0));
    const std::string package = version.value("package", std::string());
    if (!package.empty())
        text += " (" + package + ")";
    return text;
}

void fill_from_tcg(Capabilities& caps, const QmpSession& session)
{
    caps.qemu_version = version_of(session.greeting);
    for (const auto& m : session.reply("machines")) {
        caps.machines.push_back(m.value("name", std::string()));
        if (m.contains("alias"))
            caps.machines.push_back(m.value("alias", std::string()));
    }
    std::sort(caps.machines.begin(), caps.machines.end());
    for (const auto& model : session.reply("models"))
        caps.cpu_models.push_back({model.value("name", std::string()), {},
                                   strings_of(model.value("unavailable-features", json::array()))});
    std::sort(caps.cpu_models.begin(), caps.cpu_models.end(),
              [](const CpuModel& a, const CpuModel& b) { return a.name < b.name; });
    caps.tcg_unavailable_features = false_props(session.reply("expansion"));
}

void fill_from_kvm(Capabilities& caps, const QmpSession& session)
{
    for (const auto& model : session.reply("models"))
        for (auto& known : caps.cpu_models)
            if (known.name == model.value("name", std::string()))
                known.unavailable_kvm = strings_of(model.value("unavailable-features", json::array()));
    caps.kvm.unavailable_features = false_props(session.reply("expansion"));
}

// Which KVM module is loaded, for the problem text.
std::string kvm_module_note()
{
    for (const char* module : {"kvm_intel", "kvm_amd", "kvm_pvm"}) {
        struct stat st;
        if (::stat(fmt::format("/sys/module/{}", module).c_str(), &st) == 0)
            return fmt::format(" (KVM module: {})", module);
    }
    return {};
}

}  // namespace

Result<Capabilities> probe(const ProbeOptions& options)
{
    Capabilities caps;
    Fd kvm(::open(options.kvm_device.c_str(), O_RDWR | O_CLOEXEC));
    const int kvm_errno = errno;
    struct stat st;
    if (::stat(options.kvm_device.c_str(), &st) != 0) {
        caps.kvm.status = KvmStatus::Absent;
        caps.kvm.problem = fmt::format("{} does not exist: virtualization is off in the firmware setup, or no KVM "
                                       "module (kvm_intel, kvm_amd) is loaded",
                                       options.kvm_device);
    } else if (!kvm) {
        caps.kvm.status = KvmStatus::NoAccess;
        caps.kvm.problem = fmt::format("cannot open {}: {}", options.kvm_device, std::strerror(kvm_errno));
    }
    const bool try_kvm = kvm.valid();
    kvm.reset();

    auto tcg = std::async(std::launch::async, query_accel, std::cref(options), std::string("tcg"));
    std::future<Result<QmpSession>> kvm_query;
    std::future<GuestCheck> guest;
    std::future<std::vector<std::string>> hyperv;
    if (try_kvm) {
        kvm_query = std::async(std::launch::async, query_accel, std::cref(options), std::string("kvm"));
        guest = std::async(std::launch::async, check_guest, std::cref(options));
        hyperv = std::async(std::launch::async, refused_hyperv, std::cref(options));
    }

    auto tcg_result = tcg.get();
    if (!tcg_result)
        return Error{fmt::format("{} does not answer: {}", options.qemu_binary, tcg_result.error().message)};
    fill_from_tcg(caps, *tcg_result);
    if (!try_kvm)
        return caps;

    auto kvm_result = kvm_query.get();
    auto guest_result = guest.get();
    caps.kvm.refused_hyperv = hyperv.get();
    if (!kvm_result || !kvm_result->reply("kvm").value("enabled", false)) {
        caps.kvm.status = KvmStatus::Unusable;
        caps.kvm.problem = kvm_result ? "qemu reports KVM as not enabled" : kvm_result.error().message;
        caps.kvm.refused_hyperv.clear();
        return caps;
    }
    fill_from_kvm(caps, *kvm_result);
    caps.kvm.status = guest_result.status;
    caps.kvm.features_off = guest_result.features_off;
    if (!guest_result.problem.empty())
        caps.kvm.problem = guest_result.problem + kvm_module_note();
    return caps;
}

}  // namespace ezkvm::hostcaps
