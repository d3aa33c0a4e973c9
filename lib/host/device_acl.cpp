#include "host/device_acl.hpp"

#include <cerrno>
#include <cstring>
#include <sys/acl.h>

#include <fmt/format.h>

namespace ezkvm::host {
namespace {

// Owns an acl_t.
class Acl {
public:
    explicit Acl(acl_t acl) : acl_(acl) {}
    ~Acl()
    {
        if (acl_)
            acl_free(acl_);
    }
    Acl(const Acl&) = delete;
    Acl& operator=(const Acl&) = delete;
    acl_t get() const { return acl_; }
    acl_t* ref() { return &acl_; }
    explicit operator bool() const { return acl_ != nullptr; }

private:
    acl_t acl_;
};

Error failure(const char* what, const std::string& path)
{
    return errno_error(fmt::format("cannot {} the ACL of {}", what, path), errno);
}

// The ACL entry for `uid`, if there is one.
std::optional<acl_entry_t> user_entry(acl_t acl, uid_t uid)
{
    acl_entry_t entry;
    for (int which = ACL_FIRST_ENTRY; acl_get_entry(acl, which, &entry) == 1; which = ACL_NEXT_ENTRY) {
        acl_tag_t tag;
        if (acl_get_tag_type(entry, &tag) != 0 || tag != ACL_USER)
            continue;
        auto* qualifier = static_cast<uid_t*>(acl_get_qualifier(entry));
        const bool match = qualifier && *qualifier == uid;
        acl_free(qualifier);
        if (match)
            return entry;
    }
    return std::nullopt;
}

// After the last named entry is gone the mask means nothing: dropping it
// leaves the minimal ACL the node had before (plain mode bits).
int drop_lonely_mask(acl_t acl)
{
    acl_entry_t entry;
    std::optional<acl_entry_t> mask;
    for (int which = ACL_FIRST_ENTRY; acl_get_entry(acl, which, &entry) == 1; which = ACL_NEXT_ENTRY) {
        acl_tag_t tag;
        if (acl_get_tag_type(entry, &tag) != 0)
            return -1;
        if (tag == ACL_USER || tag == ACL_GROUP)
            return 0;
        if (tag == ACL_MASK)
            mask = entry;
    }
    return mask ? acl_delete_entry(acl, *mask) : 0;
}

}  // namespace

Result<void> grant_user_rw(const std::string& path, uid_t uid)
{
    Acl acl(acl_get_file(path.c_str(), ACL_TYPE_ACCESS));
    if (!acl)
        return failure("read", path);
    acl_entry_t entry;
    if (auto existing = user_entry(acl.get(), uid))
        entry = *existing;
    else if (acl_create_entry(acl.ref(), &entry) != 0 || acl_set_tag_type(entry, ACL_USER) != 0 ||
             acl_set_qualifier(entry, &uid) != 0)
        return failure("extend", path);
    acl_permset_t permset;
    if (acl_get_permset(entry, &permset) != 0 || acl_clear_perms(permset) != 0 ||
        acl_add_perm(permset, ACL_READ) != 0 || acl_add_perm(permset, ACL_WRITE) != 0 ||
        acl_calc_mask(acl.ref()) != 0)
        return failure("extend", path);
    if (acl_set_file(path.c_str(), ACL_TYPE_ACCESS, acl.get()) != 0)
        return failure("write", path);
    return {};
}

Result<void> revoke_user(const std::string& path, uid_t uid)
{
    Acl acl(acl_get_file(path.c_str(), ACL_TYPE_ACCESS));
    if (!acl)
        return errno == ENOENT ? Result<void>() : failure("read", path);
    const auto entry = user_entry(acl.get(), uid);
    if (!entry)
        return {};
    if (acl_delete_entry(acl.get(), *entry) != 0 || acl_calc_mask(acl.ref()) != 0 || drop_lonely_mask(acl.get()) != 0)
        return failure("shrink", path);
    if (acl_set_file(path.c_str(), ACL_TYPE_ACCESS, acl.get()) != 0)
        return errno == ENOENT ? Result<void>() : failure("write", path);
    return {};
}

bool has_user_entry(const std::string& path, uid_t uid)
{
    Acl acl(acl_get_file(path.c_str(), ACL_TYPE_ACCESS));
    return acl && user_entry(acl.get(), uid).has_value();
}

}  // namespace ezkvm::host
