#include "hostcaps/capabilities.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ezkvm::hostcaps {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<KvmStatus, const char*>, 5> status_names = {{
    {KvmStatus::Absent, "absent"},
    {KvmStatus::NoAccess, "no-access"},
    {KvmStatus::Unusable, "unusable"},
    {KvmStatus::NoGuest, "no-guest"},
    {KvmStatus::Runs, "runs"},
}};

const char* status_name(KvmStatus status)
{
    for (const auto& [s, name] : status_names)
        if (s == status)
            return name;
    return "absent";
}

std::optional<KvmStatus> status_from_name(const std::string& name)
{
    for (const auto& [s, n] : status_names)
        if (name == n)
            return s;
    return std::nullopt;
}

uint64_t fnv1a(const std::string& text)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

}  // namespace

bool Capabilities::has_machine(const std::string& name) const
{
    return std::find(machines.begin(), machines.end(), name) != machines.end();
}

std::vector<std::string> Capabilities::machine_versions(const std::string& prefix) const
{
    std::vector<std::string> versions;
    for (const auto& m : machines)
        if (m.starts_with(prefix) && m.size() > prefix.size())
            versions.push_back(m.substr(prefix.size()));
    // "2.10" after "2.9": compare the dotted numbers, not the text.
    auto numbers = [](const std::string& v) {
        std::vector<unsigned long> n;
        for (size_t start = 0; start <= v.size();) {
            const size_t dot = std::min(v.find('.', start), v.size());
            n.push_back(std::strtoul(v.substr(start, dot - start).c_str(), nullptr, 10));
            start = dot + 1;
        }
        return n;
    };
    std::sort(versions.begin(), versions.end(),
              [&](const std::string& a, const std::string& b) { return numbers(a) < numbers(b); });
    return versions;
}

const CpuModel* Capabilities::cpu_model(const std::string& name) const
{
    for (const auto& m : cpu_models)
        if (m.name == name)
            return &m;
    return nullptr;
}

std::string describe(KvmStatus status)
{
    switch (status) {
    case KvmStatus::Absent: return "no /dev/kvm";
    case KvmStatus::NoAccess: return "/dev/kvm does not open";
    case KvmStatus::Unusable: return "KVM cannot be set up";
    case KvmStatus::NoGuest: return "KVM opens but runs no guest";
    case KvmStatus::Runs: return "KVM runs guests";
    }
    return "";
}

json to_json_value(const Capabilities& caps)
{
    json models = json::object();
    for (const auto& m : caps.cpu_models)
        models[m.name] = {{"unavailable_kvm", m.unavailable_kvm}, {"unavailable_tcg", m.unavailable_tcg}};
    return {
        {"qemu_version", caps.qemu_version},
        {"machines", caps.machines},
        {"cpu_models", models},
        {"tcg_unavailable_features", caps.tcg_unavailable_features},
        {"kvm",
         {{"status", status_name(caps.kvm.status)},
          {"problem", caps.kvm.problem},
          {"features_off", caps.kvm.features_off},
          {"refused_hyperv", caps.kvm.refused_hyperv},
          {"unavailable_features", caps.kvm.unavailable_features}}},
    };
}

std::string to_json(const Capabilities& caps)
{
    return to_json_value(caps).dump(1);
}

std::optional<Capabilities> from_json(const std::string& text)
{
    return from_json_value(json::parse(text, nullptr, false));
}

std::optional<Capabilities> from_json_value(const json& j)
{
    if (j.is_discarded() || !j.is_object())
        return std::nullopt;
    try {
        Capabilities caps;
        caps.qemu_version = j.at("qemu_version").get<std::string>();
        caps.machines = j.at("machines").get<std::vector<std::string>>();
        for (const auto& [name, model] : j.at("cpu_models").items())
            caps.cpu_models.push_back({name, model.at("unavailable_kvm").get<std::vector<std::string>>(),
                                       model.at("unavailable_tcg").get<std::vector<std::string>>()});
        caps.tcg_unavailable_features = j.at("tcg_unavailable_features").get<std::vector<std::string>>();
        const json& kvm = j.at("kvm");
        const auto status = status_from_name(kvm.at("status").get<std::string>());
        if (!status)
            return std::nullopt;
        caps.kvm.status = *status;
        caps.kvm.problem = kvm.at("problem").get<std::string>();
        caps.kvm.features_off = kvm.at("features_off").get<std::vector<std::string>>();
        caps.kvm.refused_hyperv = kvm.at("refused_hyperv").get<std::vector<std::string>>();
        caps.kvm.unavailable_features = kvm.at("unavailable_features").get<std::vector<std::string>>();
        return caps;
    } catch (const json::exception&) {
        return std::nullopt;  // a key missing or of the wrong type: not capabilities
    }
}

std::string fingerprint(const Capabilities* caps)
{
    if (!caps)
        return "none";
    return fmt::format("{:016x}", fnv1a(to_json_value(*caps).dump()));
}

}  // namespace ezkvm::hostcaps
