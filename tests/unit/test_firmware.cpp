#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "firmware/descriptor.hpp"
#include "firmware/firmware.hpp"
#include "firmware/machine.hpp"

using namespace ezkvm;
using namespace ezkvm::firmware;
using config::Chipset;
using config::FirmwareType;

namespace {

namespace fs = std::filesystem;

// debian/: exactly what Debian 12's ovmf package installs (fake images of known sizes).
// site/: Debian's files plus /etc overrides, an empty-file mask, broken descriptors,
// an aarch64 descriptor, a vendor build, a SeaBIOS descriptor and a user's override.
std::string fixture(const char* tree)
{
    // Meson compiles with source paths relative to the build directory, which
    // holds this binary as tests/unit-tests; an absolute __FILE__ needs no anchor.
    fs::path source(__FILE__);
    if (source.is_relative())
        source = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / source;
    return (source.parent_path() / "../fixtures/firmware" / tree).lexically_normal().string();
}

config::VmSpec vm(FirmwareType type, bool secure_boot, Chipset chipset, std::string version)
{
    config::VmSpec spec;
    spec.system.bios.type = type;
    spec.system.bios.secure_boot = secure_boot;
    spec.system.chipset.type = chipset;
    spec.system.chipset.version = std::move(version);
    return spec;
}

std::vector<std::string> messages(const Diagnostics& diags, Severity severity)
{
    std::vector<std::string> out;
    for (const Diagnostic& d : diags.items())
        if (d.severity == severity)
            out.push_back(d.str());
    return out;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text)
{
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("firmware: machine types")
{
    CHECK(machine_type({Chipset::Q35, "8.1"}) == "pc-q35-8.1");
    CHECK(machine_type({Chipset::Q35, ""}) == "q35");
    CHECK(machine_type({Chipset::I440fx, "7.2"}) == "pc-i440fx-7.2");
    CHECK(machine_type({Chipset::I440fx, ""}) == "pc");
}

TEST_CASE("firmware: source directories")
{
    const Sources system = system_sources("/tmp/root");
    CHECK(system.root == "/tmp/root");
    CHECK(system.directories == std::vector<std::string>{"/etc/qemu/firmware", "/usr/share/qemu/firmware"});

    const Sources user = user_sources("", "/home/u/.config");
    CHECK(user.root.empty());
    CHECK(user.directories ==
          std::vector<std::string>{"/home/u/.config/qemu/firmware", "/etc/qemu/firmware", "/usr/share/qemu/firmware"});
}

TEST_CASE("firmware: descriptors parse into their fields")
{
    auto d = parse_descriptor(R"({
        "interface-types": ["uefi"],
        "mapping": {"device": "flash",
                    "executable": {"filename": "/fw/CODE.fd", "format": "qcow2"},
                    "nvram-template": {"filename": "/fw/VARS.fd"}},
        "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}],
        "features": ["secure-boot", "requires-smm"],
        "some-future-member": {"x": 1}
    })");
    REQUIRE(d);
    CHECK(d->has_interface("uefi"));
    CHECK_FALSE(d->has_interface("bios"));
    CHECK(d->device == "flash");
    CHECK(d->mode == "split");
    CHECK(d->executable.filename == "/fw/CODE.fd");
    CHECK(d->executable.format == "qcow2");
    REQUIRE(d->nvram_template);
    CHECK(d->nvram_template->filename == "/fw/VARS.fd");
    CHECK(d->nvram_template->format == "raw");
    REQUIRE(d->targets.size() == 1);
    CHECK(d->targets[0].architecture == "x86_64");
    CHECK(d->targets[0].machines == std::vector<std::string>{"pc-q35-*"});
    CHECK(d->has_feature("requires-smm"));
    CHECK_FALSE(d->has_feature("enrolled-keys"));

    auto memory = parse_descriptor(R"({"interface-types": ["bios"],
        "mapping": {"device": "memory", "filename": "/fw/bios.bin"},
        "targets": [{"architecture": "x86_64", "machines": ["pc-*"]}]})");
    REQUIRE(memory);
    CHECK(memory->device == "memory");
    CHECK(memory->executable.filename == "/fw/bios.bin");
    CHECK_FALSE(memory->nvram_template);
    CHECK(memory->features.empty());
}

TEST_CASE("firmware: malformed descriptors say what is wrong")
{
    std::string error;
    auto fails = [&error](std::string_view text) {
        const auto parsed = parse_descriptor(text);
        error = parsed ? std::string() : parsed.error().message;
        return !parsed;
    };
    CHECK(fails("{\"interface-types\": ["));
    CHECK(error.find("parse error at line 1") != std::string::npos);

    CHECK(fails("[]"));
    CHECK(error == "expected a JSON object");

    CHECK(fails(R"({"interface-types": ["uefi"], "mapping": {"device": 1}, "targets": []})"));
    CHECK(error == "mapping.device: expected a string");

    CHECK(fails(R"({"interface-types": ["uefi"],
        "mapping": {"device": "flash", "executable": {"filename": "CODE.fd"}}, "targets": []})"));
    CHECK(error == "mapping.executable.filename: expected an absolute path, got 'CODE.fd'");

    CHECK(fails(R"({"interface-types": ["uefi"],
        "mapping": {"device": "flash", "executable": {"filename": "/CODE.fd"}},
        "targets": [{"architecture": "x86_64", "machines": "pc-q35-*"}]})"));
    CHECK(error == "targets[0].machines: expected a list of strings");

    CHECK(fails(R"({"mapping": {"device": "memory", "filename": "/b"}, "targets": []})"));
    CHECK(error == "interface-types: missing");
}

TEST_CASE("firmware: machine globs")
{
    Descriptor d;
    d.targets = {{"aarch64", {"*"}}, {"x86_64", {"pc-q35-*"}}};
    CHECK(supports_machine(d, {Chipset::Q35, "7.2"}));
    CHECK(supports_machine(d, {Chipset::Q35, ""}));  // the alias stands for the newest pc-q35
    CHECK_FALSE(supports_machine(d, {Chipset::I440fx, "7.2"}));
    CHECK_FALSE(supports_machine(d, {Chipset::I440fx, ""}));

    Descriptor pinned;
    pinned.targets = {{"x86_64", {"pc-q35-2.*", "pc"}}};
    CHECK(supports_machine(pinned, {Chipset::Q35, "2.12"}));
    CHECK_FALSE(supports_machine(pinned, {Chipset::Q35, "7.2"}));
    CHECK_FALSE(supports_machine(pinned, {Chipset::Q35, ""}));
    CHECK(supports_machine(pinned, {Chipset::I440fx, ""}));  // a glob naming the alias itself

    Descriptor arm;
    arm.targets = {{"aarch64", {"*"}}};
    CHECK_FALSE(supports_machine(arm, {Chipset::Q35, "7.2"}));
}

TEST_CASE("firmware: Debian's descriptors, secure boot")
{
    Diagnostics diags;
    auto fw = select(vm(FirmwareType::Ovmf, true, Chipset::Q35, "7.2"), system_sources(fixture("debian")), diags, {});
    REQUIRE(fw);
    CHECK(diags.empty());
    CHECK(fw->type == FirmwareType::Ovmf);
    CHECK(fw->descriptor == "/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json");
    CHECK(fw->code == "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
    CHECK(fw->code_format == "raw");
    CHECK(fw->vars_template == "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
    CHECK(fw->vars_format == "raw");
    CHECK(fw->vars_size == 1536);
    CHECK(fw->secure_boot);
    CHECK(fw->requires_smm);
}

TEST_CASE("firmware: Debian's descriptors, no secure boot skips the secure builds sorted first")
{
    for (const config::Chip& chip : {config::Chip{Chipset::Q35, "7.2"}, config::Chip{Chipset::Q35, ""},
                                    config::Chip{Chipset::I440fx, "7.2"}, config::Chip{Chipset::I440fx, ""}}) {
        INFO(machine_type(chip));
        Diagnostics diags;
        auto fw = select(vm(FirmwareType::Ovmf, false, chip.type, chip.version), system_sources(fixture("debian")),
                         diags, {});
        REQUIRE(fw);
        CHECK(diags.empty());
        CHECK(fw->descriptor == "/usr/share/qemu/firmware/60-edk2-x86_64.json");
        CHECK(fw->code == "/usr/share/OVMF/OVMF_CODE_4M.fd");
        CHECK(fw->vars_template == "/usr/share/OVMF/OVMF_VARS_4M.fd");
        CHECK(fw->vars_size == 1024);
        CHECK_FALSE(fw->secure_boot);
        CHECK_FALSE(fw->requires_smm);
    }
}

TEST_CASE("firmware: a root with a trailing slash")
{
    Diagnostics diags;
    auto fw = select(vm(FirmwareType::Ovmf, false, Chipset::Q35, "7.2"), system_sources(fixture("debian") + "/"),
                     diags, {});
    REQUIRE(fw);
    CHECK(fw->code == "/usr/share/OVMF/OVMF_CODE_4M.fd");
}

TEST_CASE("firmware: SeaBIOS without a descriptor is qemu's built-in one")
{
    Diagnostics diags;
    auto fw = select(vm(FirmwareType::Seabios, false, Chipset::I440fx, ""), system_sources(fixture("debian")), diags,
                     {});
    REQUIRE(fw);
    CHECK(diags.empty());
    CHECK(fw->type == FirmwareType::Seabios);
    CHECK(fw->descriptor.empty());
    CHECK(fw->code.empty());
    CHECK(fw->vars_template.empty());
    CHECK(fw->vars_size == 0);
}

TEST_CASE("firmware: SeaBIOS from a descriptor")
{
    Diagnostics diags;
    auto fw = select(vm(FirmwareType::Seabios, false, Chipset::Q35, "7.2"), system_sources(fixture("site")), diags, {});
    REQUIRE(fw);
    CHECK(fw->type == FirmwareType::Seabios);
    CHECK(fw->descriptor == "/usr/share/qemu/firmware/70-seabios.json");
    CHECK(fw->code == "/usr/share/seabios/bios-256k.bin");
    CHECK(fw->vars_template.empty());
    CHECK_FALSE(fw->requires_smm);
}

TEST_CASE("firmware: an /etc mask hides a descriptor and names sort across directories")
{
    // /etc masks 40-edk2-x86_64-secure-enrolled.json with an empty file; 45-vendor from
    // /usr/share then sorts before every other secure build with enrolled keys.
    Diagnostics diags;
    auto fw = select(vm(FirmwareType::Ovmf, true, Chipset::Q35, "7.2"), system_sources(fixture("site")), diags, {});
    REQUIRE(fw);
    CHECK(fw->descriptor == "/usr/share/qemu/firmware/45-vendor-x86_64-secure-enrolled.json");
    CHECK(fw->code == "/usr/share/OVMF/OVMF_CODE_4M.vendor.fd");
    CHECK(fw->vars_template == "/usr/share/OVMF/OVMF_VARS_4M.vendor.fd");
    CHECK(fw->vars_size == 2048);
    CHECK(fw->secure_boot);
    CHECK(fw->requires_smm);
}

TEST_CASE("firmware: /etc replaces a descriptor of the same name; broken ones are skipped with warnings")
{
    Diagnostics diags;
    const Pos pos{std::make_shared<const std::string>("vm.yaml"), 3, 3};
    auto fw = select(vm(FirmwareType::Ovmf, false, Chipset::Q35, "7.2"), system_sources(fixture("site")), diags, pos);
    REQUIRE(fw);
    // Neither the aarch64 descriptor (its glob matches everything), nor 30-missing-code
    // (its image is not installed), nor 35-pinned-q35 (pc-q35-2.* only), nor the secure
    // 50-edk2-x86_64-secure.json that sorts before it.
    CHECK(fw->descriptor == "/etc/qemu/firmware/60-edk2-x86_64.json");
    CHECK(fw->code == "/usr/share/OVMF/OVMF_CODE_4M.site.fd");
    CHECK(fw->vars_size == 1024);

    CHECK_FALSE(diags.has_errors());
    const auto warnings = messages(diags, Severity::Warning);
    CHECK(warnings.size() == 3);
    CHECK(mentions(warnings, "/etc/qemu/firmware/10-broken.json: warning: ignoring firmware descriptor: parse error"));
    CHECK(mentions(warnings, "/etc/qemu/firmware/15-wrong-shape.json: warning: ignoring firmware descriptor: "
                             "mapping.device: expected a string"));
    CHECK(mentions(warnings, "/etc/qemu/firmware/30-missing-code.json: warning: ignoring firmware descriptor: "
                             "/usr/share/OVMF/OVMF_CODE_4M.gone.fd: No such file or directory"));
}

TEST_CASE("firmware: a versioned machine matches a pinned glob")
{
    Diagnostics diags;
    auto fw = select(vm(FirmwareType::Ovmf, false, Chipset::Q35, "2.12"), system_sources(fixture("site")), diags, {});
    REQUIRE(fw);
    CHECK(fw->descriptor == "/etc/qemu/firmware/35-pinned-q35.json");
    CHECK(fw->code == "/usr/share/OVMF/OVMF_CODE_4M.old.fd");
}

TEST_CASE("firmware: the user's directory comes first")
{
    Diagnostics diags;
    auto fw = select(vm(FirmwareType::Ovmf, false, Chipset::I440fx, ""),
                     user_sources(fixture("site"), "/home/user/.config"), diags, {});
    REQUIRE(fw);
    CHECK(fw->descriptor == "/home/user/.config/qemu/firmware/60-edk2-x86_64.json");
    CHECK(fw->code == "/usr/share/OVMF/OVMF_CODE_4M.user.fd");
}

TEST_CASE("firmware: without a plain build, no secure boot falls back to a secure one without keys")
{
    // /opt/no-plain masks 60-edk2-x86_64.json; 40/45 have enrolled keys, which would enforce secure boot.
    const Sources sources{fixture("site"), {"/opt/no-plain/firmware", "/usr/share/qemu/firmware"}};
    Diagnostics diags;
    auto fw = select(vm(FirmwareType::Ovmf, false, Chipset::Q35, "7.2"), sources, diags, {});
    REQUIRE(fw);
    CHECK(diags.empty());
    CHECK(fw->descriptor == "/usr/share/qemu/firmware/50-edk2-x86_64-secure.json");
    CHECK(fw->code == "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd");
    CHECK_FALSE(fw->secure_boot);
    CHECK(fw->requires_smm);
}

TEST_CASE("firmware: no matching OVMF is an error naming what was needed and where")
{
    const Pos pos{std::make_shared<const std::string>("vm.yaml"), 5, 3};
    Diagnostics diags;
    CHECK_FALSE(select(vm(FirmwareType::Ovmf, true, Chipset::Q35, "7.2"),
                       system_sources(fixture("debian") + "/nonexistent"), diags, pos));
    const auto errors = messages(diags, Severity::Error);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] ==
          "vm.yaml:5:3: error: system.bios: no UEFI firmware with secure boot and enrolled keys for pc-q35-7.2 in "
          "/etc/qemu/firmware, /usr/share/qemu/firmware (install the ovmf package)");
    CHECK(diags.warning_count() == 0);

    // /opt/no-plain masks the plain build; everything else has enrolled keys or wants q35.
    const Sources sources{fixture("site"), {"/opt/no-plain/firmware", "/usr/share/qemu/firmware"}};
    Diagnostics i440fx;
    CHECK_FALSE(select(vm(FirmwareType::Ovmf, false, Chipset::I440fx, ""), sources, i440fx, pos));
    CHECK(messages(i440fx, Severity::Error) ==
          std::vector<std::string>{"vm.yaml:5:3: error: system.bios: no UEFI firmware without enrolled secure boot "
                                   "keys for pc in /opt/no-plain/firmware, /usr/share/qemu/firmware (install the ovmf "
                                   "package)"});
}

TEST_CASE("firmware: secure boot needs OVMF on q35")
{
    Diagnostics diags;
    CHECK_FALSE(select(vm(FirmwareType::Ovmf, true, Chipset::I440fx, "7.2"), system_sources(fixture("debian")), diags,
                       {}));
    REQUIRE(diags.error_count() == 1);
    CHECK(diags.items()[0].path == "system.bios.secure_boot");
    CHECK(diags.items()[0].message.find("q35") != std::string::npos);

    Diagnostics seabios;
    CHECK_FALSE(select(vm(FirmwareType::Seabios, true, Chipset::Q35, "7.2"), system_sources(fixture("debian")),
                       seabios, {}));
    REQUIRE(seabios.error_count() == 1);
    CHECK(seabios.items()[0].message == "secure boot needs UEFI firmware");
}

// A hidden test, run by the unit-host-firmware test (a skip where the host has no descriptors).
TEST_CASE("firmware: this host's Debian descriptors", "[.][host-firmware]")
{
    const Sources sources{"", {"/usr/share/qemu/firmware"}};

    Diagnostics secure_diags;
    auto secure = select(vm(FirmwareType::Ovmf, true, Chipset::Q35, ""), sources, secure_diags, {});
    REQUIRE(secure);
    CHECK(secure->code == "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
    CHECK(secure->vars_size == 540672);
    CHECK(secure->requires_smm);

    Diagnostics plain_diags;
    auto plain = select(vm(FirmwareType::Ovmf, false, Chipset::Q35, ""), sources, plain_diags, {});
    REQUIRE(plain);
    CHECK(plain->code == "/usr/share/OVMF/OVMF_CODE_4M.fd");
    CHECK(plain->vars_size == 540672);
    CHECK_FALSE(plain->requires_smm);
}
