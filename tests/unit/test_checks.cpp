// What `ezkvm check` and a VM's start say about passthrough devices, against
// fixture host trees: PCI addresses and the IOMMU, USB devices, the kvmfr
// device's size, and devices two VM files both name.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/resolve.hpp"
#include "checks/device_conflicts.hpp"
#include "checks/host_check.hpp"

using namespace ezkvm;
namespace fs = std::filesystem;

namespace {

struct Host {
    fs::path dir;
    config::Environment env;

    Host()
    {
        static int counter = 0;
        dir = fs::temp_directory_path() /
              ("ezkvm-vm-devices-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        fs::create_directories(dir / "etc/ezkvm");
        env.root = dir.string();
        env.config_dirs = {"/etc/ezkvm"};
        env.shipped_templates = (dir / "none").string();
    }
    ~Host() { fs::remove_all(dir); }

    void write(const std::string& relative, const std::string& text) const
    {
        fs::create_directories((dir / relative).parent_path());
        std::ofstream(dir / relative) << text;
    }

    // A PCI function in sysfs, in IOMMU group `group` (none: "").
    void pci(const std::string& address, const std::string& group) const
    {
        const auto dev = dir / "sys/bus/pci/devices" / address;
        fs::create_directories(dev);
        write("sys/bus/pci/devices/" + address + "/class", "0x030000\n");
        if (!group.empty()) {
            fs::create_directories(dir / "sys/kernel/iommu_groups" / group / "devices");
            fs::create_symlink("../../../../kernel/iommu_groups/" + group, dev / "iommu_group");
        }
    }

    config::LoadedVm load(const std::string& name, const std::string& yaml) const
    {
        write("etc/ezkvm/" + name + ".yaml", yaml);
        Diagnostics d;
        auto vm = config::load_vm(name, env, d);
        REQUIRE(vm);
        REQUIRE_FALSE(d.has_errors());
        return std::move(*vm);
    }

    std::vector<std::string> check(const config::LoadedVm& vm, HostProblems severity) const
    {
        Diagnostics d;
        checks::check_host(vm, env, severity, d);
        std::vector<std::string> lines;
        for (const auto& item : d.items())
            lines.push_back(item.str());
        return lines;
    }
};

constexpr const char* gpu_vm = R"(gpu:
  type: passthrough
  pci:
    - { vm_id: "0.0", host_id: "0000:03:00.0", multi_function: yes }
    - { vm_id: "0.1", host_id: "0000:03:00.1" }
display: { type: none }
)";

std::string joined(const std::vector<std::string>& lines)
{
    std::string out;
    for (const auto& l : lines)
        out += l + "\n";
    return out;
}

}  // namespace

TEST_CASE("passthrough PCI addresses: nothing to say without /sys/bus/pci", "[checks][pci]")
{
    Host host;
    const auto vm = host.load("gpu", gpu_vm);
    CHECK(host.check(vm, HostProblems::Errors).empty());
}

TEST_CASE("a missing PCI device is named with an lspci hint: warning in check, error at start", "[checks][pci]")
{
    Host host;
    host.pci("0000:03:00.0", "12");
    const auto vm = host.load("gpu", gpu_vm);
    const auto warnings = host.check(vm, HostProblems::Warnings);
    INFO(joined(warnings));
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("gpu.yaml:5:7: warning: gpu.pci: no PCI device 0000:03:00.1 on this host") &&
                                Catch::Contains("lspci -D"));
    const auto errors = host.check(vm, HostProblems::Errors);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::Contains(": error: gpu.pci: no PCI device 0000:03:00.1"));
}

TEST_CASE("a host without IOMMU gets the kernel parameter, once", "[checks][pci]")
{
    Host host;
    host.pci("0000:03:00.0", "");
    host.pci("0000:03:00.1", "");
    const auto vm = host.load("gpu", gpu_vm);
    const auto warnings = host.check(vm, HostProblems::Warnings);
    INFO(joined(warnings));
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("0000:03:00.0 needs an IOMMU") &&
                                Catch::Contains("intel_iommu=on") && Catch::Contains("amd_iommu=on"));
}

TEST_CASE("devices in IOMMU groups pass the check", "[checks][pci]")
{
    Host host;
    host.pci("0000:03:00.0", "12");
    host.pci("0000:03:00.1", "12");
    const auto vm = host.load("gpu", gpu_vm);
    CHECK(host.check(vm, HostProblems::Errors).empty());
}

TEST_CASE("host USB devices are looked up when the host has USB in sysfs", "[checks][usb]")
{
    Host host;
    const auto vm = host.load("usb", "display: { type: none }\nhost:\n  usb:\n"
                                     "    - { host_bus: 1, host_port: \"2.2\" }\n"
                                     "    - { id: \"046d:c52b\" }\n");
    CHECK(host.check(vm, HostProblems::Errors).empty());  // no /sys/bus/usb: cannot know

    host.write("sys/bus/usb/devices/1-2.2/busnum", "1\n");
    host.write("sys/bus/usb/devices/1-2.2/devnum", "5\n");
    host.write("sys/bus/usb/devices/1-2.2/idVendor", "1050\n");
    host.write("sys/bus/usb/devices/1-2.2/idProduct", "0407\n");
    const auto warnings = host.check(vm, HostProblems::Warnings);
    INFO(joined(warnings));
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("usb.yaml:5:7: warning: host.usb[1]: no USB device at id 046d:c52b"));
    const auto errors = host.check(vm, HostProblems::Errors);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::Contains("error: host.usb[1]"));
}

TEST_CASE("the kvmfr device must exist and hold the configured size", "[checks][looking-glass]")
{
    Host host;
    const auto vm = host.load("lg", "display:\n  type: looking_glass\n  device: { path: /dev/kvmfr0, size: 128M }\n");
    auto errors = host.check(vm, HostProblems::Errors);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::Contains("/dev/kvmfr0 does not exist") &&
                              Catch::Contains("modprobe kvmfr static_size_mb=128"));

    host.write("dev/kvmfr0", "");
    host.write("sys/module/kvmfr/parameters/static_size_mb", "32\n");
    errors = host.check(vm, HostProblems::Errors);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::Contains("display.device.size: /dev/kvmfr0 holds 32 MiB, less than the configured 128 MiB") &&
                              Catch::Contains("modprobe -r kvmfr && modprobe kvmfr static_size_mb=128;"));

    host.write("sys/module/kvmfr/parameters/static_size_mb", "128\n");
    CHECK(host.check(vm, HostProblems::Errors).empty());
}

TEST_CASE("two VMs naming one host device: a warning naming both files", "[checks][conflicts]")
{
    Host host;
    const auto a = host.load("a", gpu_vm);
    const auto b = host.load("b", "display: { type: none }\nhost:\n  pci:\n    - { host_id: \"03:00.1\" }\n"
                                  "  usb:\n    - { host_bus: 1, host_port: \"2\" }\n");
    const auto c = host.load("c", "display: { type: none }\nhost:\n  usb:\n    - { host_bus: 1, host_port: \"2\" }\n");
    Diagnostics d;
    checks::check_device_conflicts(a, {&b, &c}, d);
    REQUIRE(d.items().size() == 1);
    CHECK(d.items()[0].severity == Severity::Warning);
    const std::string a_file = host.dir.string() + "/etc/ezkvm/a.yaml";
    const std::string b_file = host.dir.string() + "/etc/ezkvm/b.yaml";
    CHECK_THAT(d.items()[0].str(),
               Catch::StartsWith(a_file + ":5:7: warning: gpu.pci[1].host_id: PCI device 0000:03:00.1 is also passed "
                                          "through by VM 'b', host.pci[0] at " + b_file + ":4:7"));

    Diagnostics usb;
    checks::check_device_conflicts(c, {&a, &b}, usb);
    REQUIRE(usb.items().size() == 1);
    CHECK_THAT(usb.items()[0].str(), Catch::Contains("host.usb[0]: USB device bus 1 port 2 is also passed through by VM 'b', host.usb[0] at"));

    Diagnostics none;
    checks::check_device_conflicts(a, {&c}, none);
    CHECK(none.empty());
}
