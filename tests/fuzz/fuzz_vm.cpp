// The fuzz target: one VM file, as bytes, through everything ezkvm does with
// a VM file before it starts a process: load -> resolve (template, site
// defaults) -> parse -> host checks -> plan -> units, plus the merged YAML of
// `ezkvm show --resolved` and the JSON of `ezkvm show --json`. Errors are
// expected; crashes, hangs (the fuzzer's timeout) and broken invariants of the
// output (text that is not UTF-8, unit lines systemd would drop) are findings.
//
// Built for libFuzzer (fuzz-vm, clang, -Dfuzzing=true; bench/fuzz) and, from a
// normal build, for the replay of tests/fuzz (replay.cpp).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "config/emit.hpp"
#include "config/resolve.hpp"
#include "units/unit_file.hpp"
#include "units/vm_units.hpp"
#include "base/utf8.hpp"
#include "checks/host_check.hpp"
#include "planner/planner.hpp"

using namespace ezkvm;

namespace {

// Where the input is written for load_vm_file: a private directory, once per
// process, on tmpfs (on ext4 every truncating rewrite flushed to the disk).
const std::string& input_path()
{
    static const std::string path = [] {
        const char* tmpdir = std::getenv("TMPDIR");
        const std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmpdir ? tmpdir : "/tmp";
        std::string dir = base + "/ezkvm-fuzz.XXXXXX";
        if (!::mkdtemp(dir.data()))
            std::abort();
        return dir + "/fuzz.yaml";
    }();
    static const bool removed_at_exit = std::atexit([] {
        ::unlink(path.c_str());
        ::rmdir(path.substr(0, path.rfind('/')).c_str());
    }) == 0;
    (void)removed_at_exit;
    return path;
}

// The host the plans are made for: the firmware fixture (EZKVM_ROOT) and the
// shipped templates, unless the environment names others.
const config::Environment& environment()
{
    static const config::Environment env = [] {
        ::setenv("EZKVM_ROOT", EZKVM_SOURCE_DIR "/tests/fixtures/firmware/debian", 0);
        ::setenv("EZKVM_TEMPLATES_DIR", EZKVM_SOURCE_DIR "/etc/templates", 0);
        return config::Environment::from_process(Scope::System);
    }();
    return env;
}

const units::UnitSettings& settings()
{
    static const units::UnitSettings installed = units::installed_settings(Scope::System);
    return installed;
}

constexpr size_t max_input_for_whole_units = 256 * 1024;

void require(bool invariant, const char* what)
{
    if (!invariant) {
        std::fprintf(stderr, "fuzz_vm: broken invariant: %s\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const auto& env = environment();
    {
        std::ofstream out(input_path(), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    Diagnostics diags;
    auto vm = config::load_vm_file(input_path(), "fuzz.yaml", env, diags);
    if (vm && !diags.has_errors()) {
        require(is_utf8(config::to_yaml(vm->merged)), "show --resolved is UTF-8");
        // What the generator does, but with the units checked before its last defence.
        checks::check_host(*vm, env, HostProblems::Warnings, diags);
        const planner::PlanOptions options{.firmware = HostProblems::Warnings, .accel = HostProblems::Warnings};
        if (auto plan = planner::plan_vm(*vm, env, options, diags)) {
            for (const auto& arg : plan->command.argv)
                require(is_utf8(arg), "every qemu argument is UTF-8");
            (void)nlohmann::json(plan->command.argv).dump(2);  // must not throw
            // A file this small cannot make a line of 1 MiB (escaping at most
            // doubles a value): every unit must be whole without the last
            // defence in generate_vm_units.
            const auto files = units::vm_unit_files(*vm, *plan, settings());
            if (size <= max_input_for_whole_units)
                for (const auto& file : files)
                    require(!units::unit_text_problem(file.content), "every unit line is one systemd reads");
        }
    }
    for (const auto& d : diags.items())
        (void)d.str();
    return 0;
}
