#pragma once
// A VM for runtime::prepare() in a scratch directory: SeaBIOS (no vars store)
// and, until a test adds more, nothing to prepare but its directories. Shared
// by test_runtime_prepare.cpp and test_runtime_devices.cpp.
#include <vector>

#include "runtime/prepare.hpp"
#include "test_runtime_support.hpp"

namespace ezkvm::test {

struct PrepareFixture {
    TempDir dir;
    config::VmSpec spec;
    runtime::PrepareInput input;

    PrepareFixture()
    {
        spec.system.bios.type = config::FirmwareType::Seabios;
        input.spec = &spec;
        input.paths = VmPaths{dir / "run/vm", dir / "state/vm", dir / "creds"};
    }

    std::vector<runtime::Created> run(Diagnostics& diags) { return runtime::prepare(input, diags); }

    // prepare() with no problem at all; what it created.
    std::vector<runtime::Created> run_ok()
    {
        Diagnostics diags;
        auto created = run(diags);
        INFO((diags.empty() ? "" : diags.items().front().str()));
        REQUIRE(diags.empty());
        return created;
    }
};

}  // namespace ezkvm::test
