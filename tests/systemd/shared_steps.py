"""What the real-systemd tests share on top of container.py: booting a container as a
check, and asking a qemu running inside it for its state over QMP."""

import json

from container import Container

QMP_QUERY_PATH = "/usr/local/lib/ezkvm-test/qmp-query.py"

# Run inside the container: connects to a QMP socket, prints the greeting and the
# reply to query-status as one JSON object.
QMP_QUERY = """
import json, socket, sys
sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
stream = sock.makefile("rw")
def reply():
    while True:
        message = json.loads(stream.readline())
        if "event" not in message:
            return message
greeting = reply()
stream.write(json.dumps({"execute": "qmp_capabilities"}) + "\\n"); stream.flush()
assert "return" in reply()
stream.write(json.dumps({"execute": "query-status"}) + "\\n"); stream.flush()
print(json.dumps({"greeting": greeting, "status": reply()}))
"""


def boot(checks, **options):
    """Boots Container(**options) as the check "container boots". Returns the running
    container, or None when it did not boot (the check says why)."""
    box = Container(**options)
    try:
        box.start()
    except Exception as error:  # noqa: BLE001 - any boot failure is this check's failure
        checks.check("container boots", False, f"{type(error).__name__}: {error}")
        return None
    checks.check("container boots", True)
    return box


def install_qmp_query(box):
    box.write_file(QMP_QUERY_PATH, QMP_QUERY)


def qmp_query(box, socket):
    """(greeting and query-status reply as a dict, or None; what went wrong) from the QMP
    socket at `socket` in the container. install_qmp_query() first."""
    result = box.run(["python3", QMP_QUERY_PATH, socket], check=False, timeout=30)
    try:
        return json.loads(result.stdout), ""
    except ValueError:
        return None, (result.stderr.strip() or result.stdout.strip() or f"exit {result.returncode}")


def qmp_status(box, socket):
    """qemu's run state ("running", "prelaunch", ...) or what went wrong."""
    reply, error = qmp_query(box, socket)
    if reply is None:
        return error
    return reply["status"].get("return", {}).get("status") or json.dumps(reply["status"])
