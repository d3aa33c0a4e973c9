// The machine: ostype, machine type and version, KVM, the clock and what
// Proxmox derives from them (HPET, PIT policy, S3/S4).
#include <fmt/format.h>

#include "import/context.hpp"
#include "import/text.hpp"

namespace ezkvm::import {
namespace {

// Proxmox's windows_version() (PVE/QemuServer/Helpers.pm).
int windows_version(const std::string& ostype)
{
    if (ostype == "wxp" || ostype == "w2k" || ostype == "w2k3")
        return 5;
    if (ostype == "w2k8" || ostype == "wvista")
        return 6;
    if (ostype.starts_with("win") && all_digits(ostype.substr(3)))
        return std::stoi(ostype.substr(3));
    return 0;
}

struct Machine {
    bool q35 = false;
    bool versioned = false;
    unsigned major = 0, minor = 0;
    unsigned pve = 0;  // +pveN
    bool pxe = false;
};

// pc, q35, pc-i440fx-8.1, pc-q35-8.1+pve0, pc-8.1.pxe
std::optional<Machine> parse_machine(const std::string& type)
{
    Machine m;
    if (type == "pc" || type == "q35") {
        m.q35 = type == "q35";
        return m;
    }
    std::string rest;
    for (const char* prefix : {"pc-q35-", "pc-i440fx-", "pc-"}) {
        if (type.starts_with(prefix)) {
            m.q35 = std::string(prefix) == "pc-q35-";
            rest = type.substr(std::string(prefix).size());
            break;
        }
    }
    if (rest.empty())
        return std::nullopt;
    if (rest.ends_with(".pxe")) {
        m.pxe = true;
        rest.resize(rest.size() - 4);
    }
    if (const size_t plus = rest.find("+pve"); plus != std::string::npos) {
        const std::string n = rest.substr(plus + 4);
        if (!all_digits(n) || n.size() > 3)
            return std::nullopt;
        m.pve = static_cast<unsigned>(std::stoul(n));
        rest.resize(plus);
    }
    const size_t dot = rest.find('.');
    if (dot == std::string::npos || !all_digits(rest.substr(0, dot)) || rest.size() > 12)
        return std::nullopt;
    std::string minor = rest.substr(dot + 1);
    if (const size_t second = minor.find('.'); second != std::string::npos) {
        if (!all_digits(minor.substr(second + 1)))
            return std::nullopt;
        minor.resize(second);  // pc-q35-4.0.1 is 4.0 to Proxmox too
    }
    if (!all_digits(minor))
        return std::nullopt;
    m.versioned = true;
    m.major = static_cast<unsigned>(std::stoul(rest.substr(0, dot)));
    m.minor = static_cast<unsigned>(std::stoul(minor));
    return m;
}

// What Proxmox's own machine revisions change (PVE/QemuServer/Machine.pm, $PVE_MACHINE_VERSION).
std::string pve_revision_change(unsigned major, unsigned minor, unsigned pve)
{
    if (major == 4 && minor == 1 && pve == 1)
        return "no change";
    if (major == 4 && minor == 1 && pve == 2)
        return "more SCSI drives per controller";
    if (major == 9 && minor == 2 && pve == 1)
        return "S3/S4 disabled by default";
    if (major == 10 && minor == 0 && pve == 1)
        return "host_mtu set on every virtio NIC";
    return "a change this importer does not know";
}

// Windows VMs without a machine version run pinned (Machine.pm, get_vm_machine):
// to the creation-qemu of `meta` from 9.1 on, else to 5.1.
std::pair<unsigned, unsigned> windows_pin(const Context& ctx)
{
    const QmEntry* meta = ctx.conf.find("meta");
    if (meta) {
        std::string error;
        if (auto p = Properties::parse(meta->value, "", error)) {
            if (const auto* v = p->get("creation-qemu")) {
                unsigned maj = 0, min = 0;
                if (std::sscanf(v->c_str(), "%u.%u", &maj, &min) == 2 && (maj > 9 || (maj == 9 && min >= 1)))
                    return {maj, min};
            }
        }
    }
    return {5, 1};
}

void map_ostype(Context& ctx)
{
    const QmEntry* os = ctx.take("ostype");
    ctx.ostype = os ? os->value : "other";
    ctx.winversion = windows_version(ctx.ostype);
    static const char* known[] = {"other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8", "win10",
                                  "win11", "l24", "l26", "solaris"};
    if (os && std::find(std::begin(known), std::end(known), ctx.ostype) == std::end(known))
        ctx.msgs.warning(os->line, fmt::format("ostype '{}' is unknown: imported as 'other'", ctx.ostype));
}

void map_type(Context& ctx)
{
    const QmEntry* entry = ctx.take("machine");
    Machine m;
    std::string comment;
    if (entry) {
        auto props = ctx.props(*entry, "type");
        if (!props)
            return;
        const std::string type = props->get("type") ? *props->get("type") : "pc";
        auto parsed = parse_machine(type);
        if (!parsed) {
            ctx.msgs.error(entry->line, fmt::format("machine: '{}' is not a machine type Proxmox knows "
                                                    "(pc, q35, pc-i440fx-X.Y, pc-q35-X.Y[+pveN])",
                                                    type));
            return;
        }
        m = *parsed;
        comment = Context::source(*entry);
        if (const auto* viommu = props->get("viommu"))
            ctx.msgs.warning(entry->line, fmt::format("machine: the {} vIOMMU is left out: ezkvm adds no IOMMU",
                                                      *viommu));
        for (const char* s : {"enable-s3", "enable-s4"})
            if (props->has(s))
                ctx.msgs.warning(entry->line, fmt::format("machine: {} is not imported: ezkvm leaves S3 and S4 on",
                                                          s));
        ctx.unknown_properties(*entry, *props, {"type", "viommu", "aw-bits", "enable-s3", "enable-s4"});
        if (m.pve > 0)
            ctx.msgs.warning(entry->line,
                             fmt::format("machine: {}.{}+pve{} is Proxmox's revision {} of QEMU's {}.{} ({}): "
                                         "imported as the upstream {}.{}",
                                         m.major, m.minor, m.pve, m.pve, m.major, m.minor,
                                         pve_revision_change(m.major, m.minor, m.pve), m.major, m.minor));
        else if (m.versioned && type.find("+pve0") != std::string::npos)
            ctx.msgs.note(entry->line, fmt::format("machine: {}.{}+pve0 is QEMU's {}.{} unchanged", m.major, m.minor,
                                                   m.major, m.minor));
        if (m.pxe)
            ctx.msgs.warning(entry->line, "machine: the .pxe variant (the NICs' old iPXE ROMs) is imported as the "
                                          "plain machine");
    }
    if (!m.versioned && ctx.winversion > 0) {
        const auto [maj, min] = windows_pin(ctx);
        m.versioned = true;
        m.major = maj;
        m.minor = min;
        ctx.msgs.note(entry ? entry->line : 0,
                      fmt::format("Proxmox runs a Windows VM without a machine version pinned to {}.{}{}: "
                                  "imported pinned to it",
                                  maj, min, maj == 5 ? " (no creation-qemu of 9.1 or later in meta)" : " (its creation-qemu)"));
        if (comment.empty())
            comment = "Proxmox's pin for Windows";
    }
    ctx.q35 = m.q35;
    ctx.machine = {m.major, m.minor, !m.versioned};
    auto chipset = OutNode::flow_map();
    chipset.set("type", OutNode::text(m.q35 ? "q35" : "i440fx"));
    if (m.versioned)
        chipset.set("version", OutNode::text(fmt::format("{}.{}", m.major, m.minor)));
    ctx.out.set("system.chipset", std::move(chipset), comment);
}

void map_clock(Context& ctx)
{
    const QmEntry* localtime = ctx.take("localtime");
    const QmEntry* tdf = ctx.take("tdf");
    const QmEntry* acpi = ctx.take("acpi");
    const QmEntry* startdate = ctx.take("startdate");
    bool local = ctx.winversion >= 5;
    if (localtime)
        local = parse_flag(localtime->value).value_or(local);
    ctx.out.set("system.rtc", OutNode::text(local ? "localtime" : "utc"),
                localtime ? Context::source(*localtime) : ctx.winversion >= 5 ? "Proxmox's default for Windows" : "");
    const bool acpi_on = !acpi || parse_flag(acpi->value).value_or(true);
    if (!acpi_on)
        ctx.msgs.warning(acpi->line, "acpi: 0 is not imported: ezkvm always gives the guest ACPI");
    const bool driftfix = tdf ? parse_flag(tdf->value).value_or(false) : (ctx.winversion >= 5 && acpi_on);
    const int os_line = ctx.conf.find("ostype") ? ctx.conf.find("ostype")->line : 0;
    if (driftfix != local)  // ezkvm's -rtc has driftfix=slew exactly with base=localtime
        warn_gap(ctx.msgs, tdf ? tdf->line : os_line, Gap::RtcDriftfix,
                 fmt::format("{} driftfix=slew with base={}", driftfix ? "Proxmox's" : "no", local ? "localtime" : "utc"));
    if (startdate && startdate->value != "now")
        ctx.msgs.warning(startdate->line, fmt::format("startdate {} is not imported: the guest's clock starts at "
                                                      "the host's time",
                                                      startdate->value));
    if (ctx.winversion >= 6) {
        warn_gap(ctx.msgs, os_line, Gap::PitPolicy, "ostype " + ctx.ostype, "[-global, kvm-pit.lost_tick_policy=discard]");
        ctx.out.set("system.hpet", OutNode::yes_no(false), "Proxmox's for ostype " + ctx.ostype);
    } else if (ctx.ostype == "l26" && ctx.machine.at_least(10, 1)) {
        ctx.out.set("system.hpet", OutNode::yes_no(false), "Proxmox's for ostype l26 from machine 10.1 on");
    }
}

// Proxmox disables S3/S4 from machine 9.2+pve1 on (Machine.pm, get_power_state_flags).
void map_power_states(Context& ctx)
{
    const QmEntry* machine = ctx.conf.find("machine");
    const bool disabled = ctx.machine.latest || ctx.machine.at_least(9, 3) ||
                          (machine && machine->value.find("9.2+pve") != std::string::npos &&
                           machine->value.find("9.2+pve0") == std::string::npos);
    if (disabled)
        warn_gap(ctx.msgs, machine ? machine->line : 0, Gap::PowerStates,
                 ctx.machine.latest ? "the newest machine Proxmox has" : "machine " + (machine ? machine->value : ""),
                 ctx.q35 ? "[-global, ICH9-LPC.disable_s3=1, -global, ICH9-LPC.disable_s4=1]"
                         : "[-global, PIIX4_PM.disable_s3=1, -global, PIIX4_PM.disable_s4=1]");
}

}  // namespace

void map_machine(Context& ctx)
{
    if (const QmEntry* arch = ctx.take("arch"); arch && arch->value != "x86_64")
        ctx.msgs.error(arch->line, fmt::format("arch {}: ezkvm runs x86_64 guests only", arch->value));
    map_ostype(ctx);
    map_type(ctx);
    if (const QmEntry* kvm = ctx.take("kvm"); kvm && !parse_flag(kvm->value).value_or(true)) {
        ctx.kvm = false;
        ctx.out.set("general.accel", OutNode::text("tcg"), Context::source(*kvm));
    }
    map_clock(ctx);
    map_power_states(ctx);
}

}  // namespace ezkvm::import
