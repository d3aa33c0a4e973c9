// lib/import: the readers and the writer of `ezkvm import proxmox`.
#include <catch2/catch.hpp>

#include "config/load.hpp"
#include "import/property_string.hpp"
#include "import/qm_config.hpp"
#include "import/shell_words.hpp"
#include "import/volumes.hpp"
#include "import/yaml_writer.hpp"

using namespace ezkvm;
using namespace ezkvm::import;

TEST_CASE("property strings: default key, flags, errors")
{
    std::string error;
    auto p = Properties::parse("local-lvm:vm-1-disk-0,cache=none,ssd=1,iothread=off", "file", error);
    REQUIRE(p);
    CHECK(*p->get("file") == "local-lvm:vm-1-disk-0");
    CHECK(p->flag("ssd"));
    CHECK_FALSE(p->flag("iothread", true));
    CHECK(p->others({"file", "cache"}) == std::vector<std::string>{"ssd", "iothread"});
    CHECK_FALSE(Properties::parse("a,,b=1", "file", error));
    CHECK(error == "empty part in 'a,,b=1'");
    CHECK_FALSE(Properties::parse("a=1,a=2", "file", error));
    CHECK_FALSE(Properties::parse("=1", "file", error));
}

TEST_CASE("qm config: entries, description, sections and syntax errors")
{
    Messages msgs;
    auto conf = parse_qm_config("#first%20line\n#second\ncores: 4\nname:  web  \n\n[PENDING]\ncores: 8\n"
                                "[snap1]\nmemory: 1\n",
                                msgs);
    REQUIRE(conf);
    CHECK(conf->description == std::vector<std::string>{"first line", "second"});
    CHECK(conf->find("cores")->value == "4");
    CHECK(conf->find("cores")->line == 3);
    CHECK(conf->find("name")->value == "web");
    CHECK_FALSE(conf->find("memory"));
    CHECK(msgs.count(Level::Note) == 2);
    CHECK_FALSE(msgs.has_errors());

    Messages bad;
    auto broken = parse_qm_config("cores 4\ncores: 1\ncores: 2\nname:\n", bad);
    REQUIRE(broken);
    const auto sorted = bad.sorted();
    REQUIRE(sorted.size() == 3);
    CHECK(sorted[0].str("x.conf") == "x.conf:1: error: expected 'key: value', a '#' comment or a '[section]', got "
                                     "'cores 4'");
    CHECK(sorted[1].str("x.conf") == "x.conf:3: error: 'cores' is given twice");
    CHECK(sorted[2].str("x.conf") == "x.conf:4: error: 'name' has no value");
}

TEST_CASE("qm config: numbered keys sort by number")
{
    Messages msgs;
    auto conf = parse_qm_config("net10: a\nnet2: b\nnetwork: c\nnet0: d\n", msgs);
    REQUIRE(conf);
    std::vector<std::string> keys;
    for (const auto* e : conf->numbered("net"))
        keys.push_back(e->key);
    CHECK(keys == std::vector<std::string>{"net0", "net2", "net10"});
}

TEST_CASE("shell words as Proxmox splits args")
{
    std::string error;
    auto words = split_shell_words(R"(-smbios 'type=0,vendor=ACME Corp' -name "a \"b\"" c\ d)", error);
    REQUIRE(words);
    CHECK(*words == std::vector<std::string>{"-smbios", "type=0,vendor=ACME Corp", "-name", "a \"b\"", "c d"});
    CHECK_FALSE(split_shell_words("-device 'x", error));
    CHECK(error == "an unterminated single quote");
}

TEST_CASE("volumes: storage.cfg types and --storage")
{
    Messages msgs;
    auto storages = parse_storage_cfg("dir: local\n\tpath /var/lib/vz\n\nlvmthin: local-lvm\n\tvgname pve\n\tthinpool "
                                      "data\nzfspool: z\n\tpool rpool/data\nnfs: nas\n\texport /x\nrbd: ceph\n\tpool vm\n",
                                      msgs);
    REQUIRE(storages);
    std::string error;
    auto over = parse_storage_override("fast=/srv/fast/", error);
    REQUIRE(over);
    Volumes volumes(*storages, {*over}, "/etc/pve/storage.cfg");
    CHECK(volumes.resolve("local:108/vm-108-disk-0.qcow2").path == "/var/lib/vz/images/108/vm-108-disk-0.qcow2");
    CHECK(volumes.resolve("local:108/vm-108-disk-0.qcow2").format == "qcow2");
    CHECK(volumes.resolve("local:iso/d.iso").path == "/var/lib/vz/template/iso/d.iso");
    CHECK(volumes.resolve("local-lvm:vm-1-disk-0").path == "/dev/pve/vm-1-disk-0");
    CHECK(volumes.resolve("z:vm-1-disk-0").path == "/dev/zvol/rpool/data/vm-1-disk-0");
    CHECK(volumes.resolve("nas:iso/a.iso").path == "/mnt/pve/nas/template/iso/a.iso");
    CHECK(volumes.resolve("fast:vm-1-disk-0").path == "/srv/fast/vm-1-disk-0");
    CHECK(volumes.resolve("/dev/sdb").path == "/dev/sdb");
    CHECK(volumes.resolve("ceph:vm-1-disk-0").status == Volume::Status::Unsupported);
    CHECK(volumes.resolve("nope:vm-1").status == Volume::Status::UnknownStorage);
    CHECK(volumes.resolve("local:../etc/shadow").status == Volume::Status::Invalid);
    CHECK_FALSE(parse_storage_override("x=relative", error));
}

TEST_CASE("the writer quotes what YAML would read as something else, and the loader reads it back")
{
    OutNode out;
    out.set("a.word", OutNode::text("yes"));
    out.set("a.version", OutNode::text("8.1"));
    out.set("a.mac", OutNode::text("BC:24:11:3A:21:B7"));
    out.set("a.path", OutNode::text("/dev/pve/vm-1"));
    out.set("a.text", OutNode::text("a: b # c, \"d\""), "a comment\nwith a line break");
    auto list = OutNode::list(true);
    list.seq.push_back(OutNode::text("-device"));
    list.seq.push_back(OutNode::text("x,y=1"));
    out.set("args", std::move(list));
    const std::string text = to_yaml(out, {"header"});
    CHECK(text.find("word: \"yes\"") != std::string::npos);
    CHECK(text.find("version: \"8.1\"") != std::string::npos);
    CHECK(text.find("path: /dev/pve/vm-1") != std::string::npos);
    Diagnostics diags;
    auto node = config::load_yaml(text, "t.yaml", diags);
    REQUIRE(node);
    CHECK_FALSE(diags.has_errors());
    const auto& a = node->find("a")->node();
    CHECK(a.find("word")->node().scalar == "yes");
    CHECK(a.find("text")->node().scalar == "a: b # c, \"d\"");
    CHECK(node->find("args")->node().seq.at(1).scalar == "x,y=1");
}
