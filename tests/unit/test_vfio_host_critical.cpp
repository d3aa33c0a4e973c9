#include <catch2/catch.hpp>

#include <filesystem>

#include "vfio/bind.hpp"
#include "vfio/host_critical.hpp"
#include "vfio_fixture.hpp"

using namespace ezkvm;
using ezkvm::test::FixtureKernel;
using ezkvm::test::TempDir;
using ezkvm::test::write_file;
namespace fs = std::filesystem;

namespace {

constexpr uint32_t nvme_class = 0x010802;
constexpr uint32_t ahci_class = 0x010601;
constexpr uint32_t vga = 0x030000;
constexpr uint32_t ethernet = 0x020000;

const std::string nvme = "0000:02:00.0";
const std::string sata = "0000:00:17.0";
const std::string gpu = "0000:01:00.0";
const std::string nic = "0000:03:00.0";

// A block device (disk or partition) directory in sysfs: dev, a subsystem link to
// the block class, an empty holders directory.
std::string add_block(FixtureKernel& kernel, const std::string& parent, const std::string& name,
                      const std::string& dev)
{
    const std::string dir = parent + "/" + name;
    fs::create_directories(kernel.real(dir + "/holders"));
    write_file(kernel.real(dir + "/dev"), dev + "\n");
    fs::create_directories(kernel.real("/sys/class/block"));
    fs::create_directory_symlink(kernel.real("/sys/class/block"), kernel.real(dir + "/subsystem"));
    fs::create_directory_symlink(kernel.real(dir), kernel.real("/sys/class/block/" + name));
    return dir;
}

struct Host {
    TempDir dir;
    FixtureKernel kernel{dir.path()};

    Host()
    {
        kernel.add_driver("vfio-pci");
        fs::create_directories(kernel.real("/sys/kernel/iommu_groups"));
        kernel.add_device(nvme, nvme_class, "5", "nvme");
        const auto disk = add_block(kernel, vfio::device_dir(nvme) + "/nvme/nvme0", "nvme0n1", "259:0");
        add_block(kernel, disk, "nvme0n1p1", "259:1");
        add_block(kernel, disk, "nvme0n1p2", "259:2");
        add_block(kernel, disk, "nvme0n1p3", "259:3");
        kernel.add_device(sata, ahci_class, "6", "ahci");
        add_block(kernel, vfio::device_dir(sata) + "/ata1/host0/target0:0:0/0:0:0:0/block", "sda", "8:0");
        kernel.add_device(gpu, vga, "1", "amdgpu", true);
        kernel.add_device(nic, ethernet, "7", "igc");
        fs::create_directories(kernel.real(vfio::device_dir(nic) + "/net/enp3s0"));
        fs::create_directories(kernel.real("/proc/self"));
        fs::create_directories(kernel.real("/proc/net"));
        write_file(kernel.real("/proc/self/mountinfo"),
                   "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
                   "23 22 259:1 / /boot/efi rw,relatime shared:2 - vfat /dev/nvme0n1p1 rw\n");
        write_file(kernel.real("/proc/swaps"),
                   "Filename\tType\tSize\tUsed\tPriority\n/dev/nvme0n1p3 partition 8388604 0 -2\n");
        write_file(kernel.real("/proc/net/route"),
                   "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
                   "enp3s0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
                   "enp3s0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n");
    }

    std::vector<std::string> uses(const std::string& address) const
    {
        return vfio::host_critical_uses(kernel, *vfio::read_device(kernel, address));
    }
};

bool mentions(const std::vector<std::string>& uses, const std::string& text)
{
    return std::any_of(uses.begin(), uses.end(), [&](const auto& use) { return use.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("host-critical: the root disk's controller, the driven boot display, the default route's NIC")
{
    Host host;
    const auto nvme_uses = host.uses(nvme);
    CHECK(mentions(nvme_uses, "nvme0n1p2 is mounted at /"));
    CHECK(mentions(nvme_uses, "nvme0n1p1 is mounted at /boot/efi"));
    CHECK(mentions(nvme_uses, "nvme0n1p3 is swap"));
    CHECK(mentions(host.uses(gpu), "boot display, driven by amdgpu"));
    CHECK(mentions(host.uses(nic), "enp3s0 carries the default route"));
    CHECK(host.uses(sata).empty());  // sda: not mounted, no swap, no holders

    // An LVM or LUKS holder on the SATA disk makes its controller the host's too.
    fs::create_directories(host.kernel.real("/sys/class/block/sda/holders/dm-0"));
    CHECK(mentions(host.uses(sata), "sda is held by dm-0"));
}

TEST_CASE("host-critical: an IPv6 default route counts; a device already on vfio-pci is spared")
{
    Host host;
    write_file(host.kernel.real("/proc/net/route"), "Iface\tDestination\tGateway\n");
    CHECK(host.uses(nic).empty());
    write_file(host.kernel.real("/proc/net/ipv6_route"),
               "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
               "fe800000000000000000000000000001 00000400 00000001 00000000 00000003 enp3s0\n");
    CHECK(mentions(host.uses(nic), "default route"));
}

TEST_CASE("vfio bind refuses a host-critical device, nothing written, unless every VM passing it says force")
{
    Host host;
    const auto refused = vfio::bind(host.kernel, nvme, vfio::Claims({{"vm", {nvme}}}));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error->find("is mounted at /") != std::string::npos);
    CHECK(refused.error->find("force: yes") != std::string::npos);
    CHECK(host.kernel.writes.empty());
    CHECK(host.kernel.driver_of(nvme) == "nvme");

    // One VM forcing it is not enough while another names it without force.
    const auto mixed = vfio::bind(host.kernel, nvme, vfio::Claims({{"vm", {nvme}, {nvme}}, {"other", {nvme}}}));
    CHECK_FALSE(mixed.ok());
    CHECK(host.kernel.writes.empty());

    const auto forced = vfio::bind(host.kernel, gpu, vfio::Claims({{"vm", {gpu}, {gpu}}}));
    REQUIRE(forced.ok());
    CHECK(host.kernel.driver_of(gpu) == "vfio-pci");
    CHECK(std::any_of(forced.warnings.begin(), forced.warnings.end(),
                      [](const auto& w) { return w.find("force: yes") != std::string::npos; }));
}
