"""Entry point of the local model server's child process.

``LocalServer`` runs this file by path, not as a module, so the child needs neither
Author Studio on its import path nor anything from the parent. Arguments:

    local_server_child.py WATCH_FD TARGET [SERVER ARGUMENTS...]

WATCH_FD is the read end of a pipe whose write end only the parent has open, or -1 for
no watch. The parent never writes to it, so a read returns end-of-file exactly when
the parent closes it or dies, even by SIGKILL. The child then stops itself, so a
crashed app leaves no server behind. A pipe is used rather than
``prctl(PR_SET_PDEATHSIG)`` because Linux sends that signal when the thread that
started the child ends, and the app starts the server from a worker thread that
Qt's thread pool retires after a while.

TARGET is a module name run like ``python -m`` (``llama_cpp.server``), or a path
ending in ``.py`` run like ``python FILE``. Either way it runs in this process, so
the pid the parent has is the server's pid.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import threading
import time

# After SIGTERM, uvicorn waits for open requests to finish, and a generation can
# take a minute on a slow CPU. The watch gives it this long, then exits hard.
GRACE_SECONDS = 3.0


def _watch_parent(fd: int) -> None:
    try:
        while os.read(fd, 1):
            pass
    except OSError:
        pass
    print(
        "author-studio local model server: parent process is gone, stopping",
        file=sys.stderr,
        flush=True,
    )
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os._exit(1)


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit("usage: local_server_child.py WATCH_FD TARGET [ARGUMENTS...]")
    watch_fd = int(sys.argv[1])
    target = sys.argv[2]
    if watch_fd >= 0:
        threading.Thread(
            target=_watch_parent, args=(watch_fd,), name="parent-watch", daemon=True
        ).start()

    if target.endswith(".py"):
        sys.argv = [target, *sys.argv[3:]]
        runpy.run_path(target, run_name="__main__")
    else:
        sys.argv = [target, *sys.argv[3:]]
        runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
