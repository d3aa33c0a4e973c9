#include "config/original_format.hpp"

#include <string>
#include <string_view>

#include "config/load.hpp"

namespace ezkvm::config {
namespace {

const Node* find(const Node& root, std::string_view path)
{
    const Node* node = &root;
    while (!path.empty()) {
        const size_t dot = path.find('.');
        const Entry* e = node->is_map() ? node->find(path.substr(0, dot)) : nullptr;
        if (!e)
            return nullptr;
        node = &e->node();
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    }
    return node;
}

// The scalar at `path`, or at `path`.type for the shorthand `chipset: q35` and
// the long form `chipset: { type: q35 }` alike; `fallback` when absent.
std::string type_at(const Node& root, std::string_view path, const std::string& fallback)
{
    const Node* node = find(root, path);
    if (node && node->is_map())
        node = find(*node, "type");
    return node && node->is_scalar() ? node->scalar : fallback;
}

}  // namespace

bool is_original_format(const Node& own, const Node& site)
{
    return !find(own, "general.template") && !find(site, "general.template") && find(own, "general.name");
}

Node original_defaults(const Node& file)
{
    const bool q35 = type_at(file, "system.chipset", "q35") == "q35";
    const bool ovmf = type_at(file, "system.bios", "ovmf") == "ovmf";
    const std::string display = type_at(file, "display", "none");
    const bool spice = find(file, "spice") || display == "remote-viewer" || display == "spice" ||
                       display == "looking_glass";
    // The original's OVMF was the Secure Boot build, which needs SMM: q35 only.
    const char* bios = q35 && ovmf ? "  bios: { secure_boot: yes }\n" : "";
    // Intel HDA was always there, playing through SPICE when given, else PipeWire for gtk.
    const char* backend = spice ? "spice" : display == "gtk" ? "pipewire" : "none";
    std::string text = std::string("system:\n") +
                       "  memory: { max: 16384 }\n"
                       "  cpu: { model: qemu64, flags: \"+aes,+pni,+popcnt,+sse4.1,+sse4.2,+ssse3,enforce\", cores: 8 }\n"
                       "  rtc: localtime\n"
                       "  tpm: { interface: tis }\n" +
                       bios + "devices: { scsi_controller: pvscsi }\n" + "audio: { device: hda, backend: " + backend +
                       " }\n";
    if (display == "gtk")
        text += "display: { gl: yes }\n";
    if (display == "looking_glass")
        text += "input: { virtio_mouse: yes, virtio_keyboard: yes }\n";
    Diagnostics ignored;  // the text above is ezkvm's own
    auto tree = load_yaml(text, original_defaults_name, ignored);
    return tree ? std::move(*tree) : Node{};
}

}  // namespace ezkvm::config
