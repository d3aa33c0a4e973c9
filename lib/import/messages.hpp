#pragma once
// What the import says about the Proxmox file: errors stop it, warnings name
// what the VM file cannot express, notes what it leaves out on purpose
// (Proxmox's own management settings). Each names the config line.
#include <string>
#include <vector>

namespace ezkvm::import {

enum class Level { Note, Warning, Error };

struct Message {
    Level level = Level::Warning;
    int line = 0;  // 1-based line of the Proxmox file; 0: the file as a whole
    std::string text;
    std::string file;  // another file than the Proxmox config (storage.cfg); "" for the config

    // "108.conf:12: warning: text"
    std::string str(const std::string& config_file) const;
};

class Messages {
public:
    void error(int line, std::string text) { add(Level::Error, line, std::move(text)); }
    void warning(int line, std::string text) { add(Level::Warning, line, std::move(text)); }
    void note(int line, std::string text) { add(Level::Note, line, std::move(text)); }
    void add(Level level, int line, std::string text) { items_.push_back({level, line, std::move(text), {}}); }
    // Another file's messages (storage.cfg), kept in front of the config's.
    void append_from(const std::string& file, const Messages& other);

    bool has_errors() const;
    size_t count(Level level) const;
    // By line (file-wide ones last), in the order they were added within a line.
    std::vector<Message> sorted() const;

private:
    std::vector<Message> items_;
};

}  // namespace ezkvm::import
