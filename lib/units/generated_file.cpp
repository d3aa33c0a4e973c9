#include "units/generated_file.hpp"

namespace ezkvm::units {

std::string render_listing(const std::vector<GeneratedFile>& files)
{
    std::string out;
    for (const auto& file : files) {
        if (!out.empty())
            out += '\n';
        if (file.is_symlink()) {
            out += "# " + file.path + " -> " + file.target + "\n";
        } else {
            out += "# " + file.path + "\n" + file.content;
            if (!file.content.empty() && file.content.back() != '\n')
                out += '\n';
        }
    }
    return out;
}

}  // namespace ezkvm::units
