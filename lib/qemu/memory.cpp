#include <string>

#include "qemu/sections.hpp"

namespace ezkvm::qemu {

void add_memory(PlanContext& ctx)
{
    ctx.args.add("-m", std::to_string(ctx.spec.system.memory.mib));
    if (ctx.spec.system.rtc == config::Rtc::LocalTime)
        ctx.args.add("-rtc", Opts().set("base", "localtime").set("driftfix", "slew"));
    else
        ctx.args.add("-rtc", Opts().set("base", "utc"));
}

}  // namespace ezkvm::qemu
