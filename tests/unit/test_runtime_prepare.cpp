#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "prepare_fixture.hpp"

using namespace ezkvm;
using namespace ezkvm::runtime;
using ezkvm::test::read_file;
using ezkvm::test::stat_of;
using ezkvm::test::write_file;

namespace {

struct Fixture : test::PrepareFixture {
    config::Drive& add_drive(const std::string& file, uint64_t size, config::DriveFormat format)
    {
        config::Drive drive;
        drive.file = file;
        drive.create = true;
        drive.size = size;
        drive.format = format;
        spec.storage.push_back(config::StorageGroup{});
        spec.storage.back().drives.push_back(drive);
        return spec.storage.back().drives.back();
    }
};

bool same_file_untouched(const struct stat& a, const struct stat& b)
{
    return a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
           a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

std::vector<std::string> entries(const std::string& dir)
{
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("prepare creates private runtime and state directories", "[runtime][prepare]")
{
    Fixture f;
    CHECK(f.run_ok().empty());
    CHECK((stat_of(f.input.paths.runtime_dir).st_mode & 07777) == 0700);
    CHECK((stat_of(f.input.paths.state_dir).st_mode & 07777) == 0700);

    ::chmod(f.input.paths.state_dir.c_str(), 0755);
    f.run_ok();
    CHECK((stat_of(f.input.paths.state_dir).st_mode & 07777) == 0700);
}

TEST_CASE("prepare refuses a runtime directory that is not a directory", "[runtime][prepare]")
{
    Fixture f;
    std::filesystem::create_directories(f.dir / "run");
    write_file(f.input.paths.runtime_dir, "x");
    Diagnostics diags;
    f.run(diags);
    REQUIRE(diags.error_count() == 1);
    CHECK(diags.items()[0].message == f.input.paths.runtime_dir + " is not a directory");
}

TEST_CASE("the UEFI variable store is copied from the template once and never overwritten", "[runtime][prepare]")
{
    Fixture f;
    f.spec.system.bios.type = config::FirmwareType::Ovmf;
    f.input.vars_template = f.dir / "OVMF_VARS_4M.fd";
    write_file(f.input.vars_template, std::string(4096, 'T'));

    const auto created = f.run_ok();
    const std::string store = f.input.paths.efivars();
    REQUIRE(created.size() == 1);
    CHECK(created[0].what == "UEFI variable store");
    CHECK(created[0].path == store);
    CHECK(read_file(store) == std::string(4096, 'T'));
    CHECK((stat_of(store).st_mode & 07777) == 0600);

    write_file(store, "the guest's boot entries");
    write_file(f.input.vars_template, std::string(4096, 'N'));
    CHECK(f.run_ok().empty());
    CHECK(read_file(store) == "the guest's boot entries");
    CHECK(entries(f.input.paths.state_dir) == std::vector<std::string>{"efivars.fd"});
}

TEST_CASE("no variable store is made for SeaBIOS or a configured bios.file", "[runtime][prepare]")
{
    Fixture f;
    f.input.vars_template = f.dir / "OVMF_VARS_4M.fd";
    write_file(f.input.vars_template, "T");
    CHECK(f.run_ok().empty());  // SeaBIOS
    f.spec.system.bios.type = config::FirmwareType::Ovmf;
    f.spec.system.bios.file = f.dir / "my-vars.fd";
    CHECK(f.run_ok().empty());
    CHECK_FALSE(std::filesystem::exists(f.input.paths.efivars()));
    CHECK_FALSE(std::filesystem::exists(f.spec.system.bios.file));
}

TEST_CASE("a missing variable template is an error naming it", "[runtime][prepare]")
{
    Fixture f;
    f.spec.system.bios.type = config::FirmwareType::Ovmf;
    f.input.vars_template = f.dir / "gone.fd";
    Diagnostics diags;
    CHECK(f.run(diags).empty());
    REQUIRE(diags.error_count() == 1);
    CHECK(diags.items()[0].message ==
          "cannot read the OVMF variable template " + f.input.vars_template + ": No such file or directory");
    CHECK(entries(f.input.paths.state_dir).empty());
}

TEST_CASE("disk images marked create are made with qemu-img once, in the plan's format", "[runtime][prepare]")
{
    Fixture f;
    const std::string qcow2 = f.dir / "disk.qcow2";
    const std::string raw = f.dir / "data.img";
    f.add_drive(qcow2, 64ull << 20, config::DriveFormat::Auto);
    f.add_drive(raw, 1ull << 20, config::DriveFormat::Auto);  // .img: raw, as the plan tells qemu

    const auto created = f.run_ok();
    REQUIRE(created.size() == 2);
    CHECK(created[0].path == qcow2);
    CHECK(created[0].what == "qcow2 disk image (67108864 bytes)");
    CHECK(created[1].path == raw);
    CHECK(created[1].what == "raw disk image (1048576 bytes)");
    CHECK(read_file(qcow2).substr(0, 4) == "QFI\xfb");
    CHECK(stat_of(raw).st_size == 1 << 20);
    CHECK((stat_of(qcow2).st_mode & 07777) == 0600);
    // Only the images: the temporary names are gone.
    CHECK(entries(f.dir.path()) == std::vector<std::string>{"data.img", "disk.qcow2", "run", "state"});

    const auto qcow2_before = stat_of(qcow2);
    const auto raw_before = stat_of(raw);
    CHECK(f.run_ok().empty());
    CHECK(same_file_untouched(qcow2_before, stat_of(qcow2)));
    CHECK(same_file_untouched(raw_before, stat_of(raw)));
}

TEST_CASE("an existing image is never touched, even with create", "[runtime][prepare]")
{
    Fixture f;
    const std::string disk = f.dir / "disk.qcow2";
    write_file(disk, "installed guest");
    f.add_drive(disk, 1ull << 30, config::DriveFormat::Qcow2);
    CHECK(f.run_ok().empty());
    CHECK(read_file(disk) == "installed guest");
}

TEST_CASE("a disk image in a missing directory is an error that says what to do", "[runtime][prepare]")
{
    Fixture f;
    const std::string disk = f.dir / "images/vm/disk.qcow2";
    f.add_drive(disk, 1ull << 20, config::DriveFormat::Auto);
    Diagnostics diags;
    CHECK(f.run(diags).empty());
    REQUIRE(diags.error_count() == 1);
    const auto& d = diags.items()[0];
    CHECK(d.path == "storage");
    CHECK(d.message == "cannot create disk image " + disk + ": its directory " + f.dir.path() +
                           "/images/vm does not exist");
    CHECK(d.hint == "create the directory (mkdir -p " + f.dir.path() + "/images/vm) or change the drive's file");
    CHECK_FALSE(std::filesystem::exists(f.dir / "images"));
}

TEST_CASE("a failing qemu-img leaves no file behind", "[runtime][prepare]")
{
    Fixture f;
    const std::string disk = f.dir / "disk.qcow2";
    f.add_drive(disk, 1ull << 20, config::DriveFormat::Auto);
    f.input.qemu_img = "false";
    Diagnostics diags;
    CHECK(f.run(diags).empty());
    REQUIRE(diags.error_count() == 1);
    CHECK(diags.items()[0].message == "cannot create disk image " + disk + ": qemu-img exited with status 1: ");
    CHECK(entries(f.dir.path()) == std::vector<std::string>{"run", "state"});
}

TEST_CASE("the TPM 2.0 state is created once in the state directory", "[runtime][prepare][swtpm]")
{
    Fixture f;
    f.spec.system.tpm.type = config::TpmType::Swtpm;
    const auto created = f.run_ok();
    const std::string dir = f.input.paths.tpm_state();
    REQUIRE(created.size() == 1);
    CHECK(created[0].what == "TPM 2.0 state");
    CHECK(created[0].path == dir);
    CHECK((stat_of(dir).st_mode & 07777) == 0700);
    const std::string permall = dir + "/tpm2-00.permall";
    REQUIRE(std::filesystem::exists(permall));

    const auto before = stat_of(permall);
    CHECK(f.run_ok().empty());
    CHECK(same_file_untouched(before, stat_of(permall)));
}

TEST_CASE("a TPM 1.2 state is created when asked for", "[runtime][prepare][swtpm]")
{
    Fixture f;
    f.spec.system.tpm.type = config::TpmType::Swtpm;
    f.spec.system.tpm.version = config::TpmVersion::V1_2;
    const auto created = f.run_ok();
    REQUIRE(created.size() == 1);
    CHECK(created[0].what == "TPM 1.2 state");
    CHECK(std::filesystem::exists(f.input.paths.tpm_state() + "/tpm-00.permall"));
    CHECK(f.run_ok().empty());
}

TEST_CASE("a TPM state file (tpm.disk) is created once", "[runtime][prepare][swtpm]")
{
    Fixture f;
    f.spec.system.tpm.type = config::TpmType::Swtpm;
    f.spec.system.tpm.disk = f.dir / "tpm.bin";
    const auto created = f.run_ok();
    REQUIRE(created.size() == 1);
    CHECK(created[0].path == f.spec.system.tpm.disk);
    const auto before = stat_of(f.spec.system.tpm.disk);
    CHECK(before.st_size > 0);
    CHECK_FALSE(std::filesystem::exists(f.input.paths.tpm_state()));

    CHECK(f.run_ok().empty());
    CHECK(same_file_untouched(before, stat_of(f.spec.system.tpm.disk)));
}

TEST_CASE("TPM state problems are errors naming the location", "[runtime][prepare][swtpm]")
{
    Fixture f;
    f.spec.system.tpm.type = config::TpmType::Swtpm;
    SECTION("missing directory for tpm.disk")
    {
        f.spec.system.tpm.disk = f.dir / "nowhere/tpm.bin";
        Diagnostics diags;
        f.run(diags);
        REQUIRE(diags.error_count() == 1);
        CHECK(diags.items()[0].path == "system.tpm.disk");
        CHECK(diags.items()[0].message == "cannot create the TPM state file " + f.spec.system.tpm.disk +
                                              ": its directory " + f.dir.path() + "/nowhere does not exist");
    }
    SECTION("swtpm_setup not installed")
    {
        f.input.swtpm_setup = "/nonexistent/swtpm_setup";
        Diagnostics diags;
        f.run(diags);
        REQUIRE(diags.error_count() == 1);
        CHECK(diags.items()[0].message == "cannot create the TPM state in " + f.input.paths.tpm_state() +
                                              ": cannot run /nonexistent/swtpm_setup: No such file or directory");
        CHECK(diags.items()[0].hint == "check that swtpm and swtpm-tools are installed and the location is writable");
    }
}

// Giving files away needs root: a hidden test, run (or skipped) by the unit-root test.
TEST_CASE("what prepare creates belongs to the VM's user", "[.][root][runtime][prepare][swtpm]")
{
    REQUIRE(::geteuid() == 0);
    Fixture f;
    ::chmod(f.dir.path().c_str(), 0755);  // swtpm_setup runs as the VM's user and must reach its state
    f.input.owner = Owner{65534, 65534};
    f.spec.system.bios.type = config::FirmwareType::Ovmf;
    f.input.vars_template = f.dir / "OVMF_VARS_4M.fd";
    write_file(f.input.vars_template, "T");
    f.spec.system.tpm.type = config::TpmType::Swtpm;
    const std::string disk = f.dir / "disk.qcow2";
    f.add_drive(disk, 1ull << 20, config::DriveFormat::Auto);
    CHECK(f.run_ok().size() == 3);
    for (const auto& path : {f.input.paths.runtime_dir, f.input.paths.state_dir, f.input.paths.efivars(), disk,
                             f.input.paths.tpm_state(), f.input.paths.tpm_state() + "/tpm2-00.permall"}) {
        INFO(path);
        CHECK(stat_of(path).st_uid == 65534);
        CHECK(stat_of(path).st_gid == 65534);
    }
}
