#pragma once
// Errors and warnings are values: every stage appends Diagnostics to a list
// instead of throwing, so one run reports every problem of a file.
#include <memory>
#include <string>
#include <vector>

namespace ezkvm {

// Where a value came from. `file` is shared by every node of one document.
struct Pos {
    std::shared_ptr<const std::string> file;
    int line = 0;    // 1-based; 0 = unknown
    int column = 0;  // 1-based

    std::string str() const;  // "file:line:col", "file" or "" when unknown
};

enum class Severity { Warning, Error };

struct Diagnostic {
    Severity severity = Severity::Error;
    Pos pos;
    std::string path;     // key path such as "system.memory.max"; may be empty
    std::string message;  // what is wrong and what was expected
    std::string hint;     // "did you mean 'balloon'?"; may be empty

    // "file:1:2: error: system.memory.max: message (hint)"
    std::string str() const;
};

// What depends on the host rather than the file (disks, devices, what the host's
// qemu and KVM can do): errors when a VM is about to start, warnings when a
// file is only checked or units are generated.
enum class HostProblems { Errors, Warnings };

class Diagnostics {
public:
    void error(Pos pos, std::string path, std::string message, std::string hint = {});
    void warning(Pos pos, std::string path, std::string message, std::string hint = {});
    void add(Diagnostic d) { items_.push_back(std::move(d)); }
    void append(const Diagnostics& other);

    bool has_errors() const;
    size_t error_count() const;
    size_t warning_count() const;
    const std::vector<Diagnostic>& items() const { return items_; }
    bool empty() const { return items_.empty(); }

private:
    std::vector<Diagnostic> items_;
};

}  // namespace ezkvm
