#include "config/environment.hpp"

#include <cstdlib>

#include "ezkvm_config.h"

namespace ezkvm::config {
namespace {

std::string env(const char* name)
{
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

}  // namespace

Environment Environment::from_process(Scope scope)
{
    Environment e;
    e.root = env("EZKVM_ROOT");
    while (!e.root.empty() && e.root.back() == '/')
        e.root.pop_back();
    e.scope = scope;
    const std::string sysconf = std::string(EZKVM_SYSCONFDIR) + "/ezkvm";
    if (scope == Scope::User) {
        const std::string user_dir = xdg_config_home() + "/ezkvm";
        e.config_dirs = {user_dir};
        e.template_dirs = {user_dir + "/templates", sysconf + "/templates"};
        e.defaults_files = {sysconf + "/defaults.yaml", user_dir + "/defaults.yaml"};
    } else {
        e.config_dirs = {sysconf};
        e.template_dirs = {sysconf + "/templates"};
        e.defaults_files = {sysconf + "/defaults.yaml"};
    }
    e.shipped_templates = env("EZKVM_TEMPLATES_DIR");
    if (e.shipped_templates.empty())
        e.shipped_templates = e.real(std::string(EZKVM_DATADIR) + "/templates");
    return e;
}

}  // namespace ezkvm::config
