#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "config/resolve.hpp"

using namespace ezkvm;
using namespace ezkvm::config;
namespace fs = std::filesystem;

namespace {

// A throw-away EZKVM_ROOT with /etc/ezkvm and a shipped templates directory.
struct FixtureRoot {
    fs::path dir;
    Environment env;

    FixtureRoot()
    {
        // Unique per fixture: parsed templates are cached by path for the whole process.
        static int counter = 0;
        dir = fs::temp_directory_path() /
              ("ezkvm-resolve-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        fs::create_directories(dir / "etc/ezkvm/templates");
        fs::create_directories(dir / "shipped");
        env.root = dir.string();
        env.scope = Scope::System;
        env.config_dirs = {"/etc/ezkvm"};
        env.template_dirs = {"/etc/ezkvm/templates"};
        env.defaults_files = {"/etc/ezkvm/defaults.yaml"};
        env.shipped_templates = (dir / "shipped").string();
    }
    ~FixtureRoot() { fs::remove_all(dir); }

    void write(const std::string& relative, const std::string& text) const
    {
        std::ofstream(dir / relative) << text;
    }
};

std::string errors_of(const Diagnostics& d)
{
    std::string out;
    for (const auto& item : d.items())
        out += item.str() + "\n";
    return out;
}

}  // namespace

TEST_CASE("template < defaults.yaml < VM file")
{
    FixtureRoot root;
    root.write("shipped/base.yaml", "system:\n  memory: { max: 2G, balloon: no }\n  rtc: localtime\n");
    root.write("etc/ezkvm/defaults.yaml", "system:\n  memory: { max: 3G }\n  rtc: utc\n");
    root.write("etc/ezkvm/vm1.yaml", "general: { template: base }\nsystem:\n  memory: { max: 4G }\n");
    Diagnostics d;
    auto vm = load_vm("vm1", root.env, d);
    REQUIRE(vm);
    INFO(errors_of(d));
    REQUIRE_FALSE(d.has_errors());
    CHECK(vm->spec.system.memory.mib == 4096);
    CHECK_FALSE(vm->spec.system.memory.balloon);          // from the template
    CHECK(vm->spec.system.rtc == Rtc::Utc);               // defaults.yaml over the template
    CHECK(vm->template_file == (root.dir / "shipped/base.yaml").string());
}

TEST_CASE("/etc/ezkvm/templates overrides the shipped template of the same name")
{
    FixtureRoot root;
    root.write("shipped/base.yaml", "system:\n  rtc: localtime\n");
    root.write("etc/ezkvm/templates/base.yaml", "system:\n  hyperv: yes\n");
    root.write("etc/ezkvm/vm1.yaml", "general: { template: base }\n");
    Diagnostics d;
    auto vm = load_vm("vm1", root.env, d);
    REQUIRE(vm);
    REQUIRE_FALSE(d.has_errors());
    CHECK(vm->spec.system.hyperv);
    CHECK(vm->spec.system.rtc == Rtc::Utc);
}

TEST_CASE("templates can build on a template; a cycle is an error")
{
    FixtureRoot root;
    root.write("shipped/windows.yaml", "system:\n  rtc: localtime\n");
    root.write("shipped/windows-gaming.yaml", "general: { template: windows }\nsystem:\n  hyperv: yes\n");
    root.write("etc/ezkvm/vm1.yaml", "general: { template: windows-gaming }\n");
    Diagnostics d;
    auto vm = load_vm("vm1", root.env, d);
    REQUIRE(vm);
    REQUIRE_FALSE(d.has_errors());
    CHECK(vm->spec.system.hyperv);
    CHECK(vm->spec.system.rtc == Rtc::LocalTime);

    root.write("shipped/a.yaml", "general: { template: b }\n");
    root.write("shipped/b.yaml", "general: { template: a }\n");
    root.write("etc/ezkvm/vm2.yaml", "general: { template: a }\n");
    Diagnostics d2;
    load_vm("vm2", root.env, d2);
    CHECK(errors_of(d2).find("template 'a' includes itself (through a -> b)") != std::string::npos);
}

TEST_CASE("an unknown template names the file position and suggests a near name")
{
    FixtureRoot root;
    root.write("shipped/windows-11.yaml", "system:\n  hyperv: yes\n");
    root.write("etc/ezkvm/vm1.yaml", "general:\n  template: windows-12\n");
    Diagnostics d;
    load_vm("vm1", root.env, d);
    const std::string text = errors_of(d);
    CHECK(text.find((root.dir / "etc/ezkvm/vm1.yaml").string() + ":2:13: error: general.template: no template named "
                                                                 "'windows-12'") != std::string::npos);
    CHECK(text.find("did you mean 'windows-11'?") != std::string::npos);
}

TEST_CASE("VMs are found by name in the config directory, with suggestions")
{
    FixtureRoot root;
    root.write("etc/ezkvm/win11.yaml", "");
    root.write("etc/ezkvm/defaults.yaml", "");
    root.write("etc/ezkvm/notes.txt", "");
    const auto files = find_vm_files(root.env);
    REQUIRE(files.size() == 1);
    CHECK(files[0].name == "win11");
    CHECK(files[0].path == "/etc/ezkvm/win11.yaml");
    Diagnostics d;
    CHECK_FALSE(load_vm("win12", root.env, d));
    CHECK(errors_of(d).find("no VM named 'win12'") != std::string::npos);
    CHECK(errors_of(d).find("did you mean 'win11'?") != std::string::npos);
}

TEST_CASE("a file name that is not a valid VM name is rejected")
{
    FixtureRoot root;
    root.write("etc/ezkvm/-bad.yaml", "");
    Diagnostics d;
    CHECK_FALSE(load_vm((root.dir / "etc/ezkvm/-bad.yaml").string(), root.env, d));
    CHECK(errors_of(d).find("'-bad' is not a valid VM name") != std::string::npos);
}

TEST_CASE("a file of the original tool gets the original tool's hardware where it leaves a key out")
{
    FixtureRoot root;
    root.write("etc/ezkvm/desk.yaml", "general: { name: desk }\n"
                                      "system:\n  chipset: { type: \"q35\", version: \"8.1\" }\n"
                                      "  bios: { type: ovmf }\n  cpu: { cores: 4 }\n"
                                      "  tpm: { type: swtpm, version: 2.0 }\n"
                                      "gpu: { type: virtio, gl: yes }\ndisplay: { type: gtk }\n"
                                      "storage:\n  - { type: scsi-hd, file: /dev/vm1/desk-boot }\n");
    Diagnostics d;
    auto vm = load_vm("desk", root.env, d);
    REQUIRE(vm);
    CHECK_FALSE(d.has_errors());
    CHECK(vm->original_format);
    const auto& spec = vm->spec;
    CHECK(spec.system.memory.mib == 16384);
    CHECK(spec.system.cpu.model == "qemu64");
    CHECK(spec.system.cpu.cores == 4);  // the file's own value wins
    CHECK(spec.system.cpu.flags.back() == "enforce");
    CHECK(spec.system.rtc == Rtc::LocalTime);
    CHECK(spec.system.bios.secure_boot);
    CHECK(spec.system.tpm.interface == TpmInterface::Tis);
    CHECK(spec.display.gl);
    CHECK(spec.audio.device == AudioDevice::Hda);
    CHECK(spec.audio.backend == AudioBackend::PipeWire);
    REQUIRE(spec.storage.size() == 1);
    CHECK(spec.storage[0].controller == ControllerModel::Pvscsi);
}

TEST_CASE("the original tool's defaults follow the file: SPICE sound, no secure boot off q35, gl: false kept")
{
    FixtureRoot root;
    root.write("etc/ezkvm/old.yaml", "general: { name: old }\nsystem: { chipset: i440fx }\n"
                                     "spice: { path: /run/old.sock }\ndisplay: { type: gtk, gl: false }\n");
    Diagnostics d;
    auto vm = load_vm("old", root.env, d);
    REQUIRE(vm);
    CHECK_FALSE(d.has_errors());
    CHECK(vm->original_format);
    CHECK_FALSE(vm->spec.system.bios.secure_boot);
    CHECK(vm->spec.audio.backend == AudioBackend::Spice);
    CHECK_FALSE(vm->spec.display.gl);
}

TEST_CASE("a file with a template, or without general.name, is an ezkvm file")
{
    FixtureRoot root;
    root.write("shipped/base.yaml", "");
    root.write("etc/ezkvm/named.yaml", "general: { name: named, template: base }\n");
    root.write("etc/ezkvm/plain.yaml", "system: { cpu: { cores: 2 } }\n");
    for (const char* name : {"named", "plain"}) {
        Diagnostics d;
        auto vm = load_vm(name, root.env, d);
        REQUIRE(vm);
        CHECK_FALSE(vm->original_format);
        CHECK(vm->spec.system.memory.mib == 1024);
    }
    FixtureRoot site;  // defaults.yaml is read once per process and path
    site.write("shipped/base.yaml", "");
    site.write("etc/ezkvm/defaults.yaml", "general: { template: base }\n");
    site.write("etc/ezkvm/sited.yaml", "general: { name: sited }\n");
    Diagnostics d;
    auto vm = load_vm("sited", site.env, d);
    REQUIRE(vm);
    CHECK_FALSE(vm->original_format);  // the site names a template for every file
}
