#pragma once
// A fixture sysfs tree for the vfio tests, and a stand-in for the kernel
// behind it: a fixture's bind/unbind/drivers_probe files are plain files, so
// FixtureKernel records each write and moves the `driver` symlinks the way
// the PCI core would.
#include <cerrno>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "test_runtime_support.hpp"
#include "vfio/device.hpp"
#include "vfio/host.hpp"

namespace ezkvm::test {

struct Written {
    std::string path;   // unprefixed
    std::string value;
    bool operator==(const Written&) const = default;
};

class FixtureKernel : public vfio::Host {
public:
    explicit FixtureKernel(const std::string& root) : Host(root)
    {
        std::filesystem::create_directories(real("/sys/bus/pci/drivers"));
        std::filesystem::create_directories(real("/sys/kernel/iommu_groups"));
        write_file(real("/sys/bus/pci/drivers_probe"), "");
    }

    // Adds a device (class 0x060400 is a PCI bridge) in `group` ("" = none),
    // bound to `driver` ("" = none), which drivers_probe also picks for it.
    void add_device(const std::string& address, uint32_t pci_class, const std::string& group,
                    const std::string& driver, bool boot_vga = false)
    {
        namespace fs = std::filesystem;
        const std::string dir = real(vfio::device_dir(address));
        fs::create_directories(dir);
        write_file(dir + "/class", fmt_hex(pci_class));
        write_file(dir + "/driver_override", "(null)\n");
        if (boot_vga)
            write_file(dir + "/boot_vga", "1\n");
        if (!group.empty()) {
            const std::string group_dir = real("/sys/kernel/iommu_groups/" + group);
            fs::create_directories(group_dir + "/devices");
            fs::create_directory_symlink(dir, group_dir + "/devices/" + address);
            fs::create_directory_symlink(group_dir, dir + "/iommu_group");
        }
        native_[address] = driver;
        if (!driver.empty())
            link_driver(address, driver);
    }

    void add_driver(const std::string& driver)
    {
        namespace fs = std::filesystem;
        const std::string dir = real(vfio::driver_dir(driver));
        fs::create_directories(dir);
        write_file(dir + "/bind", "");
        write_file(dir + "/unbind", "");
    }

    Result<void> write(const std::string& path, const std::string& value) override
    {
        namespace fs = std::filesystem;
        writes.push_back({path, value});
        if (!fs::exists(real(path)))
            return Error{"no such attribute: " + path, ENOENT};
        const std::string drivers = "/sys/bus/pci/drivers/";
        if (path == "/sys/bus/pci/drivers_probe") {
            probe(value);
        } else if (path.starts_with(drivers) && path.ends_with("/unbind")) {
            fs::remove(real(vfio::device_dir(value) + "/driver"));
        } else if (path.starts_with(drivers) && path.ends_with("/bind")) {
            const std::string driver = path.substr(drivers.size(), path.size() - drivers.size() - 5);
            if (driver_of(value))
                return Error{"bind: device busy", EBUSY};
            link_driver(value, driver);
        } else if (path.ends_with("/driver_override")) {
            write_file(real(path), value == "\n" ? "(null)\n" : value + "\n");
        }
        return {};
    }

    Result<void> load_module(const std::string& module) override
    {
        modules_loaded.push_back(module);
        if (module == "vfio-pci" && !refuse_module)
            add_driver("vfio-pci");
        return {};
    }

    std::optional<std::string> driver_of(const std::string& address) const
    {
        return link_name(vfio::device_dir(address) + "/driver");
    }

    // Writes that changed something in sysfs (reads never show up here).
    std::vector<Written> writes;
    std::vector<std::string> modules_loaded;
    bool refuse_module = false;        // modprobe "works" but adds no driver
    std::set<std::string> vfio_refuses;  // vfio-pci's probe fails for these

private:
    static std::string fmt_hex(uint32_t value)
    {
        char text[16];
        std::snprintf(text, sizeof text, "0x%06x\n", value);
        return text;
    }

    void link_driver(const std::string& address, const std::string& driver)
    {
        add_driver(driver);
        std::filesystem::create_directory_symlink(real(vfio::driver_dir(driver)),
                                                  real(vfio::device_dir(address) + "/driver"));
    }

    void probe(const std::string& address)
    {
        if (driver_of(address))
            return;
        const std::string override_value = read(vfio::device_dir(address) + "/driver_override").value_or("");
        if (override_value != "(null)") {
            if (override_value == vfio::vfio_driver && vfio_refuses.count(address))
                return;
            if (exists(vfio::driver_dir(override_value)))
                link_driver(address, override_value);
            return;
        }
        if (!native_[address].empty())
            link_driver(address, native_[address]);
    }

    std::map<std::string, std::string> native_;
};

}  // namespace ezkvm::test
