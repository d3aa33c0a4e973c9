#include "checks/host_check.hpp"

#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "base/host_path.hpp"
#include "checks/user_bridges.hpp"
#include "config/key_position.hpp"
#include "host/kvmfr.hpp"
#include "host/usb_device.hpp"
#include "vfio/device.hpp"
#include "vfio/host_critical.hpp"

namespace fs = std::filesystem;

namespace ezkvm::checks {
namespace {

bool is_cdrom(config::DriveModel model)
{
    using config::DriveModel;
    return model == DriveModel::ScsiCd || model == DriveModel::IdeCd || model == DriveModel::SataCd;
}

class HostChecker {
public:
    HostChecker(const config::LoadedVm& vm, const config::Environment& env, HostProblems severity,
                Diagnostics& diags)
        : vm_(vm), env_(env), severity_(severity), diags_(diags) {}

    void run()
    {
        const auto& spec = vm_.spec;
        storage();
        if (!spec.system.bios.file.empty())
            need(spec.system.bios.file, "system.bios.file", "the UEFI variable store",
                 "create it (a copy of the OVMF vars template) or remove the key to keep it in the VM's state directory");
        if (!spec.system.kernel.image.empty())
            need(spec.system.kernel.image, "system.kernel.image", "the kernel image");
        if (!spec.system.kernel.initrd.empty())
            need(spec.system.kernel.initrd, "system.kernel.initrd", "the initrd");
        if (spec.system.tpm.type == config::TpmType::Swtpm && spec.system.tpm.disk.starts_with("/dev/"))
            need(spec.system.tpm.disk, "system.tpm.disk", "the TPM state device");
        pci(spec.gpu.pci, "gpu.pci");
        pci(spec.host.pci, "host.pci");
        if (spec.display.type == config::DisplayType::LookingGlass &&
            spec.display.looking_glass.path.starts_with("/dev/kvmfr"))
            kvmfr(spec.display.looking_glass);
        usb();
        if (!spec.spice.render_node.empty())
            need(spec.spice.render_node, "spice.render_node", "the GPU render node");
        if (!spec.spice.password_file.empty())
            need(spec.spice.password_file, "spice.password_file", "the SPICE password file");
        if (spec.spice.tls_port != 0)
            for (const char* file : {"ca-cert.pem", "server-cert.pem", "server-key.pem"})
                need(spec.spice.x509_dir + "/" + file, "spice.x509_dir", "the SPICE TLS file");
        if (!spec.vnc.password_file.empty())
            need(spec.vnc.password_file, "vnc.password_file", "the VNC password file");
        desktop_display();
        host_interfaces();
        if (env_.scope == Scope::User)
            user_bridges();
        hugepages();
    }

private:
    bool exists(const std::string& path) const
    {
        std::error_code ec;
        return fs::exists(env_.real(path), ec);
    }

    Pos pos_of(const std::string& path) const { return config::position_of(vm_.merged, path); }

    // A host problem: an error when the VM is about to start, else a warning.
    void problem(const std::string& path, std::string message, std::string hint = {}, Pos pos = {})
    {
        Diagnostic d{severity_ == HostProblems::Errors ? Severity::Error : Severity::Warning,
                     pos.file ? pos : pos_of(path), path, std::move(message), std::move(hint)};
        diags_.add(std::move(d));
    }

    void warn(const std::string& path, std::string message, std::string hint = {})
    {
        diags_.warning(pos_of(path), path, std::move(message), std::move(hint));
    }

    void need(const std::string& file, const std::string& path, const std::string& what, std::string hint = {},
              Pos pos = {})
    {
        if (!exists(file))
            problem(path, fmt::format("{} {} does not exist on this host (yet); the VM cannot start without it", what, file),
                 std::move(hint), pos);
    }

    void storage()
    {
        for (size_t g = 0; g < vm_.spec.storage.size(); ++g) {
            const auto& group = vm_.spec.storage[g];
            for (const auto& drive : group.drives) {
                system_directory_disk(drive);
                if ((drive.create && !exists(drive.file)) || drive.file.empty())
                    continue;  // created on first start, or an empty CD-ROM drive
                if (is_cdrom(drive.model))
                    need(drive.file, "storage", "the CD-ROM image", "put the image (an .iso file) there, or remove the drive",
                         drive.pos);
                else
                    need(drive.file, "storage", "the disk", "create it, or set create: yes and size: to let ezkvm create it",
                         drive.pos);
            }
        }
    }

    // Its unit opens such a disk alone, never its directory (units::FileAccess), and
    // the directory stays read-only in the sandbox, so ezkvm cannot create it there.
    void system_directory_disk(const config::Drive& drive)
    {
        if (drive.readonly || is_cdrom(drive.model) || drive.file.empty())
            return;
        const std::string file = normalize_path(drive.file);
        const std::string dir = parent_directory(file);
        if (is_device_path(file) || !is_system_directory(dir))
            return;
        const char* hint = "keep VM disks in a directory of their own, such as /srv/vms or /var/lib/ezkvm/VM";
        if (drive.create && !exists(drive.file))
            problem("storage",
                    fmt::format("ezkvm cannot create the disk {} in {}, a directory of the host's own files, which "
                                "stays read-only for the VM",
                                drive.file, dir),
                    hint, drive.pos);
        else
            diags_.warning(drive.pos, "storage",
                    fmt::format("the disk {} is in {}, a directory of the host's own files: the VM may write that "
                                "file only, never the directory",
                                drive.file, dir),
                    hint);
    }

    void pci(const std::vector<config::PciFunction>& functions, const std::string& path)
    {
        if (functions.empty() || !exists("/sys/bus/pci/devices"))
            return;
        const vfio::Host host(env_.root);
        bool iommu_reported = false;
        for (const auto& f : functions) {
            const auto device = vfio::read_device(host, f.host_id);
            if (!device)
                problem(path, fmt::format("no PCI device {} on this host", f.host_id),
                        "check the address with lspci -D; the domain 0000: is part of it", f.pos);
            else if (!iommu_reported && (!vfio::iommu_active(host) || !device->iommu_group)) {
                problem(path, fmt::format("{} needs an IOMMU: {}", f.host_id, vfio::no_iommu_message()), {},
                        f.pos);
                iommu_reported = true;
            }
            if (device)
                host_critical(*device, f, path, host);
        }
    }

    // A device the host itself uses: refused at start unless the function says force: yes.
    void host_critical(const vfio::PciDevice& device, const config::PciFunction& f, const std::string& path,
                       const vfio::Host& host)
    {
        const auto uses = vfio::host_critical_uses(host, device);
        if (uses.empty())
            return;
        const std::string why = fmt::format("{}", fmt::join(uses, "; "));
        if (f.force)
            diags_.warning(f.pos, path, fmt::format("{} is the host's own ({}): force: yes passes it through anyway",
                                                   f.host_id, why));
        else
            problem(path, fmt::format("{} is the host's own: {}; passing it through takes it from under the host",
                                      f.host_id, why),
                    "pass another device, or set force: yes on it if the host can really do without it", f.pos);
    }

    void kvmfr(const config::LookingGlass& lg)
    {
        if (!exists(lg.path)) {
            problem("display.device.path",
                    fmt::format("the looking-glass shared memory device {} does not exist on this host (yet); the VM "
                                "cannot start without it",
                                lg.path),
                    host::kvmfr_modprobe_hint(lg.path, lg.size) + ", or use a file in /dev/shm");
            return;
        }
        const auto size = host::kvmfr_size(lg.path, env_.root);
        if (size && *size < lg.size)
            problem("display.device.size",
                    fmt::format("{} holds {} MiB, less than the configured {} MiB", lg.path, *size >> 20,
                                (lg.size + (1u << 20) - 1) >> 20),
                    host::kvmfr_modprobe_hint(lg.path, lg.size));
    }

    void usb()
    {
        const auto& devices = vm_.spec.host.usb;
        if (devices.empty() || !host::has_usb_sysfs(env_.root))
            return;
        for (size_t i = 0; i < devices.size(); ++i)
            if (!host::find_usb_device(devices[i], env_.root))
                problem(fmt::format("host.usb[{}]", i),
                        fmt::format("no USB device at {} on this host (unplugged?)", host::describe(devices[i])),
                        "plug it in, and check the bus/port or id with lsusb -t / lsusb", devices[i].pos);
    }

    // A missing interface is only a warning here: at start, the network step of prepare
    // waits a little for a bridge (systemd-networkd may be creating it) and then fails.
    void host_interfaces()
    {
        if (severity_ != HostProblems::Warnings || !exists("/sys/class/net"))
            return;
        const auto& nics = vm_.spec.network;
        for (size_t i = 0; i < nics.size(); ++i) {
            const auto& nic = nics[i];
            const auto missing = [&](const std::string& name) { return !exists("/sys/class/net/" + name); };
            const auto path = [i](const char* key) { return fmt::format("network[{}].{}", i, key); };
            using config::NetType;
            if ((nic.type == NetType::Bridge || nic.type == NetType::Nat) && missing(nic.bridge))
                diags_.warning(nic.pos, path("bridge"),
                               fmt::format("bridge {} does not exist on this host (yet); the VM cannot start "
                                           "without it", nic.bridge),
                               nic.type == NetType::Nat
                                   ? "ezkvm0 comes from systemd-networkd: systemctl enable --now systemd-networkd"
                                   : "create it with your network configuration or ip link add NAME type bridge");
            else if (nic.type == NetType::Macvtap && missing(nic.parent))
                diags_.warning(nic.pos, path("parent"),
                               fmt::format("network interface {} does not exist on this host; the VM cannot "
                                           "start without it", nic.parent),
                               "name the host's NIC as ip link lists it");
            else if (nic.type == NetType::Tap && missing(nic.ifname))
                diags_.warning(nic.pos, path("ifname"),
                               fmt::format("tap {} does not exist on this host (yet); qemu cannot create it",
                                           nic.ifname),
                               fmt::format("create it for the VM's user: ip tuntap add {} mode tap user USER",
                                           nic.ifname));
        }
    }

    void user_bridges()
    {
        for (auto& finding : user_bridge_findings(vm_.spec, env_)) {
            if (finding.always_error)
                diags_.error(finding.pos, finding.path, std::move(finding.message), std::move(finding.hint));
            else
                problem(finding.path, std::move(finding.message), std::move(finding.hint), finding.pos);
        }
    }

    // Preallocated hugetlb memory must be free when qemu starts (sysfs, per page size).
    void hugepages()
    {
        const auto& mem = vm_.spec.system.memory;
        if (!mem.hugepage_mib)
            return;
        const std::string dir =
            fmt::format("/sys/kernel/mm/hugepages/hugepages-{}kB", static_cast<uint64_t>(mem.hugepage_mib) * 1024);
        const uint64_t needed = mem.mib / mem.hugepage_mib;
        const auto read_count = [&](const char* name) -> std::optional<uint64_t> {
            std::ifstream in(env_.real(dir + "/" + name));
            uint64_t n = 0;
            if (in >> n)
                return n;
            return std::nullopt;
        };
        const auto free = read_count("free_hugepages");
        const auto total = read_count("nr_hugepages");
        const char* size = mem.hugepage_mib == 2 ? "2M" : "1G";
        if (!free || !total) {
            problem("system.memory.hugepages", fmt::format("this host has no {} hugepages ({} is missing)", size, dir),
                    mem.hugepage_mib == 1024 ? "1G pages need a CPU with pdpe1gb and usually hugepagesz=1G on the "
                                               "kernel command line"
                                             : "");
            return;
        }
        if (*free >= needed)
            return;
        problem("system.memory.hugepages",
                fmt::format("the VM needs {} free {} hugepages, the host has {}", needed, size, *free),
                fmt::format("reserve them: echo {} > {}/nr_hugepages", *total + (needed - *free), dir));
    }

    void desktop_display()
    {
        using config::DisplayType;
        const auto type = vm_.spec.display.type;
        if (env_.scope != Scope::System || (type != DisplayType::Gtk && type != DisplayType::Sdl))
            return;
        warn("display.type",
             "a gtk/sdl window needs a graphical session, which a system VM does not have",
             fmt::format("run it as a user VM: copy the file to ~/.config/ezkvm/ and use 'systemctl --user start "
                         "ezkvm@{}', or 'ezkvm start --user FILE'",
                         vm_.name));
    }

    const config::LoadedVm& vm_;
    const config::Environment& env_;
    HostProblems severity_;
    Diagnostics& diags_;
};

}  // namespace

void check_host(const config::LoadedVm& vm, const config::Environment& env, HostProblems severity,
                Diagnostics& diags)
{
    HostChecker(vm, env, severity, diags).run();
}

}  // namespace ezkvm::checks
