#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "runtime/supervise.hpp"
#include "test_runtime_support.hpp"

using namespace ezkvm;
using namespace ezkvm::runtime;
using namespace std::chrono_literals;
using ezkvm::test::read_file;
using ezkvm::test::TempDir;
using ezkvm::test::write_file;

namespace {

// Stands in for qemu: serves QMP like qemu 7.2 and plays a guest chosen by
// MODE. Once QMP is negotiated it sends SIGTERM to its parent (the test), as a
// user stopping `ezkvm run` would. Every command received is logged.
const char* fake_qemu = R"PY(#!/usr/bin/python3
import json, os, signal, socket, sys
args = [a for a in sys.argv[1:] if a != "-S"]
paused = "-S" in sys.argv
mode, qmp_path, log_path = args[0], args[1], args[2]
console_path = args[3] if len(args) > 3 else None
log = open(log_path, "a")
if mode == "crash":
    sys.exit(3)
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
def listen(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    return s
qmp_server = listen(qmp_path)
console_server = listen(console_path) if console_path else None
conn, _ = qmp_server.accept()
def send(obj):
    conn.sendall((json.dumps(obj) + "\r\n").encode())
def event(name, data=None):
    send({"event": name, "data": data or {}, "timestamp": {"seconds": 0, "microseconds": 0}})
send({"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}})
presses = 0
for line in conn.makefile():
    msg = json.loads(line)
    cmd = msg["execute"]
    log.write(cmd + (" paused" if paused else "") + "\n")
    log.flush()
    send({"return": {}, "id": msg["id"]})
    if cmd == "qmp_capabilities":
        if mode == "selfoff":
            event("SHUTDOWN", {"guest": True, "reason": "guest-shutdown"})
            sys.exit(0)
        if mode == "fail-later":
            sys.exit(1)
        os.kill(os.getppid(), signal.SIGTERM)
    elif cmd == "cont":
        paused = False
        client, _ = console_server.accept()
        client.sendall(b"[    0.000000] Linux version 6.1\r\nEZKVM-TEST-REPORT-BEGIN\r\n")
        client.close()
    elif cmd == "system_powerdown":
        presses += 1
        event("POWERDOWN")
        if mode == "poweroff" or (mode == "poweroff-third" and presses == 3):
            event("SHUTDOWN", {"guest": True, "reason": "guest-shutdown"})
            sys.exit(0)
    elif cmd == "quit":
        event("SHUTDOWN", {"guest": False, "reason": "host-qmp-quit"})
        if mode != "stubborn":
            sys.exit(0)
)PY";

struct Run {
    int code = -1;
    std::string log;       // what ezkvm said
    std::string commands;  // what the fake qemu received
};

struct Fixture {
    TempDir dir;
    SuperviseOptions options;

    Fixture()
    {
        write_file(dir / "qemu", fake_qemu);
        ::chmod((dir / "qemu").c_str(), 0755);
        options.qmp_socket = dir / "qmp.sock";
        options.powerdown_interval = 100ms;
        options.stop_timeout = 5s;
        options.escalation_grace = 300ms;
        options.qmp_timeout = 10s;
    }

    Run run(const std::string& mode)
    {
        options.argv = {dir / "qemu", mode, options.qmp_socket, dir / "commands"};
        if (!options.console_socket.empty())
            options.argv.push_back(options.console_socket);
        StopSignals signals;
        std::ostringstream log;
        Run result;
        result.code = supervise(options, signals, log);
        result.log = log.str();
        result.commands = read_file(dir / "commands");
        return result;
    }
};

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a stop request presses the power button and a guest that powers off ends with 0", "[runtime][supervise]")
{
    Fixture f;
    const Run run = f.run("poweroff");
    INFO(run.log);
    CHECK(run.code == 0);
    CHECK(run.commands == "qmp_capabilities\nquery-kvm\nsystem_powerdown\n");
    CHECK(contains(run.log, "ezkvm: started qemu (pid "));
    CHECK(contains(run.log, "ezkvm: SIGTERM: stopping, pressing the ACPI power button"));
    CHECK(contains(run.log, "ezkvm: guest powered off "));
    CHECK(contains(run.log, "ezkvm: qemu exited after "));
}

TEST_CASE("the power button is pressed again until the guest reacts", "[runtime][supervise]")
{
    Fixture f;
    const Run run = f.run("poweroff-third");
    INFO(run.log);
    CHECK(run.code == 0);
    CHECK(run.commands == "qmp_capabilities\nquery-kvm\nsystem_powerdown\nsystem_powerdown\nsystem_powerdown\n");
}

TEST_CASE("a guest that ignores the power button is made to quit after the stop timeout", "[runtime][supervise]")
{
    Fixture f;
    f.options.stop_timeout = 500ms;
    const auto before = std::chrono::steady_clock::now();
    const Run run = f.run("ignore");
    INFO(run.log);
    CHECK(run.code == 1);
    CHECK(std::chrono::steady_clock::now() - before >= 500ms);
    CHECK(run.commands.ends_with("system_powerdown\nquit\n"));
    CHECK(contains(run.log, "ezkvm: the guest did not power off within 0.5 s: making qemu quit"));
    CHECK(contains(run.log, "ezkvm: qemu exited with status 0 after being forced to stop"));
}

TEST_CASE("a qemu that ignores quit and SIGTERM is killed", "[runtime][supervise]")
{
    Fixture f;
    f.options.stop_timeout = 300ms;
    const Run run = f.run("stubborn");
    INFO(run.log);
    CHECK(run.code == 1);
    CHECK(contains(run.log, "ezkvm: sending SIGTERM to qemu"));
    CHECK(contains(run.log, "ezkvm: sending SIGKILL to qemu"));
    CHECK(contains(run.log, "ezkvm: qemu was killed by signal 9 (Killed) after being forced to stop"));
}

TEST_CASE("a guest that powers itself off ends with 0", "[runtime][supervise]")
{
    Fixture f;
    const Run run = f.run("selfoff");
    INFO(run.log);
    CHECK(run.code == 0);
    CHECK(contains(run.log, "ezkvm: guest powered off\n"));
}

TEST_CASE("qemu failing shows its exit status and ends with 1", "[runtime][supervise]")
{
    Fixture f;
    SECTION("before QMP")
    {
        const Run run = f.run("crash");
        INFO(run.log);
        CHECK(run.code == 1);
        CHECK(contains(run.log, "ezkvm: qemu exited with status 3 before its QMP socket was ready"));
    }
    SECTION("while running")
    {
        const Run run = f.run("fail-later");
        INFO(run.log);
        CHECK(run.code == 1);
        CHECK(contains(run.log, "ezkvm: qemu exited with status 1 after "));
    }
}

TEST_CASE("qemu that cannot be started is reported", "[runtime][supervise]")
{
    Fixture f;
    f.options.argv = {f.dir / "no-such-qemu"};
    StopSignals signals;
    std::ostringstream log;
    CHECK(supervise(f.options, signals, log) == 1);
    CHECK(log.str() == "ezkvm: cannot run " + (f.dir / "no-such-qemu") + ": No such file or directory\n");
}

TEST_CASE("--console starts the VM paused and copies the serial output", "[runtime][supervise]")
{
    Fixture f;
    f.options.console_socket = f.dir / "console.sock";
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC | O_NONBLOCK) == 0);
    f.options.console_out = out[1];
    const Run run = f.run("poweroff");
    INFO(run.log);
    CHECK(run.code == 0);
    // The guest only runs (cont) once the console is connected.
    CHECK(run.commands == "qmp_capabilities paused\ncont paused\nquery-kvm\nsystem_powerdown\n");
    char buf[256];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    REQUIRE(n > 0);
    CHECK(std::string(buf, static_cast<size_t>(n)) == "[    0.000000] Linux version 6.1\r\nEZKVM-TEST-REPORT-BEGIN\r\n");
    ::close(out[0]);
    ::close(out[1]);
}
