#include "cli/print_diagnostics.hpp"

namespace ezkvm::cli {

void print_diagnostics(std::ostream& out, const Diagnostics& diags)
{
    for (const auto& d : diags.items())
        out << d.str() << '\n';
}

}  // namespace ezkvm::cli
