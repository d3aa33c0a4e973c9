#include "hostcaps/guest_check.hpp"

#include <fcntl.h>
#include <sys/mman.h>

#include <fmt/format.h>

namespace ezkvm::hostcaps {
namespace {

constexpr size_t image_size = 64 * 1024;

bool write_all(int fd, const unsigned char* data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

Fd guest_check_image()
{
    Fd fd(::memfd_create("ezkvm-guest-check", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd || ::ftruncate(fd.get(), image_size - guest_check_code_size) != 0 ||
        ::lseek(fd.get(), 0, SEEK_END) < 0 || !write_all(fd.get(), guest_check_code, guest_check_code_size))
        return {};
    ::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    return fd;
}

std::vector<std::string> guest_check_options(int image_fd)
{
    return {"-machine", "pc",
            "-m", "16",
            "-bios", fmt::format("/proc/self/fd/{}", image_fd),
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-chardev", "stdio,id=progress",
            "-device", "isa-debugcon,iobase=0x402,chardev=progress"};
}

std::string guest_check_stage(const std::string& debugcon_output)
{
    if (debugcon_output.find('L') != std::string::npos)
        return "in long mode";
    if (debugcon_output.find('P') != std::string::npos)
        return "in protected mode, on its way to long mode";
    if (debugcon_output.find('R') != std::string::npos)
        return "in real mode, on its way to protected mode";
    return "before running its first instruction";
}

}  // namespace ezkvm::hostcaps
