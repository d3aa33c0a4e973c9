#pragma once
// Human-written quantities: sizes ("4G", "512M", "540672") and durations ("90s", "2min").
#include <cstdint>
#include <optional>
#include <string_view>

namespace ezkvm {

// A size with an optional binary suffix K/M/G/T (KiB, MiB, ..., also "KiB",
// "MB" style); a bare number is in `bare_unit` bytes. nullopt: not a size or overflow.
std::optional<uint64_t> parse_size(std::string_view text, uint64_t bare_unit);

// Seconds, from a bare number or a number with s/sec/m/min/h.
std::optional<uint64_t> parse_duration(std::string_view text);

// Unsigned decimal number (no sign, no suffix).
std::optional<uint64_t> parse_uint(std::string_view text);

}  // namespace ezkvm
