#include "units/settings.hpp"

#include "ezkvm_config.h"
#include "units/units_config.h"

namespace ezkvm::units {

UnitSettings installed_settings(Scope scope)
{
    UnitSettings settings;
    settings.scope = scope;
    settings.unit_dir = scope == Scope::System ? EZKVM_SYSTEM_UNIT_DIR : EZKVM_USER_UNIT_DIR;
    settings.helper_binary = std::string(EZKVM_LIBEXECDIR) + "/ezkvm-helper";
    return settings;
}

}  // namespace ezkvm::units
