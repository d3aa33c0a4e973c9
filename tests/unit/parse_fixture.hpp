#pragma once
// Shared by the test_parse_*.cpp files: YAML text -> VmSpec and the diagnostics.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "config/load.hpp"
#include "config/parse.hpp"
#include "config/resolve.hpp"
#include "base/suggest.hpp"

namespace parse_test {

struct Parsed {
    ezkvm::config::VmSpec spec;
    std::vector<std::string> diags;  // Diagnostic::str() of each, in order
};

inline Parsed parse(std::string_view yaml, const std::string& vm_name = "vm")
{
    ezkvm::Diagnostics diags;
    auto root = ezkvm::config::load_yaml(yaml, "vm.yaml", diags);
    REQUIRE(root);
    Parsed p;
    p.spec = ezkvm::config::parse_spec(*root, vm_name, diags);
    for (const auto& d : diags.items())
        p.diags.push_back(d.str());
    return p;
}

// A file that must parse without any error or warning.
inline ezkvm::config::VmSpec parse_ok(std::string_view yaml)
{
    Parsed p = parse(yaml);
    INFO(ezkvm::join(p.diags, "\n"));
    REQUIRE(p.diags.empty());
    return p.spec;
}

// The diagnostics of a file that must not parse cleanly.
inline std::vector<std::string> problems(std::string_view yaml)
{
    return parse(yaml).diags;
}

// The single diagnostic of a file.
inline std::string problem(std::string_view yaml)
{
    auto d = problems(yaml);
    INFO(ezkvm::join(d, "\n"));
    REQUIRE(d.size() == 1);
    return d.front();
}

// VM `name` as load_vm() would give it from `dir`/<name>.yaml; the file must parse cleanly.
inline ezkvm::config::LoadedVm loaded_vm(const std::string& name, std::string_view yaml,
                                         const std::string& dir = "/etc/ezkvm")
{
    Parsed parsed = parse(yaml, name);
    INFO(ezkvm::join(parsed.diags, "\n"));
    REQUIRE(parsed.diags.empty());
    ezkvm::config::LoadedVm vm;
    vm.name = name;
    vm.source = dir + "/" + name + ".yaml";
    vm.spec = std::move(parsed.spec);
    return vm;
}

}  // namespace parse_test
