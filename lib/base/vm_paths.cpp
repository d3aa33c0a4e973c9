#include "base/vm_paths.hpp"

#include <cstdlib>
#include <unistd.h>

namespace ezkvm {
namespace {

std::string env_or(const char* name, const std::string& fallback)
{
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

std::string home() { return env_or("HOME", "/root"); }

}  // namespace

VmPaths vm_paths(const std::string& name, Scope scope)
{
    const std::string unit = "ezkvm@" + name + ".service";
    std::string runtime_base, state_base, credentials_base;
    if (scope == Scope::System) {
        runtime_base = "/run/ezkvm";
        state_base = "/var/lib/ezkvm";
        credentials_base = "/run/credentials";
    } else {
        const std::string xdg_runtime = env_or("XDG_RUNTIME_DIR", "/run/user/" + std::to_string(getuid()));
        runtime_base = xdg_runtime + "/ezkvm";
        state_base = env_or("XDG_STATE_HOME", home() + "/.local/state") + "/ezkvm";
        credentials_base = xdg_runtime + "/credentials";
    }
    runtime_base = env_or("EZKVM_RUNTIME_DIR", runtime_base);
    state_base = env_or("EZKVM_STATE_DIR", state_base);
    return VmPaths{runtime_base + "/" + name, state_base + "/" + name, credentials_base + "/" + unit};
}

std::string xdg_config_home()
{
    return env_or("XDG_CONFIG_HOME", home() + "/.config");
}

std::string cache_dir(Scope scope)
{
    const std::string base = scope == Scope::System ? "/var/cache" : env_or("XDG_CACHE_HOME", home() + "/.cache");
    return env_or("EZKVM_CACHE_DIR", base + "/ezkvm");
}

}  // namespace ezkvm
