#include "qemu/drive_format.hpp"

#include <algorithm>
#include <cctype>

namespace ezkvm::qemu {
namespace {

std::optional<config::DriveFormat> by_extension(const std::string& path)
{
    const auto slash = path.rfind('/');
    const auto dot = path.rfind('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
        return std::nullopt;
    std::string ext = path.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == "qcow2" || ext == "qcow")
        return config::DriveFormat::Qcow2;
    if (ext == "vmdk")
        return config::DriveFormat::Vmdk;
    if (ext == "vdi")
        return config::DriveFormat::Vdi;
    if (ext == "vhdx")
        return config::DriveFormat::Vhdx;
    if (ext == "img" || ext == "raw" || ext == "iso")
        return config::DriveFormat::Raw;
    return std::nullopt;
}

}  // namespace

config::DriveFormat drive_format(const config::Drive& drive, bool cdrom, const FormatProbe& probe)
{
    if (drive.format != config::DriveFormat::Auto)
        return drive.format;
    if (auto format = by_extension(drive.file))
        return *format;
    if (drive.file.rfind("/dev/", 0) == 0)
        return config::DriveFormat::Raw;
    if (probe)
        if (auto format = probe(drive.file); format && *format != config::DriveFormat::Auto)
            return *format;
    if (cdrom)
        return config::DriveFormat::Raw;
    return drive.create ? config::DriveFormat::Qcow2 : config::DriveFormat::Raw;
}

std::string_view format_name(config::DriveFormat format)
{
    switch (format) {
    case config::DriveFormat::Qcow2: return "qcow2";
    case config::DriveFormat::Vmdk: return "vmdk";
    case config::DriveFormat::Vdi: return "vdi";
    case config::DriveFormat::Vhdx: return "vhdx";
    case config::DriveFormat::Raw:
    case config::DriveFormat::Auto: break;
    }
    return "raw";
}

}  // namespace ezkvm::qemu
