#include "units/settings.hpp"

#include "units/units_config.h"

namespace ezkvm::units {

UnitSettings installed_settings(Scope scope)
{
    UnitSettings settings;
    settings.scope = scope;
    settings.unit_dir = scope == Scope::System ? EZKVM_SYSTEM_UNIT_DIR : EZKVM_USER_UNIT_DIR;
    return settings;
}

}  // namespace ezkvm::units
