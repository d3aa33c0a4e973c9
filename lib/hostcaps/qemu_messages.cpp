#include "hostcaps/qemu_messages.hpp"

#include <charconv>

#include "hostcaps/hyperv.hpp"

namespace ezkvm::hostcaps {
namespace {

constexpr uint32_t msr_arch_capabilities = 0x10a;
constexpr std::string_view qemu_prefix_end = ": ";

// The lines of `text`, without the "qemu-system-x86_64: " program prefix.
std::vector<std::string_view> lines_of(std::string_view text)
{
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.starts_with("qemu-system-")) {
            const size_t colon = line.find(qemu_prefix_end);
            if (colon != std::string_view::npos)
                line.remove_prefix(colon + qemu_prefix_end.size());
        }
        if (!line.empty())
            lines.push_back(line);
    }
    return lines;
}

// "failed to set MSR 0x40000081 to 0x1" -> 0x40000081
std::optional<uint32_t> failed_msr(std::string_view line)
{
    constexpr std::string_view marker = "failed to set MSR 0x";
    const size_t at = line.find(marker);
    if (at == std::string_view::npos)
        return std::nullopt;
    const char* first = line.data() + at + marker.size();
    uint32_t msr = 0;
    const auto [end, ec] = std::from_chars(first, line.data() + line.size(), msr, 16);
    if (ec != std::errc() || end == first)
        return std::nullopt;
    return msr;
}

// "Hyper-V paravirtualized TLB flush (hv-tlbflush) is not supported by kernel" -> hv_tlbflush
std::optional<std::string> unsupported_hyperv(std::string_view line)
{
    if (!line.starts_with("Hyper-V ") || line.find("is not supported by kernel") == std::string_view::npos)
        return std::nullopt;
    const size_t open = line.find("(hv-");
    const size_t close = open == std::string_view::npos ? open : line.find(')', open);
    if (close == std::string_view::npos)
        return std::nullopt;
    std::string name(line.substr(open + 1, close - open - 1));
    for (char& c : name)
        if (c == '-')
            c = '_';
    return name;
}

// "warning: host doesn't support requested feature: CPUID.01H:ECX.sse4.1 [bit 19]" -> sse4.1
std::optional<std::string> missing_feature(std::string_view line)
{
    constexpr std::string_view marker = "doesn't support requested feature: ";
    const size_t at = line.find(marker);
    if (at == std::string_view::npos)
        return std::nullopt;
    std::string_view rest = line.substr(at + marker.size());
    rest = rest.substr(0, rest.find(" ["));
    // "CPUID.01H:ECX.sse4.1": the register ends at the first '.' after the ':'.
    const size_t colon = rest.find(':');
    const size_t dot = rest.find('.', colon == std::string_view::npos ? 0 : colon);
    if (dot == std::string_view::npos)
        return std::nullopt;
    return std::string(rest.substr(dot + 1));
}

void add_once(std::vector<std::string>& list, std::string item)
{
    for (const auto& existing : list)
        if (existing == item)
            return;
    list.push_back(std::move(item));
}

}  // namespace

VcpuRefusal read_vcpu_refusal(std::string_view stderr_text)
{
    VcpuRefusal refusal;
    for (auto line : lines_of(stderr_text)) {
        if (line.starts_with("warning: ") && line.find("doesn't support requested feature") == std::string_view::npos)
            continue;
        if (refusal.message.empty() && !line.starts_with("warning: "))
            refusal.message = std::string(line);
        if (auto msr = failed_msr(line)) {
            if (*msr == msr_arch_capabilities)
                refusal.arch_capabilities = true;
            else if (auto name = enlightenment_of_msr(*msr))
                add_once(refusal.refused_hyperv, std::string(*name));
        } else if (line.find("doesn't allow setting HyperV VP_INDEX") != std::string_view::npos) {
            add_once(refusal.refused_hyperv, "hv_vpindex");
        } else if (auto name = unsupported_hyperv(line)) {
            add_once(refusal.refused_hyperv, std::move(*name));
        } else if (auto feature = missing_feature(line)) {
            add_once(refusal.missing_features, std::move(*feature));
        }
    }
    return refusal;
}

}  // namespace ezkvm::hostcaps
