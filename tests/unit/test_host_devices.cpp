// Host device lookups (lib/host) against fixture sysfs trees, and ACL entries on real files.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "host/device_acl.hpp"
#include "host/kvmfr.hpp"
#include "host/usb_device.hpp"
#include "test_runtime_support.hpp"

using namespace ezkvm;
using ezkvm::test::TempDir;
using ezkvm::test::write_file;

namespace {

// /sys/bus/usb/devices/<name> with the attributes the kernel shows.
void add_usb(const TempDir& root, const std::string& name, unsigned bus, unsigned dev, const std::string& vendor,
             const std::string& product)
{
    const std::string dir = root / ("sys/bus/usb/devices/" + name);
    std::filesystem::create_directories(dir);
    write_file(dir + "/busnum", std::to_string(bus) + "\n");
    write_file(dir + "/devnum", std::to_string(dev) + "\n");
    write_file(dir + "/idVendor", vendor + "\n");
    write_file(dir + "/idProduct", product + "\n");
}

config::UsbHostDevice by_port(const std::string& bus, const std::string& port)
{
    config::UsbHostDevice d;
    d.host_bus = bus;
    d.host_port = port;
    return d;
}

config::UsbHostDevice by_id(const std::string& vendor, const std::string& product)
{
    config::UsbHostDevice d;
    d.vendor_id = vendor;
    d.product_id = product;
    return d;
}

}  // namespace

TEST_CASE("USB devices are found by bus/port and by id", "[host][usb]")
{
    TempDir root;
    add_usb(root, "usb1", 1, 1, "1d6b", "0002");
    add_usb(root, "1-2.2", 1, 4, "046D", "C52B");
    add_usb(root, "3-1", 3, 17, "1050", "0407");
    std::filesystem::create_directories(root / "sys/bus/usb/devices/1-2.2:1.0");  // an interface, no busnum

    CHECK(host::has_usb_sysfs(root.path()));
    const auto port = host::find_usb_device(by_port("1", "2.2"), root.path());
    REQUIRE(port);
    CHECK(port->sysfs_name == "1-2.2");
    CHECK(port->node == "/dev/bus/usb/001/004");

    const auto id = host::find_usb_device(by_id("1050", "0407"), root.path());
    REQUIRE(id);
    CHECK(id->node == "/dev/bus/usb/003/017");
    // sysfs may print ids in upper case; the spec holds them lower case.
    CHECK(host::find_usb_device(by_id("046d", "c52b"), root.path())->sysfs_name == "1-2.2");

    CHECK_FALSE(host::find_usb_device(by_port("1", "3"), root.path()));
    CHECK_FALSE(host::find_usb_device(by_port("2", "2.2"), root.path()));
    CHECK_FALSE(host::find_usb_device(by_id("dead", "beef"), root.path()));
    CHECK(host::describe(by_port("1", "2.2")) == "bus 1 port 2.2");
    CHECK(host::describe(by_id("046d", "c52b")) == "id 046d:c52b");
}

TEST_CASE("a host without USB in sysfs cannot look devices up", "[host][usb]")
{
    TempDir root;
    CHECK_FALSE(host::has_usb_sysfs(root.path()));
    CHECK_FALSE(host::find_usb_device(by_port("1", "2"), root.path()));
}

TEST_CASE("two host.usb entries naming one device", "[host][usb]")
{
    CHECK(host::same_usb_device(by_port("1", "2.2"), by_port("1", "2.2")));
    CHECK_FALSE(host::same_usb_device(by_port("1", "2.2"), by_port("1", "2")));
    CHECK(host::same_usb_device(by_id("046d", "c52b"), by_id("046d", "c52b")));
    CHECK_FALSE(host::same_usb_device(by_id("046d", "c52b"), by_id("046d", "c52c")));
    CHECK_FALSE(host::same_usb_device(by_id("046d", "c52b"), by_port("1", "2")));
}

TEST_CASE("kvmfr device size from sysfs or the module parameter", "[host][kvmfr]")
{
    TempDir root;
    CHECK_FALSE(host::kvmfr_size("/dev/kvmfr0", root.path()));

    std::filesystem::create_directories(root / "sys/module/kvmfr/parameters");
    write_file(root / "sys/module/kvmfr/parameters/static_size_mb", "128,32\n");
    CHECK(host::kvmfr_size("/dev/kvmfr0", root.path()) == 128ull << 20);
    CHECK(host::kvmfr_size("/dev/kvmfr1", root.path()) == 32ull << 20);
    CHECK_FALSE(host::kvmfr_size("/dev/kvmfr2", root.path()));

    std::filesystem::create_directories(root / "sys/class/kvmfr/kvmfr0");
    write_file(root / "sys/class/kvmfr/kvmfr0/size", "268435456\n");
    CHECK(host::kvmfr_size("/dev/kvmfr0", root.path()) == 256ull << 20);

    const auto hint = host::kvmfr_modprobe_hint("/dev/kvmfr1", 100ull << 20);
    CHECK_THAT(hint, Catch::Contains("modprobe kvmfr static_size_mb=100,100"));
}

TEST_CASE("an ACL entry gives a user access and taking it back restores the node", "[host][acl]")
{
    TempDir dir;
    const std::string node = dir / "004";
    write_file(node, "");
    REQUIRE(::chmod(node.c_str(), 0664) == 0);
    const uid_t user = 4242;

    REQUIRE_FALSE(host::has_user_entry(node, user));
    const auto granted = host::grant_user_rw(node, user);
    INFO((granted ? std::string() : granted.error().message));
    REQUIRE(granted);
    CHECK(host::has_user_entry(node, user));
    struct stat st {};
    ::stat(node.c_str(), &st);
    CHECK((st.st_mode & 0777) == 0664);  // the mask (group bits) already allowed rw
    CHECK(host::grant_user_rw(node, user));  // twice is fine

    CHECK(host::revoke_user(node, user));
    CHECK_FALSE(host::has_user_entry(node, user));
    ::stat(node.c_str(), &st);
    CHECK((st.st_mode & 0777) == 0664);
    CHECK(host::revoke_user(node, user));                 // nothing left to take
    CHECK(host::revoke_user(dir / "gone", user));         // unplugged meanwhile
}

TEST_CASE("granting on a read-only node widens only the mask, revoking restores the mode", "[host][acl]")
{
    TempDir dir;
    const std::string node = dir / "005";
    write_file(node, "");
    REQUIRE(::chmod(node.c_str(), 0640) == 0);
    REQUIRE(host::grant_user_rw(node, 4243));
    struct stat st {};
    ::stat(node.c_str(), &st);
    CHECK((st.st_mode & 0070) == 0060);  // the mask shows in the group bits
    REQUIRE(host::revoke_user(node, 4243));
    ::stat(node.c_str(), &st);
    CHECK((st.st_mode & 0777) == 0640);
}
