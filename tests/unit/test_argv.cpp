#include <catch2/catch.hpp>

#include "qemu/argv.hpp"

using namespace ezkvm::qemu;

TEST_CASE("commas in values are doubled so they cannot start a new property")
{
    CHECK(escape_option_value("a,b") == "a,,b");
    CHECK(escape_option_value("/vm/disk,format=raw") == "/vm/disk,,format=raw");
    CHECK(Opts("file").set("filename", "/a,b.img").set("size", 10u).on("ro", true).str() ==
          "file,filename=/a,,b.img,size=10,ro=on");
    CHECK(Opts().set("path", "x").raw("+aes").str() == "path=x,+aes");
}
