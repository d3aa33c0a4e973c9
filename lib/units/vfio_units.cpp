#include "units/vfio_units.hpp"

#include "units/unit_names.hpp"

namespace ezkvm::units {

std::string vfio_unit_name(const std::string& address)
{
    // A validated address ("0000:03:00.0") escapes to itself; the escaping keeps
    // the name a valid instance whatever reaches it.
    return "ezkvm-vfio@" + escape_path("/" + address) + ".service";
}

void add_vfio_dependencies(UnitFile& unit, const std::vector<std::string>& addresses)
{
    for (const auto& address : addresses) {
        const std::string name = vfio_unit_name(address);
        unit.add("Unit", "Requires", escape_value(name));
        unit.add("Unit", "After", escape_value(name));
    }
}

}  // namespace ezkvm::units
