#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "hostcaps/cache.hpp"
#include "hostcaps/guest_check.hpp"
#include "hostcaps/hyperv.hpp"
#include "hostcaps/probe.hpp"
#include "hostcaps/qemu_messages.hpp"
#include "hostcaps/qemu_run.hpp"

using namespace ezkvm;
using namespace ezkvm::hostcaps;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

// tests/fixtures/qemu/quirky-kvm: acts like a paravirtualized KVM on cloud CI hosts.
std::string quirky_qemu()
{
    fs::path source(__FILE__);
    if (source.is_relative())
        source = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / source;
    return (source.parent_path() / "../fixtures/qemu/quirky-kvm").lexically_normal().string();
}

std::vector<std::string> names(std::initializer_list<const char*> list)
{
    return {list.begin(), list.end()};
}

class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name)
    {
        if (const char* old = std::getenv(name))
            old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv()
    {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("qemu's vCPU refusals are read from what it printed")
{
    SECTION("the IA32_ARCH_CAPABILITIES abort of cloud KVM hosts")
    {
        const auto r = read_vcpu_refusal(
            "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n"
            "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == "
            "cpu->kvm_msr_buf->nmsrs' failed.\n");
        CHECK(r.arch_capabilities);
        CHECK(r.refused_hyperv.empty());
        CHECK(r.message == "error: failed to set MSR 0x10a to 0x69");
    }
    SECTION("Hyper-V MSRs, VP_INDEX and unsupported enlightenments")
    {
        CHECK(read_vcpu_refusal("qemu-system-x86_64: error: failed to set MSR 0x40000081 to 0x1\n").refused_hyperv ==
              names({"hv_synic"}));
        CHECK(read_vcpu_refusal("qemu-system-x86_64: error: failed to set MSR 0x40000021 to 0x0\n").refused_hyperv ==
              names({"hv_time"}));
        CHECK(read_vcpu_refusal("qemu-system-x86_64: kernel doesn't allow setting HyperV VP_INDEX\n").refused_hyperv ==
              names({"hv_vpindex"}));
        CHECK(read_vcpu_refusal("qemu-system-x86_64: Hyper-V direct mode synthetic timers (hv-stimer-direct) is not "
                                "supported by kernel\n")
                  .refused_hyperv == names({"hv_stimer_direct"}));
    }
    SECTION("features an enforced CPU model lacks")
    {
        const auto r = read_vcpu_refusal(
            "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni [bit 0]\n"
            "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.sse4.1 [bit 19]\n"
            "qemu-system-x86_64: Host doesn't support requested features\n");
        CHECK(r.missing_features == names({"pni", "sse4.1"}));
        CHECK(r.message == "Host doesn't support requested features");
    }
    SECTION("anything else is not understood")
    {
        const auto r = read_vcpu_refusal("qemu-system-x86_64: Could not access KVM kernel module: Permission denied\n");
        CHECK_FALSE(r.understood());
        CHECK(r.message == "Could not access KVM kernel module: Permission denied");
    }
}

TEST_CASE("a refused enlightenment takes those that need it along")
{
    CHECK(with_dependents({"hv_vpindex"}) ==
          names({"hv_vpindex", "hv_synic", "hv_stimer", "hv_tlbflush", "hv_ipi", "hv_stimer_direct"}));
    CHECK(with_dependents({"hv_time"}) == names({"hv_stimer", "hv_time", "hv_stimer_direct"}));
    CHECK(with_dependents({}).empty());
    CHECK(enlightenment_of_msr(0x40000073) == "hv_vapic");
    CHECK_FALSE(enlightenment_of_msr(0x10a));
}

TEST_CASE("capabilities survive their JSON, and their fingerprint follows what plans read")
{
    Capabilities caps;
    caps.qemu_version = "7.2.22";
    caps.machines = {"pc-q35-7.2", "q35"};
    caps.cpu_models = {{"qemu64", {"pni"}, {}}};
    caps.kvm.status = KvmStatus::NoGuest;
    caps.kvm.problem = "the guest check stopped in real mode";
    caps.kvm.features_off = {"arch-capabilities"};
    caps.kvm.refused_hyperv = {"hv_vpindex"};
    const auto back = from_json(to_json(caps));
    REQUIRE(back);
    CHECK(back->kvm.status == KvmStatus::NoGuest);
    CHECK(back->cpu_models.at(0).unavailable_kvm == names({"pni"}));
    CHECK(fingerprint(&*back) == fingerprint(&caps));
    caps.kvm.status = KvmStatus::Runs;
    CHECK(fingerprint(&*back) != fingerprint(&caps));
    CHECK(fingerprint(nullptr) == "none");
    CHECK_FALSE(from_json("{\"qemu_version\": 1}"));
    CHECK_FALSE(from_json("not json"));
}

TEST_CASE("the guest check image reaches long mode and exits qemu (under TCG, on any host)")
{
    const auto image = guest_check_image();
    REQUIRE(image);
    std::vector<std::string> argv{qemu_binary, "-accel", "tcg", "-nodefaults", "-display", "none"};
    for (const auto& o : guest_check_options(image.get()))
        argv.push_back(o);
    const auto run = run_qemu({argv, {}, {image.get()}, std::chrono::seconds(30), {}});
    REQUIRE(run);
    REQUIRE(run->status);
    CHECK(run->status->code == guest_check_passed);
    CHECK(run->out == "RPL");
    CHECK(guest_check_stage(run->out) == "in long mode");
}

TEST_CASE("the probe works around a quirky KVM and tells when it runs no guest")
{
    ProbeOptions options;
    options.qemu_binary = quirky_qemu();
    SECTION("a KVM that runs the guest once arch-capabilities is off")
    {
        ScopedEnv guest("EZKVM_FAKE_GUEST", "runs");
        const auto check = check_guest(options);
        CHECK(check.status == KvmStatus::Runs);
        CHECK(check.features_off == names({"arch-capabilities"}));
    }
    SECTION("a KVM that stops the guest in real mode")
    {
        ScopedEnv guest("EZKVM_FAKE_GUEST", "hang");
        const auto check = check_guest(options);
        CHECK(check.status == KvmStatus::NoGuest);
        CHECK(check.features_off == names({"arch-capabilities"}));
        CHECK_THAT(check.problem, Contains("stopped in real mode"));
    }
    SECTION("the Hyper-V enlightenments it refuses, one after the other, with their dependents")
    {
        CHECK(refused_hyperv(options) ==
              names({"hv_vapic", "hv_vpindex", "hv_synic", "hv_stimer", "hv_tlbflush", "hv_ipi", "hv_stimer_direct"}));
    }
}

TEST_CASE("the probe asks the installed qemu, and the cache keeps the answer until something changes")
{
    const fs::path dir = fs::temp_directory_path() / ("ezkvm-hostcaps-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    ScopedEnv cache_dir("EZKVM_CACHE_DIR", dir.string());
    ::unsetenv("EZKVM_HOST_CAPABILITIES");
    const auto first = current(Scope::User);
    REQUIRE(first.caps);
    CHECK(first.source == "probe");
    CHECK(first.caps->has_machine("q35"));
    CHECK(first.caps->has_machine("pc"));
    CHECK(first.caps->cpu_model("qemu64"));
    CHECK_FALSE(first.caps->qemu_version.empty());
    struct stat st;
    const bool kvm_device = ::stat("/dev/kvm", &st) == 0;
    CHECK((first.caps->kvm.status == KvmStatus::Absent) == !kvm_device);

    const auto second = current(Scope::User);
    CHECK(second.source == "cache " + cache_file(Scope::User));
    CHECK(fingerprint(second.caps ? &*second.caps : nullptr) == fingerprint(&*first.caps));
    CHECK(cached_for_boot(Scope::User).source == second.source);

    SECTION("a cache file others could have written is not trusted")
    {
        fs::permissions(cache_file(Scope::User), fs::perms::group_write, fs::perm_options::add);
        CHECK(cached_for_boot(Scope::User).caps == std::nullopt);
        CHECK(current(Scope::User).source == "probe");
    }
    SECTION("a recorded answer replaces the probe")
    {
        ScopedEnv recorded("EZKVM_HOST_CAPABILITIES", "none");
        CHECK_FALSE(current(Scope::User).caps);
        CHECK_FALSE(cached_for_boot(Scope::User).caps);
    }
    fs::remove_all(dir);
}
