#include "hostcaps/hyperv.hpp"

#include <algorithm>

namespace ezkvm::hostcaps {
namespace {

struct MsrRange {
    uint32_t first, last;
    std::string_view enlightenment;
};

// Hyper-V TLFS MSR numbers, as qemu 7.2 sets them for each enlightenment.
constexpr MsrRange msr_ranges[] = {
    {0x40000000, 0x40000001, "hv_relaxed"},   // guest OS id, hypercall page: any enlightenment
    {0x40000002, 0x40000002, "hv_vpindex"},
    {0x40000003, 0x40000003, "hv_reset"},
    {0x40000010, 0x40000010, "hv_runtime"},
    {0x40000020, 0x40000021, "hv_time"},
    {0x40000022, 0x40000023, "hv_frequencies"},
    {0x40000070, 0x40000073, "hv_vapic"},
    {0x40000080, 0x4000009f, "hv_synic"},
    {0x400000b0, 0x400000b7, "hv_stimer"},
    {0x40000100, 0x40000105, "hv_crash"},
    {0x40000106, 0x40000108, "hv_reenlightenment"},
};

}  // namespace

const std::vector<Enlightenment>& enlightenments()
{
    // system.hyperv gives a VM all but hv_crash; ezkvm.yaml(5) says why each is there.
    static const std::vector<Enlightenment> table = {
        {"hv_relaxed", "hv_relaxed", {}, true},
        {"hv_vapic", "hv_vapic", {}, true},
        {"hv_spinlocks", "hv_spinlocks=0x1fff", {}, true},
        {"hv_vpindex", "hv_vpindex", {}, true},
        {"hv_runtime", "hv_runtime", {}, true},
        {"hv_synic", "hv_synic", {"hv_vpindex"}, true},
        {"hv_stimer", "hv_stimer", {"hv_synic", "hv_time"}, true},
        {"hv_reset", "hv_reset", {}, true},
        {"hv_frequencies", "hv_frequencies", {}, true},
        {"hv_time", "hv_time", {}, true},
        {"hv_crash", "hv_crash", {}},
        {"hv_reenlightenment", "hv_reenlightenment", {}, true},
        {"hv_tlbflush", "hv_tlbflush", {"hv_vpindex"}, true},
        {"hv_ipi", "hv_ipi", {"hv_vpindex"}, true},
        {"hv_stimer_direct", "hv_stimer_direct", {"hv_stimer"}, true},
        {"hv_vendor_id", "hv_vendor_id=ezkvm", {}, true},
    };
    return table;
}

const Enlightenment* find_enlightenment(std::string_view name)
{
    for (const auto& e : enlightenments())
        if (e.name == name)
            return &e;
    return nullptr;
}

std::vector<std::string> vm_enlightenments()
{
    std::vector<std::string> names;
    for (const auto& e : enlightenments())
        if (e.in_vm_set)
            names.emplace_back(e.name);
    return names;
}

std::optional<std::string_view> enlightenment_of_msr(uint32_t msr)
{
    for (const auto& range : msr_ranges)
        if (msr >= range.first && msr <= range.last)
            return range.enlightenment;
    return std::nullopt;
}

std::vector<std::string> with_dependents(const std::vector<std::string>& refused)
{
    auto is_out = [&](std::string_view name, const std::vector<std::string>& out) {
        return std::find(out.begin(), out.end(), name) != out.end();
    };
    std::vector<std::string> out = refused;
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& e : enlightenments()) {
            if (is_out(e.name, out))
                continue;
            for (auto need : e.needs)
                if (is_out(need, out)) {
                    out.emplace_back(e.name);
                    grew = true;
                    break;
                }
        }
    }
    std::vector<std::string> ordered;
    for (const auto& e : enlightenments())
        if (is_out(e.name, out))
            ordered.emplace_back(e.name);
    for (const auto& name : out)  // names this table does not know stay too
        if (!find_enlightenment(name))
            ordered.push_back(name);
    return ordered;
}

}  // namespace ezkvm::hostcaps
