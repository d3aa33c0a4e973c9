#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/private_dir.hpp"
#include "base/safe_open.hpp"
#include "test_runtime_support.hpp"

using namespace ezkvm;

TEST_CASE("root's walk refuses a symlink anywhere in the path", "[base][safe_open]")
{
    test::TempDir tmp;
    std::filesystem::create_directories(tmp / "real/sub");
    std::filesystem::create_directory_symlink(tmp / "real", tmp / "link");
    // A directory others may write: whoever made the link there, root does not trust it.
    ::chmod(tmp.path().c_str(), 01777);

    CHECK(open_directory(tmp / "real/sub", Links::Refuse));
    CHECK(open_directory(tmp / "link/sub", Links::Follow));
    const auto refused = open_directory(tmp / "link/sub", Links::Refuse);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("symbolic link") != std::string::npos);
    CHECK_FALSE(open_directory(tmp / "real/../real", Links::Refuse));
    CHECK_FALSE(make_directories(tmp / "link/new", Links::Refuse));
    CHECK_FALSE(std::filesystem::exists(tmp / "real/new"));
    CHECK(make_directories(tmp / "real/a/b", Links::Refuse));
    CHECK(std::filesystem::is_directory(tmp / "real/a/b"));
}

TEST_CASE("root's walk follows a link only root could have made", "[.][root][base][safe_open]")
{
    test::TempDir tmp;  // root's, mode 0700
    std::filesystem::create_directories(tmp / "private/vm/sub");
    std::filesystem::create_directories(tmp / "lib");
    // As systemd links a dynamic user's state directory: relative, root's, in root's directory.
    std::filesystem::create_directory_symlink("../private/vm", tmp / "lib/vm");
    const auto followed = open_directory(tmp / "lib/vm/sub", Links::Refuse);
    REQUIRE(followed);
    struct stat via_link, real;
    REQUIRE(::fstat(followed->get(), &via_link) == 0);
    REQUIRE(::stat((tmp / "private/vm/sub").c_str(), &real) == 0);
    CHECK(via_link.st_ino == real.st_ino);
    CHECK(make_directories(tmp / "lib/vm/new", Links::Refuse));
    CHECK(std::filesystem::is_directory(tmp / "private/vm/new"));

    // The same link made by another user, or in a directory another user may write: refused.
    REQUIRE(::lchown((tmp / "lib/vm").c_str(), 65534, 65534) == 0);
    CHECK_FALSE(open_directory(tmp / "lib/vm/sub", Links::Refuse));
    REQUIRE(::lchown((tmp / "lib/vm").c_str(), 0, 0) == 0);
    ::chmod((tmp / "lib").c_str(), 0777);
    CHECK_FALSE(open_directory(tmp / "lib/vm/sub", Links::Refuse));
    ::chmod((tmp / "lib").c_str(), 0755);
    // A chain of links that never ends is refused, not followed forever.
    std::filesystem::create_directory_symlink("loop", tmp / "lib/loop");
    CHECK_FALSE(open_directory(tmp / "lib/loop/x", Links::Refuse));
}

TEST_CASE("a new file gets its name only when complete, and never replaces one", "[base][safe_open]")
{
    test::TempDir tmp;
    auto dir = open_directory(tmp.path(), Links::Refuse);
    REQUIRE(dir);
    auto file = create_new_file(*dir, "disk.img", 0600);
    REQUIRE(file);
    REQUIRE(::write(file->fd.get(), "data", 4) == 4);
    CHECK(std::filesystem::directory_iterator(tmp.path()) == std::filesystem::directory_iterator());
    auto published = publish_file(*dir, *file, "disk.img");
    REQUIRE(published);
    CHECK(*published);
    CHECK(test::read_file(tmp / "disk.img") == "data");

    auto second = create_new_file(*dir, "disk.img", 0600);
    REQUIRE(second);
    REQUIRE(::write(second->fd.get(), "other", 5) == 5);
    auto again = publish_file(*dir, *second, "disk.img");
    REQUIRE(again);
    CHECK_FALSE(*again);
    CHECK(test::read_file(tmp / "disk.img") == "data");
}

TEST_CASE("a private directory is never reached through a symlink", "[base][safe_open]")
{
    test::TempDir tmp;
    std::filesystem::create_directory(tmp / "elsewhere");
    ::chmod((tmp / "elsewhere").c_str(), 0755);
    std::filesystem::create_directory_symlink(tmp / "elsewhere", tmp / "vm");
    Diagnostics diags;
    CHECK_FALSE(private_dir(tmp / "vm", Owner::current(), diags));
    CHECK(diags.has_errors());
    struct stat st;
    REQUIRE(::stat((tmp / "elsewhere").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);

    Diagnostics ok;
    const auto made = private_dir(tmp / "made/vm", Owner::current(), ok);
    REQUIRE(made);
    REQUIRE(::fstat(made->get(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
}
