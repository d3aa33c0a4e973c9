// system: chipset, firmware, CPU, memory, TPM, applesmc, direct kernel boot.
#include <fmt/format.h>

#include "config/parse_internal.hpp"

namespace ezkvm::config::detail {
namespace {

const Choices<Chipset> chipset_choices{{"q35", Chipset::Q35}, {"i440fx", Chipset::I440fx}};

Chip parse_chipset(const MapReader& sys)
{
    Chip chip;
    const Node* node = sys.get("chipset");
    if (node && node->is_scalar()) {  // shorthand `chipset: q35`
        assign(chip.type, sys.choice("chipset", chipset_choices));
        return chip;
    }
    const MapReader r = sys.map("chipset");
    assign(chip.type, r.choice("type", chipset_choices));
    assign(chip.pin, r.boolean("pin"));
    assign(chip.version, checked(r, "version", valid_machine_version, "a machine version such as \"7.2\""));
    return chip;
}

Bios parse_bios(const MapReader& sys)
{
    const MapReader r = sys.map("bios");
    Bios bios;
    assign(bios.type, r.choice<FirmwareType>("type", {{"ovmf", FirmwareType::Ovmf}, {"seabios", FirmwareType::Seabios}}));
    assign(bios.uuid, normalised(r, "uuid", normalise_uuid, "a UUID such as 5c4e7c1a-2b8e-4f6a-9d3b-0e1f2a3b4c5d"));
    assign(bios.file, r.absolute_path("file"));
    assign(bios.secure_boot, r.boolean("secure_boot"));
    if (bios.type == FirmwareType::Seabios) {
        if (bios.secure_boot)
            r.error("secure_boot", "secure boot needs UEFI firmware", "set system.bios.type: ovmf");
        if (!bios.file.empty())
            r.error("file", "file is the UEFI variable store; SeaBIOS has none", "remove it or set system.bios.type: ovmf");
    }
    return bios;
}

unsigned bits_for(unsigned count)
{
    unsigned bits = 0;
    while ((1u << bits) < count)
        ++bits;
    return bits;
}

// qemu 7.2's limits: the machine's CPU count (q35 288, i440fx 255), and APIC
// IDs (socket, core and thread numbers packed in power-of-two fields) below
// 255, as more need an interrupt-remapping IOMMU that ezkvm does not add.
void check_vcpu_count(const MapReader& r, const Cpu& cpu, Chipset chipset)
{
    // Reported at the largest count, the likeliest mistake.
    const char* key = cpu.sockets >= cpu.cores && cpu.sockets >= cpu.threads ? "sockets"
                      : cpu.cores >= cpu.threads                             ? "cores"
                                                                             : "threads";
    const unsigned total = cpu.sockets * cpu.cores * cpu.threads;
    const bool q35 = chipset == Chipset::Q35;
    const unsigned machine_max = q35 ? 288 : 255;
    const auto topology = fmt::format("{} socket(s) x {} core(s) x {} thread(s)", cpu.sockets, cpu.cores, cpu.threads);
    const char* hint = "lower sockets, cores or threads";
    if (total > machine_max) {
        r.error(key, fmt::format("{} = {} vCPUs; qemu's {} machine takes at most {}", topology, total,
                                     q35 ? "q35" : "i440fx", machine_max), hint);
        return;
    }
    const unsigned thread_bits = bits_for(cpu.threads);
    const unsigned core_bits = bits_for(cpu.cores);
    const unsigned apic_ids = (((cpu.sockets - 1) << (core_bits + thread_bits)) | ((cpu.cores - 1) << thread_bits) |
                               (cpu.threads - 1)) + 1;
    if (apic_ids > 255)
        r.error(key, fmt::format("{} needs {} APIC IDs; qemu starts more than 255 only with an interrupt-remapping "
                                     "IOMMU, which ezkvm does not add", topology, apic_ids),
                  "lower sockets, cores or threads; cores and threads count as the next power of two");
}

Cpu parse_cpu(const MapReader& sys, Chipset chipset)
{
    const MapReader r = sys.map("cpu");
    Cpu cpu;
    assign(cpu.model, checked(r, "model", valid_cpu_model, "a CPU model name such as host, max or Haswell-noTSX"));
    auto count = [&](const char* key, unsigned& field) {
        if (auto n = r.number(key, 1, 256))
            field = static_cast<unsigned>(*n);
    };
    count("sockets", cpu.sockets);
    count("cores", cpu.cores);
    count("threads", cpu.threads);
    if (auto flags = r.str_list("flags", ',')) {
        for (const auto& flag : *flags) {
            if (valid_cpu_flag(flag))
                cpu.flags.push_back(flag);
            else
                r.error("flags", fmt::format("'{}' is not a CPU flag", flag), "expected +name, -name, name or name=value");
        }
    }
    check_vcpu_count(r, cpu, chipset);
    return cpu;
}

Memory parse_memory(const MapReader& sys)
{
    const MapReader r = sys.map("memory");
    Memory mem;
    constexpr uint64_t mib = 1u << 20;
    if (auto bytes = r.size("max", mib)) {
        if (*bytes % mib != 0)
            r.error("max", "memory must be a whole number of MiB");
        else if (*bytes < 16 * mib)
            r.error("max", fmt::format("{} MiB is too little (at least 16 MiB)", *bytes / mib));
        else
            mem.mib = *bytes / mib;
    }
    assign(mem.balloon, r.boolean("balloon"));
    assign(mem.free_page_reporting, r.boolean("free_page_reporting"));
    if (mem.free_page_reporting && !mem.balloon)
        r.error("free_page_reporting", "free page reporting is done by the balloon device",
                "remove free_page_reporting or set balloon: yes");
    if (auto text = r.str("hugepages")) {
        if (auto b = parse_bool(*text))
            mem.hugepage_mib = *b ? 2 : 0;
        else if (*text == "2M")
            mem.hugepage_mib = 2;
        else if (*text == "1G")
            mem.hugepage_mib = 1024;
        else
            r.error("hugepages", fmt::format("'{}' is not a valid choice", *text), "one of: yes, no, 2M, 1G");
    }
    if (mem.hugepage_mib && mem.mib % mem.hugepage_mib != 0)
        r.error("hugepages", fmt::format("{} MiB of memory is not a whole number of {} pages", mem.mib,
                                         mem.hugepage_mib == 2 ? "2M" : "1G"));
    assign(mem.shared, r.boolean("shared"));
    return mem;
}

Tpm parse_tpm(const MapReader& sys, Chipset chipset)
{
    const MapReader r = sys.map("tpm");
    Tpm tpm;
    assign(tpm.type, r.choice<TpmType>("type", {{"swtpm", TpmType::Swtpm}, {"none", TpmType::None}}));
    if (auto version = r.str("version")) {
        if (*version == "2.0" || *version == "2")
            tpm.version = TpmVersion::V2_0;
        else if (*version == "1.2")
            tpm.version = TpmVersion::V1_2;
        else
            r.error("version", fmt::format("'{}' is not a TPM version", *version), "expected one of: 2.0, 1.2");
    }
    if (auto disk = r.absolute_path("disk")) {
        // swtpm splits --tpmstate at every ',' and has no escape for one.
        if (disk->find(',') != std::string::npos)
            r.error("disk", fmt::format("swtpm cannot use '{}': it splits its options at ',' and has no escape for it", *disk),
                    "choose a path without ','");
        else
            tpm.disk = *disk;
    }
    assign(tpm.socket, r.absolute_path("socket"));
    tpm.interface = r.choice<TpmInterface>("interface", {{"tis", TpmInterface::Tis}, {"crb", TpmInterface::Crb}});
    if (tpm.interface == TpmInterface::Crb) {
        if (tpm.version == TpmVersion::V1_2)
            r.error("interface", "the CRB interface is TPM 2.0 only", "use interface: tis with version 1.2");
        else if (chipset != Chipset::Q35)
            r.error("interface", "qemu gives the CRB interface on q35 only", "use interface: tis on i440fx");
    }
    return tpm;
}

std::string parse_applesmc(const MapReader& sys)
{
    const MapReader r = sys.map("applesmc");
    auto osk = r.str("osk");
    if (!osk)
        return {};
    if (osk->size() != 64) {
        r.error("osk", fmt::format("the Apple SMC key has 64 characters, this one has {}", osk->size()));
        return {};
    }
    return *osk;
}

Kernel parse_kernel(const MapReader& sys)
{
    const MapReader r = sys.map("kernel");
    Kernel k;
    assign(k.image, r.absolute_path("image"));
    assign(k.initrd, r.absolute_path("initrd"));
    assign(k.cmdline, r.str("cmdline"));
    if (k.image.empty() && r.get("image") == nullptr) {
        for (const char* key : {"initrd", "cmdline"})
            if (r.get(key))
                r.error(key, fmt::format("{} needs a kernel image", key), "set system.kernel.image");
    }
    return k;
}

BootPolicy parse_boot(const MapReader& sys)
{
    const MapReader r = sys.map("boot");
    BootPolicy boot;
    assign(boot.menu, r.boolean("menu"));
    assign(boot.strict, r.boolean("strict"));
    if (auto seconds = r.duration("reboot_timeout")) {
        // qemu takes at most 65535 ms.
        if (*seconds > 65)
            r.error("reboot_timeout", fmt::format("{} seconds is out of range (expected 0 to 65)", *seconds));
        else
            boot.reboot_timeout = static_cast<unsigned>(*seconds);
    }
    return boot;
}

}  // namespace

System parse_system(const MapReader& root)
{
    const MapReader r = root.map("system");
    System sys;
    sys.chipset = parse_chipset(r);
    sys.bios = parse_bios(r);
    sys.cpu = parse_cpu(r, sys.chipset.type);
    sys.memory = parse_memory(r);
    sys.tpm = parse_tpm(r, sys.chipset.type);
    sys.applesmc_osk = parse_applesmc(r);
    sys.kernel = parse_kernel(r);
    assign(sys.rtc, r.choice<Rtc>("rtc", {{"utc", Rtc::Utc}, {"localtime", Rtc::LocalTime}}));
    assign(sys.hyperv, r.boolean("hyperv"));
    assign(sys.hpet, r.boolean("hpet"));
    assign(sys.vmgenid, normalised(r, "vmgenid", normalise_uuid, "a UUID such as 5c4e7c1a-2b8e-4f6a-9d3b-0e1f2a3b4c5d"));
    sys.boot = parse_boot(r);
    return sys;
}

}  // namespace ezkvm::config::detail
