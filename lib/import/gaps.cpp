#include "import/gaps.hpp"

#include <fmt/format.h>

namespace ezkvm::import {

const std::vector<GapInfo>& gaps()
{
    static const std::vector<GapInfo> table = {
        {Gap::NicQueues, "nic-queues", "virtio-net multiqueue is left out (one queue pair)", "no: ezkvm adds the "
                                                                                             "NICs"},
        {Gap::VhostNet, "vhost-net", "vhost=on (in-kernel virtio-net) is left out; qemu moves the packets",
         "no: ezkvm adds the netdevs"},
        {Gap::VlanTag, "vlan-tag", "the VLAN tag is left out: the NIC joins the bridge untagged",
         "no: a host-side setting (the tap's bridge VLAN)"},
        {Gap::Firewall, "firewall", "Proxmox's firewall bridge is left out", "no: host-side"},
        {Gap::NicRate, "nic-rate", "the bandwidth limit is left out", "no: host-side (tc on the tap)"},
        {Gap::NicMtu, "nic-mtu", "the MTU (host_mtu) is left out", "no: ezkvm adds the NICs"},
        {Gap::NicLinkDown, "nic-link-down", "the NIC starts with its link up", "no: ezkvm adds the NICs"},
        {Gap::AioMode, "aio", "the aio mode stays qemu's default (threads)", "no: ezkvm adds the drives"},
        {Gap::IoThread, "iothread", "the disk gets no I/O thread of its own", "no: ezkvm adds the controllers"},
        {Gap::DiskThrottle, "disk-throttle", "the I/O limits (mbps, iops) are left out", "no: ezkvm adds the drives"},
        {Gap::ScsiAddress, "scsi-address",
         "ezkvm numbers SCSI disks by target (scsi-id 0, 1, ...; LUN 0), where Proxmox numbers them",
         "no: ezkvm adds the disks"},
        {Gap::DiskPosition, "disk-position", "ezkvm fills the drive positions of a bus in order, without gaps, "
                                             "so the drive sits at another position than under Proxmox",
         "no: ezkvm adds the drives"},
        {Gap::BalloonTarget, "balloon-target", "automatic ballooning down to this minimum is left out",
         "no: done by Proxmox's daemon"},
        {Gap::PitPolicy, "pit-policy", "kvm-pit.lost_tick_policy=discard is left out",
         "equivalent and safe: -global kvm-pit.lost_tick_policy=discard"},
        {Gap::RtcDriftfix, "rtc-driftfix", "ezkvm sets the RTC's driftfix=slew exactly when the clock is localtime", "no: ezkvm writes -rtc"},
        {Gap::PowerStates, "power-states", "S3/S4 stay enabled (Proxmox disables them)",
         "equivalent and safe on q35: -global ICH9-LPC.disable_s3=1 -global ICH9-LPC.disable_s4=1"},
        {Gap::PciLayout, "pci-layout",
         "ezkvm places devices on PCI slots of its own, not on Proxmox's fixed addresses and bridges: a guest "
         "that tracks devices by slot (Windows) finds them anew",
         "no"},
        {Gap::PciOnQ35, "pci-on-q35", "ezkvm puts passed-through devices on q35 behind PCIe root ports (as "
                                      "pcie=1 would); pcie=0 placed it on a conventional PCI bridge",
         "no"},
        {Gap::Rombar, "rombar", "the device's option ROM stays visible (rombar=0 is left out)", "no: ezkvm adds "
                                                                                                "the device"},
        {Gap::UsbUhci, "usb-uhci", "Proxmox's UHCI/EHCI controllers are not available: the USB devices move to "
                                   "ezkvm's one controller",
         "no"},
        {Gap::UsbTabletBus, "usb-tablet-bus", "the tablet moves from Proxmox's EHCI/UHCI controller to ezkvm's "
                                              "one USB controller",
         "no"},
        {Gap::Numa, "numa", "the guest gets no NUMA topology (Proxmox gives one node per socket)", "no"},
        {Gap::Hugepages, "hugepages", "guest memory is not backed by huge pages", "no"},
        {Gap::CpuHotplug, "cpu-hotplug", "all vCPUs are online from the start (no hot-pluggable ones)", "no"},
        {Gap::SmbiosFields, "smbios-fields", "SMBIOS type 1 fields other than the UUID are left out",
         "equivalent and safe: -smbios type=1,..."},
        {Gap::VgaMemory, "vga-memory", "the display adapter keeps qemu's default video memory", "no: ezkvm adds "
                                                                                                "the adapter"},
        {Gap::ScsiController, "scsi-controller", "ezkvm has no such SCSI controller: the disks go on an LSI "
                                                 "53C895A, for which the guest may lack a driver",
         "no"},
        {Gap::NicModel, "nic-model", "ezkvm has no such NIC model: the NIC becomes an e1000", "no"},
    };
    return table;
}

const GapInfo& gap_info(Gap gap)
{
    for (const auto& info : gaps())
        if (info.gap == gap)
            return info;
    return gaps().front();
}

void warn_gap(Messages& msgs, int line, Gap gap, const std::string& subject, const std::string& carry)
{
    const auto& info = gap_info(gap);
    std::string text = fmt::format("{}: {}; not expressible in an ezkvm VM file yet [{}]", subject, info.what, info.id);
    if (!carry.empty())
        text += fmt::format(" (to keep it anyway, add to extra_args: {})", carry);
    msgs.warning(line, std::move(text));
}

}  // namespace ezkvm::import
