#pragma once
// One QEMU firmware descriptor (docs/interop/firmware.json), reduced to the
// fields ezkvm chooses by.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace ezkvm::firmware {

struct DescriptorFile {
    std::string filename;  // absolute host path
    std::string format = "raw";
};

struct Target {
    std::string architecture;           // "x86_64"
    std::vector<std::string> machines;  // fnmatch globs: "pc-q35-*"
};

struct Descriptor {
    std::vector<std::string> interface_types;  // "uefi", "bios", ...
    std::string device;                        // "flash", "memory", "kernel"
    std::string mode = "split";                // flash only: "split", "combined", "stateless"
    DescriptorFile executable;                 // flash: executable; memory: filename
    std::optional<DescriptorFile> nvram_template;
    std::vector<Target> targets;
    std::vector<std::string> features;

    bool has_interface(std::string_view type) const;
    bool has_feature(std::string_view feature) const;
};

// Parses a descriptor's JSON text. An error says what is wrong
// ("mapping.executable.filename: expected a string").
Result<Descriptor> parse_descriptor(std::string_view text);

}  // namespace ezkvm::firmware
