#include "planner/planner.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "base/host_path.hpp"
#include "config/key_position.hpp"
#include "config/passthrough.hpp"
#include "firmware/firmware.hpp"
#include "planner/accel_choice.hpp"

namespace ezkvm::planner {
namespace {

Pos bios_pos(const config::LoadedVm& vm)
{
    if (const auto* system = vm.merged.find("system"))
        if (const auto* bios = system->node().find("bios"))
            return bios->node().pos;
    return vm.merged.pos;
}

bool gl_without_render_node(const config::VmSpec& spec)
{
    const bool gl = (spec.spice.enabled && spec.spice.gl) || spec.gpu.gl || spec.display.gl;
    return gl && spec.spice.render_node.empty();
}

// A static node (kmod's modules.devname): present from early boot, before the module
// loads, so the generator sees it too. A system VM's user gets it by ACL at start; a
// user VM's qemu opens it as the user, who needs the node's own permission.
bool host_has_vhost_net(const config::Environment& env)
{
    const std::string node = env.real("/dev/vhost-net");
    struct stat st;
    return ::stat(node.c_str(), &st) == 0 && S_ISCHR(st.st_mode) &&
           (env.scope == Scope::System || ::access(node.c_str(), R_OK | W_OK) == 0);
}

}  // namespace

std::vector<std::string> block_devices(const config::VmSpec& spec)
{
    std::vector<std::string> devices;
    auto add = [&devices](const std::string& path) {
        if (path.empty() || !is_device_path(path))
            return;
        const std::string normal = normalize_path(path);
        if (std::find(devices.begin(), devices.end(), normal) == devices.end())
            devices.push_back(normal);
    };
    for (const auto& group : spec.storage)
        for (const auto& drive : group.drives)
            add(drive.file);
    add(spec.system.bios.file);
    if (spec.system.tpm.type == config::TpmType::Swtpm)
        add(spec.system.tpm.disk);
    return devices;
}

std::optional<config::DriveFormat> probe_image_format(const std::string& real_path)
{
    std::ifstream in(real_path, std::ios::binary);
    if (!in)
        return std::nullopt;
    char head[64] = {};
    in.read(head, sizeof head);
    const auto got = static_cast<size_t>(in.gcount());
    auto starts = [&](const char* magic) {
        const size_t n = std::strlen(magic);
        return got >= n && std::memcmp(head, magic, n) == 0;
    };
    if (starts("QFI\xfb"))
        return config::DriveFormat::Qcow2;
    if (starts("KDMV"))
        return config::DriveFormat::Vmdk;
    if (starts("<<< Oracle VM VirtualBox Disk Image >>>"))
        return config::DriveFormat::Vdi;
    if (starts("vhdxfile"))
        return config::DriveFormat::Vhdx;
    return config::DriveFormat::Raw;
}

std::optional<Plan> plan_vm(const config::LoadedVm& vm, const config::Environment& env,
                                  const PlanOptions& options, Diagnostics& diags)
{
    qemu::CommandInput input;
    input.spec = &vm.spec;
    input.console_logfile = options.console_log == ConsoleLog::File;
    input.scope = env.scope;
    input.paths = vm_paths(vm.name, env.scope);
    const auto sources = env.scope == Scope::User ? firmware::user_sources(env.root, xdg_config_home())
                                                  : firmware::system_sources(env.root);
    Diagnostics firmware_diags;
    input.firmware = firmware::select(vm.spec, sources, firmware_diags, bios_pos(vm));
    for (auto d : firmware_diags.items()) {
        if (options.firmware == HostProblems::Warnings)
            d.severity = Severity::Warning;
        diags.add(std::move(d));
    }
    if (firmware_diags.has_errors())
        return std::nullopt;
    const size_t errors_before = diags.error_count();
    input.accel = choose_accel(vm, env, options.host, options.accel, diags);
    if (options.qemu_user)
        check_kvm_access(vm, env, input.accel, *options.qemu_user, options.accel, diags);
    input.host_fingerprint = hostcaps::fingerprint(options.host);
    input.vhost_net = host_has_vhost_net(env);
    input.probe_format = [&env](const std::string& path) { return probe_image_format(env.real(path)); };
    // The plan knows keys, not where the merged file has them: place its messages.
    Diagnostics plan_diags;
    auto command = qemu::build_command(input, plan_diags);
    for (auto d : plan_diags.items()) {
        if (!d.pos.file)
            d.pos = config::position_of(vm.merged, d.path);
        diags.add(std::move(d));
    }
    if (diags.error_count() > errors_before)
        return std::nullopt;
    return Plan{std::move(command),
                input.paths,
                config::passthrough_addresses(vm.spec),
                block_devices(vm.spec),
                vm.spec.system.tpm.type == config::TpmType::Swtpm,
                gl_without_render_node(vm.spec)};
}

}  // namespace ezkvm::planner
