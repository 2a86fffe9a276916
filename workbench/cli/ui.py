"""``workbench ui``: TensorBoard and the MLflow UI started on loopback, stopped together."""

import collections
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

from .common import CLIError, _require, _tracking
from .processes import _become_subreaper, _raise_stop, _Stop, _stop_process_group


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class _Service:
    """A child server in its own process group, its output kept (last lines) by a reader thread."""

    def __init__(self, label, cmd, env=None):
        self.label, self.url = label, None
        self.lines = collections.deque(maxlen=60)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     errors="replace", env=env, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def tail(self):
        return "\n".join("    " + ln for ln in list(self.lines)[-15:])

    def stop(self):
        _stop_process_group(self.proc, grace=5.0)


def _wait_ready(services, timeout):
    """Wait until every service has a URL (TensorBoard prints it; the MLflow UI answers
    ``/health``); raise CLIError if one exits or the time runs out."""
    import urllib.request  # http.client and email: only when `workbench ui` waits for a server
    deadline = time.time() + timeout
    while time.time() < deadline:
        for s in services:
            if s.proc.poll() is not None:
                raise CLIError(f"{s.label} exited (status {s.proc.returncode}) before it was ready:\n{s.tail()}",
                               code=1)
            if s.url is None and s.label == "TensorBoard":
                for line in list(s.lines):
                    found = re.search(r"TensorBoard \S+ at (http://\S+?)/? ", line + " ")
                    if found:
                        s.url = found.group(1).rstrip("/") + "/"
            elif s.url is None and s.label == "MLflow UI":
                try:
                    with urllib.request.urlopen(f"{s.pending_url}health", timeout=1) as r:
                        r.read()
                    s.url = s.pending_url
                except OSError:
                    pass
        if all(s.url for s in services):
            return
        time.sleep(0.2)
    waiting = [s for s in services if not s.url]
    raise CLIError("timed out waiting for " + " and ".join(s.label for s in waiting) + ":\n"
                   + "\n".join(s.tail() for s in waiting), code=1)


def _cmd_ui(args):
    _require("tensorboard", "workbench ui")
    _require("mlflow", "workbench ui")
    tracking = _tracking()
    uri = tracking.resolve_tracking_uri(args.tracking_uri)
    logdir = os.path.abspath(args.logdir)
    if not os.path.isdir(logdir):
        print(f"note: {args.logdir}/ does not exist yet; TensorBoard shows runs once one writes there",
              flush=True)
    services = []
    _become_subreaper()
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        tb = _Service("TensorBoard", [sys.executable, "-m", "tensorboard.main", "--logdir", logdir,
                                      "--host", "127.0.0.1", "--port", str(args.port_tb),
                                      # scalars=0 would mean "all" but returns no points with the fast loader
                                      "--samples_per_plugin", "scalars=100000"])
        services.append(tb)
        if tracking.is_remote(uri):
            remote = uri
        else:
            remote = None
            port = args.port_mlflow
            if port is None:
                port = 5000 if _port_free(5000) else _free_port()
            elif port == 0:
                port = _free_port()
            env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
            ml = _Service("MLflow UI", [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri,
                                        "--host", "127.0.0.1", "--port", str(port), "--workers", "1"], env=env)
            ml.pending_url = f"http://127.0.0.1:{port}/"
            services.append(ml)
        _wait_ready(services, args.timeout)
        print(f"TensorBoard  {tb.url}  (logs in {logdir}; pid {tb.proc.pid})", flush=True)
        if remote:
            print(f"MLflow UI    {remote}/  (the tracking server; not started here)", flush=True)
        else:
            print(f"MLflow UI    {ml.url}  (store {uri}; pid {ml.proc.pid})", flush=True)
        print("Press Ctrl-C to stop both.", flush=True)
        while True:
            for s in services:
                if s.proc.poll() is not None:
                    raise CLIError(f"{s.label} stopped (status {s.proc.returncode}):\n{s.tail()}", code=1)
            time.sleep(0.5)
    except (KeyboardInterrupt, _Stop):
        print("stopping...", flush=True)
        return 0
    finally:
        for s in services:
            s.stop()
        signal.signal(signal.SIGTERM, previous)
