#include <catch2/catch.hpp>

#include "base/host_path.hpp"
#include "units/file_access.hpp"

using namespace ezkvm;
using namespace ezkvm::units;

namespace {

std::string settings(std::initializer_list<const char*> writable_files)
{
    FileAccess access({"/run/ezkvm/vm", "/var/lib/ezkvm/vm"});
    for (const char* file : writable_files)
        access.use(file, true);
    UnitFile unit;
    access.add_to(unit, "Service");
    return unit.render();
}

}  // namespace

TEST_CASE("a writable disk opens its own directory, never a directory of the host's files")
{
    CHECK(settings({"/srv/vms/web.qcow2"}).find("ReadWritePaths=-/srv/vms\n") != std::string::npos);
    // Issue 15, finding 17: these gave ReadWritePaths=-/ and -/etc.
    const auto root = settings({"/disk.img"});
    CHECK(root.find("ReadWritePaths=-/disk.img\n") != std::string::npos);
    CHECK(root.find("ReadWritePaths=-/\n") == std::string::npos);
    const auto etc = settings({"/etc/x.qcow2", "/usr/lib/y.raw", "/var/lib/z.img", "/home/top.img"});
    for (const char* file : {"/etc/x.qcow2", "/usr/lib/y.raw", "/var/lib/z.img", "/home/top.img"})
        CHECK(etc.find(std::string("ReadWritePaths=-") + file + "\n") != std::string::npos);
    for (const char* dir : {"-/etc\n", "-/usr/lib\n", "-/var/lib\n", "-/home\n"})
        CHECK(etc.find(std::string("ReadWritePaths=") + dir) == std::string::npos);
    // The VM's own directories are writable already.
    CHECK(settings({"/var/lib/ezkvm/vm/disk.qcow2"}).find("ReadWritePaths") == std::string::npos);
}

TEST_CASE("system directories: the root and the host's own trees, not a mount point of the admin's")
{
    for (const char* dir : {"/", "/etc", "/etc/ezkvm", "/usr", "/usr/share", "/boot/efi", "/run/user/1000", "/var",
                            "/var/lib", "/var/cache", "/var/log", "/home", "/tmp"})
        CHECK(is_system_directory(dir));
    for (const char* dir : {"/srv", "/data", "/srv/vms", "/var/lib/libvirt/images", "/home/alice/vms", "/mnt/fast/vms",
                            "/var/vms"})
        CHECK_FALSE(is_system_directory(dir));
}
