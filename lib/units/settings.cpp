#include "units/settings.hpp"

#include <pwd.h>
#include <unistd.h>

#include "ezkvm_config.h"
#include "units_config.h"
#include "units/identity.hpp"

namespace ezkvm::units {

UnitSettings installed_settings(Scope scope)
{
    UnitSettings settings;
    settings.scope = scope;
    settings.unit_dir = scope == Scope::System ? EZKVM_SYSTEM_UNIT_DIR : EZKVM_USER_UNIT_DIR;
    settings.helper_binary = std::string(EZKVM_LIBEXECDIR) + "/ezkvm-helper";
    return settings;
}

std::string qemu_user_name(const std::string& vm, const std::string& general_user, Scope scope)
{
    if (scope == Scope::User) {
        const passwd* me = ::getpwuid(::geteuid());
        return me ? me->pw_name : std::to_string(::geteuid());
    }
    return vm_identity(vm, general_user).user;
}

}  // namespace ezkvm::units
