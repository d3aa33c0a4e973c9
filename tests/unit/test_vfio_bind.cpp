#include <catch2/catch.hpp>

#include <algorithm>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "config/parse.hpp"
#include "vfio/bind.hpp"
#include "vfio/device.hpp"
#include "vfio/state.hpp"
#include "vfio_fixture.hpp"

using namespace ezkvm;
using ezkvm::test::FixtureKernel;
using ezkvm::test::read_file;
using ezkvm::test::TempDir;
using ezkvm::test::write_file;
using ezkvm::test::Written;

namespace {

constexpr uint32_t vga = 0x030000;
constexpr uint32_t audio = 0x040300;
constexpr uint32_t bridge = 0x060400;
constexpr uint32_t usb = 0x0c0330;

const std::string gpu = "0000:01:00.0";
const std::string gpu_audio = "0000:01:00.1";
const std::string port = "0000:00:01.0";

// A GPU with its audio function behind a PCIe root port, all in IOMMU group 1,
// vfio-pci available.
struct GpuHost {
    TempDir dir;
    FixtureKernel kernel{dir.path()};

    GpuHost()
    {
        kernel.add_driver("vfio-pci");
        kernel.add_device(port, bridge, "1", "pcieport");
        kernel.add_device(gpu, vga, "1", "nouveau");
        kernel.add_device(gpu_audio, audio, "1", "snd_hda_intel");
    }

    std::string state_of(const std::string& address) const
    {
        return read_file(kernel.real(vfio::state_file(address)));
    }
    bool has_state(const std::string& address) const
    {
        return std::filesystem::exists(kernel.real(vfio::state_file(address)));
    }
};

const vfio::Claims win11({{"win11", {gpu, gpu_audio}}});

std::string all(const std::vector<std::string>& lines)
{
    std::string text;
    for (const auto& line : lines)
        text += line + "\n";
    return text;
}

}  // namespace

TEST_CASE("vfio bind moves the device and its group companions, leaving the bridge")
{
    GpuHost host;
    const auto out = vfio::bind(host.kernel, gpu, win11);
    INFO(out.error.value_or("") << all(out.notes));
    REQUIRE(out.ok());
    CHECK(host.kernel.driver_of(gpu) == "vfio-pci");
    CHECK(host.kernel.driver_of(gpu_audio) == "vfio-pci");
    CHECK(host.kernel.driver_of(port) == "pcieport");
    CHECK(out.warnings.empty());
    // The companion first, each: override, unbind, probe.
    const std::vector<Written> expected{
        {"/sys/bus/pci/devices/0000:01:00.1/driver_override", "vfio-pci"},
        {"/sys/bus/pci/drivers/snd_hda_intel/unbind", gpu_audio},
        {"/sys/bus/pci/drivers_probe", gpu_audio},
        {"/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci"},
        {"/sys/bus/pci/drivers/nouveau/unbind", gpu},
        {"/sys/bus/pci/drivers_probe", gpu},
    };
    CHECK(host.kernel.writes == expected);
    CHECK(host.state_of(gpu) == "{\"driver\":\"nouveau\"}\n");
    CHECK(host.state_of(gpu_audio) == "{\"driver\":\"snd_hda_intel\"}\n");
    CHECK(host.kernel.modules_loaded.empty());

    SECTION("binding the companion afterwards (its own unit) changes nothing")
    {
        host.kernel.writes.clear();
        const auto again = vfio::bind(host.kernel, gpu_audio, win11);
        REQUIRE(again.ok());
        CHECK(host.kernel.writes.empty());
        CHECK(host.state_of(gpu_audio) == "{\"driver\":\"snd_hda_intel\"}\n");
    }

    SECTION("release gives each device back to the driver it had")
    {
        host.kernel.writes.clear();
        const auto released = vfio::release(host.kernel, gpu);
        INFO(released.error.value_or(""));
        REQUIRE(released.ok());
        CHECK(host.kernel.driver_of(gpu) == "nouveau");
        CHECK(host.kernel.driver_of(gpu_audio) == "vfio-pci");  // its own unit gives it back
        const std::vector<Written> expected_release{
            {"/sys/bus/pci/drivers/vfio-pci/unbind", gpu},
            {"/sys/bus/pci/devices/0000:01:00.0/driver_override", "\n"},
            {"/sys/bus/pci/drivers/nouveau/bind", gpu},
        };
        CHECK(host.kernel.writes == expected_release);
        CHECK_FALSE(host.has_state(gpu));
        REQUIRE(vfio::release(host.kernel, gpu_audio).ok());
        CHECK(host.kernel.driver_of(gpu_audio) == "snd_hda_intel");
        CHECK(host.kernel.read("/sys/bus/pci/devices/0000:01:00.1/driver_override") == "(null)");
        CHECK_FALSE(host.has_state(gpu_audio));

        SECTION("a second release has nothing to do")
        {
            host.kernel.writes.clear();
            const auto twice = vfio::release(host.kernel, gpu);
            CHECK(twice.ok());
            CHECK(host.kernel.writes.empty());
            CHECK(all(twice.notes).find("nothing to give back") != std::string::npos);
        }
    }
}

TEST_CASE("vfio bind refuses a group shared with a device the VM does not pass through")
{
    GpuHost host;
    host.kernel.add_device("0000:01:00.2", usb, "1", "xhci_hcd");
    const auto out = vfio::bind(host.kernel, gpu, win11);
    REQUIRE_FALSE(out.ok());
    const std::string& message = *out.error;
    INFO(message);
    CHECK(message.find("0000:01:00.0 shares IOMMU group 1") != std::string::npos);
    CHECK(message.find("0000:01:00.2 (driver xhci_hcd)") != std::string::npos);
    CHECK(message.find("VM 'win11' passes it through") != std::string::npos);
    CHECK(message.find("pass it through in the same VM") != std::string::npos);
    CHECK(message.find("move the card") != std::string::npos);
    CHECK(message.find("0000:01:00.1") == std::string::npos);  // the VM's own function is fine
    CHECK(message.find("0000:00:01.0") == std::string::npos);  // bridges are fine
    CHECK(host.kernel.writes.empty());
    CHECK(host.kernel.driver_of(gpu) == "nouveau");
    CHECK_FALSE(host.has_state(gpu));
}

TEST_CASE("vfio bind refuses a group whose other device is on vfio-pci for another VM")
{
    GpuHost host;
    host.kernel.add_device("0000:01:00.2", usb, "1", "vfio-pci");
    const vfio::Claims claims({{"win11", {gpu, gpu_audio}}, {"linux", {"0000:01:00.2"}}});
    const auto out = vfio::bind(host.kernel, gpu, claims);
    REQUIRE_FALSE(out.ok());
    INFO(*out.error);
    CHECK(out.error->find("0000:01:00.2 (driver vfio-pci), passed through by VM 'linux'") != std::string::npos);
    CHECK(host.kernel.writes.empty());
}

TEST_CASE("vfio bind accepts unbound devices and the VM's own devices on vfio-pci in the group")
{
    GpuHost host;
    host.kernel.add_device("0000:01:00.2", usb, "1", "");
    host.kernel.add_device("0000:01:00.3", usb, "1", "vfio-pci");
    const vfio::Claims claims({{"win11", {gpu, gpu_audio, "0000:01:00.3"}}});
    const auto out = vfio::bind(host.kernel, gpu, claims);
    INFO(out.error.value_or(""));
    REQUIRE(out.ok());
    CHECK(host.kernel.driver_of(gpu) == "vfio-pci");
    CHECK_FALSE(host.kernel.driver_of("0000:01:00.2"));
}

TEST_CASE("vfio bind without an IOMMU names the kernel parameters")
{
    TempDir dir;
    FixtureKernel kernel(dir.path());
    kernel.add_driver("vfio-pci");
    kernel.add_device(gpu, vga, "", "nouveau");
    const auto out = vfio::bind(kernel, gpu, win11);
    REQUIRE_FALSE(out.ok());
    INFO(*out.error);
    CHECK(out.error->find("intel_iommu=on") != std::string::npos);
    CHECK(out.error->find("amd_iommu=on") != std::string::npos);
    CHECK(out.error->find("iommu=pt") != std::string::npos);
    CHECK(kernel.writes.empty());
    CHECK(kernel.driver_of(gpu) == "nouveau");
}

TEST_CASE("vfio bind of a device that is not there")
{
    GpuHost host;
    const auto out = vfio::bind(host.kernel, "0000:09:00.0", win11);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error->find("no PCI device 0000:09:00.0") != std::string::npos);
    CHECK(host.kernel.writes.empty());
}

TEST_CASE("a device already on vfio-pci stays there")
{
    TempDir dir;
    FixtureKernel kernel(dir.path());
    kernel.add_driver("vfio-pci");
    kernel.add_device(gpu, vga, "7", "vfio-pci");
    const vfio::Claims claims({{"win11", {gpu}}});
    const auto out = vfio::bind(kernel, gpu, claims);
    REQUIRE(out.ok());
    CHECK(kernel.writes.empty());
    CHECK(all(out.notes).find("on vfio-pci already") != std::string::npos);
    CHECK(vfio::bind(kernel, gpu, claims).ok());
    CHECK(kernel.writes.empty());
    const auto released = vfio::release(kernel, gpu);
    REQUIRE(released.ok());
    CHECK(kernel.writes.empty());
    CHECK(kernel.driver_of(gpu) == "vfio-pci");
    CHECK_FALSE(std::filesystem::exists(kernel.real(vfio::state_file(gpu))));
}

TEST_CASE("release after a crash restores the remembered driver")
{
    // qemu (or ezkvm) died with the device on vfio-pci; /run still has the state file.
    TempDir dir;
    FixtureKernel kernel(dir.path());
    kernel.add_driver("vfio-pci");
    kernel.add_driver("nouveau");
    kernel.add_device(gpu, vga, "1", "vfio-pci");
    write_file(kernel.real("/sys/bus/pci/devices/0000:01:00.0/driver_override"), "vfio-pci\n");
    std::filesystem::create_directories(kernel.real(vfio::state_dir));
    write_file(kernel.real(vfio::state_file(gpu)), "{\"driver\": \"nouveau\"}\n");
    const auto out = vfio::release(kernel, gpu);
    INFO(out.error.value_or(""));
    REQUIRE(out.ok());
    CHECK(kernel.driver_of(gpu) == "nouveau");
    CHECK(kernel.read("/sys/bus/pci/devices/0000:01:00.0/driver_override") == "(null)");
    CHECK_FALSE(std::filesystem::exists(kernel.real(vfio::state_file(gpu))));

    SECTION("a bind that crashed halfway (unbound, override set) is finished by the next bind")
    {
        kernel.writes.clear();
        std::filesystem::remove(kernel.real("/sys/bus/pci/devices/0000:01:00.0/driver"));
        write_file(kernel.real(vfio::state_file(gpu)), "{\"driver\": \"nouveau\"}\n");
        REQUIRE(vfio::bind(kernel, gpu, vfio::Claims({{"win11", {gpu}}})).ok());
        CHECK(kernel.driver_of(gpu) == "vfio-pci");
        REQUIRE(vfio::release(kernel, gpu).ok());
        CHECK(kernel.driver_of(gpu) == "nouveau");  // the first remembered driver wins
    }
}

TEST_CASE("a damaged state file is an error, not a guess")
{
    GpuHost host;
    std::filesystem::create_directories(host.kernel.real(vfio::state_dir));
    write_file(host.kernel.real(vfio::state_file(gpu)), "nouveau");
    const auto out = vfio::release(host.kernel, gpu);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error->find("is damaged") != std::string::npos);
    CHECK(host.kernel.writes.empty());
}

TEST_CASE("vfio bind loads vfio-pci when the kernel lacks it")
{
    TempDir dir;
    FixtureKernel kernel(dir.path());
    kernel.add_device(gpu, vga, "1", "nouveau");
    const vfio::Claims claims({{"win11", {gpu}}});

    SECTION("modprobe adds the driver")
    {
        const auto out = vfio::bind(kernel, gpu, claims);
        INFO(out.error.value_or(""));
        REQUIRE(out.ok());
        CHECK(kernel.modules_loaded == std::vector<std::string>{"vfio-pci"});
        CHECK(kernel.driver_of(gpu) == "vfio-pci");
    }
    SECTION("no driver after modprobe: nothing is touched")
    {
        kernel.refuse_module = true;
        const auto out = vfio::bind(kernel, gpu, claims);
        REQUIRE_FALSE(out.ok());
        CHECK(out.error->find("no vfio-pci driver") != std::string::npos);
        CHECK(kernel.writes.empty());
        CHECK(kernel.driver_of(gpu) == "nouveau");
    }
}

TEST_CASE("a failed bind gives back what it took")
{
    GpuHost host;
    host.kernel.vfio_refuses.insert(gpu);
    const auto out = vfio::bind(host.kernel, gpu, win11);
    REQUIRE_FALSE(out.ok());
    INFO(*out.error);
    CHECK(out.error->find("0000:01:00.0 did not bind to vfio-pci (it is on no driver now)") != std::string::npos);
    CHECK(host.kernel.driver_of(gpu) == "nouveau");
    CHECK(host.kernel.driver_of(gpu_audio) == "snd_hda_intel");
    CHECK(host.kernel.read("/sys/bus/pci/devices/0000:01:00.0/driver_override") == "(null)");
    CHECK_FALSE(host.has_state(gpu));
    CHECK_FALSE(host.has_state(gpu_audio));
}

TEST_CASE("the host's boot display: refused while a host driver drives it, a warning with force or without driver")
{
    TempDir dir;
    FixtureKernel kernel(dir.path());
    kernel.add_driver("vfio-pci");
    kernel.add_device(gpu, vga, "1", "amdgpu", true);
    const auto refused = vfio::bind(kernel, gpu, vfio::Claims({{"win11", {gpu}}}));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error->find("boot display, driven by amdgpu") != std::string::npos);
    const auto forced = vfio::bind(kernel, gpu, vfio::Claims({{"win11", {gpu}, {gpu}}}));
    REQUIRE(forced.ok());
    REQUIRE(forced.warnings.size() == 1);
    CHECK(forced.warnings[0].find("boot display") != std::string::npos);

    TempDir bare_dir;
    FixtureKernel bare(bare_dir.path());
    bare.add_driver("vfio-pci");
    bare.add_device(gpu, vga, "1", "", true);
    const auto out = vfio::bind(bare, gpu, vfio::Claims({{"win11", {gpu}}}));
    REQUIRE(out.ok());
    REQUIRE(out.warnings.size() == 1);
    CHECK(out.warnings[0].find("boot display (boot_vga = 1)") != std::string::npos);
}

TEST_CASE("a remembered driver that is not a driver's name is refused, nothing written")
{
    // Finding 8: a forged state file made vfio-release write to
    // /sys/bus/pci/drivers/../../../../X/bind.
    for (const char* forged : {"../../../../tmp", "..", ".", "a/b", "nouveau\n", ""}) {
        GpuHost host;
        std::filesystem::create_directories(host.kernel.real(vfio::state_dir));
        write_file(host.kernel.real(vfio::state_file(gpu)), nlohmann::json{{"driver", forged}}.dump());
        const auto out = vfio::release(host.kernel, gpu);
        INFO(forged);
        if (std::string_view(forged).empty()) {
            CHECK(out.ok());  // no driver before: drivers_probe
            continue;
        }
        REQUIRE_FALSE(out.ok());
        CHECK(out.error->find("is not a driver's name") != std::string::npos);
        CHECK(host.kernel.writes.empty());
    }
    CHECK(vfio::valid_driver_name("snd_hda_intel"));
    CHECK(vfio::valid_driver_name("vfio-pci"));
    CHECK_FALSE(vfio::valid_driver_name(std::string(65, 'a')));
}

TEST_CASE("root's vfio state is apart from every VM's directory; an earlier release's is read while root's alone")
{
    CHECK(std::string(vfio::state_dir).starts_with(std::string(host_state_dir) + "/"));
    CHECK_FALSE(config::valid_vm_name("_host"));
    TempDir dir;
    FixtureKernel kernel(dir.path());
    kernel.add_driver("vfio-pci");
    kernel.add_driver("nouveau");
    kernel.add_device(gpu, vga, "1", "vfio-pci");
    const std::string legacy = kernel.real(std::string(vfio::legacy_state_dir));
    std::filesystem::create_directories(legacy);
    ::chmod(legacy.c_str(), 0700);
    write_file(legacy + "/" + gpu + ".json", "{\"driver\": \"nouveau\"}\n");
    SECTION("root's own: honoured, then removed")
    {
        REQUIRE(vfio::release(kernel, gpu).ok());
        CHECK(kernel.driver_of(gpu) == "nouveau");
        CHECK_FALSE(std::filesystem::exists(legacy + "/" + gpu + ".json"));
    }
    SECTION("a VM named vfio had it: ignored")
    {
        REQUIRE(::chown(legacy.c_str(), 4321, 4321) == 0);
        REQUIRE(vfio::release(kernel, gpu).ok());
        CHECK(kernel.driver_of(gpu) != "nouveau");
    }
}
