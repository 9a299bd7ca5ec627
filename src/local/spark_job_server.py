"""A warm Spark for the local target: one Spark application that runs our PySpark scripts on request.

Every spark-submit pays a JVM start, Iceberg's and the AWS SDK's class loading and the first
catalog calls before it reads a byte (most of a local KPI run's time). `clickstream up` starts this
server once per stack, through spark-submit with the same jars and catalog configuration a job
gets; each request then runs one of our scripts (spark/*.py, unchanged) in a session of its own
(`SparkSession.newSession()`: its own SQL configuration, catalogs and temporary views), so the
warehouse of the request's environment applies and no catalog cache outlives a run.

Protocol (loopback TCP, one JSON object per line):
  -> {"script": "/abs/spark/all_kpis.py", "args": [...], "conf": {"spark.sql.catalog.glue.warehouse": ...}}
  <- {"request": TAG}, {"stream": "stdout"|"stderr", "line": "..."} ... then {"exit": N}
     (TAG is in the session's `spark.clickstream.request`, which Spark's event log records)
  -> {"ping": true}   <- {"pong": true, "busy": bool}
Requests run one at a time (two cores; Spark's own tasks use both). Closing the connection while a
request runs cancels it: its Spark jobs are cancelled and the script is interrupted.

Usage: spark-submit [conf] spark_job_server.py --spark-dir DIR --port-file FILE
"""
import argparse
import contextlib
import ctypes
import io
import json
import os
import runpy
import select
import socket
import socketserver
import sys
import threading
import traceback

from pyspark.sql import SparkSession

# The per-request session's tag in the SQL configuration: Spark's event log records it with each SQL
# execution (`modifiedConfigs`), which is how a run's bronze reads are told from other runs' (src/cost/spark-event-log.ts).
REQUEST_TAG = "spark.clickstream.request"


class LineWriter(io.TextIOBase):
    """A text stream that sends each complete line to the client as one message."""

    def __init__(self, send, stream):
        self._send = send
        self._stream = stream
        self._partial = ""

    def writable(self):
        return True

    def write(self, text):
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._send({"stream": self._stream, "line": line})
        return len(text)

    def flush(self):
        pass

    def close_partial(self):
        if self._partial:
            self._send({"stream": self._stream, "line": self._partial})
            self._partial = ""


def _fresh_job_modules(spark_dir):
    """Our job package is imported anew for every request, so an edited job runs as a new spark-submit would."""
    if spark_dir not in sys.path:
        sys.path.insert(0, spark_dir)
    for name in [m for m in sys.modules if m == "clickstream_jobs" or m.startswith("clickstream_jobs.")]:
        del sys.modules[name]


def _exit_code(error):
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


def _interrupt(thread_id):
    """Raises KeyboardInterrupt in the request's thread (it stops at its next Python instruction)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(KeyboardInterrupt))


class JobServer:
    def __init__(self, spark, spark_dir):
        self.spark = spark
        self.spark_dir = spark_dir
        self.lock = threading.Lock()
        self.requests = 0

    def next_tag(self):
        self.requests += 1
        return f"request-{os.getpid()}-{self.requests}"

    def run(self, request, tag, send, cancelled):
        """Runs one script in a session of its own; returns its exit code."""
        session = self.spark.newSession()
        for key, value in (request.get("conf") or {}).items():
            session.conf.set(key, value)
        session.conf.set(REQUEST_TAG, tag)
        _fresh_job_modules(self.spark_dir)
        import clickstream_jobs.session as job_session

        job_session.provide(session)
        context = self.spark.sparkContext
        context.setJobGroup(tag, request["script"], interruptOnCancel=True)
        stdout, stderr = LineWriter(send, "stdout"), LineWriter(send, "stderr")
        saved_argv = sys.argv
        code = 1
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                sys.argv = [request["script"], *request.get("args", [])]
                try:
                    runpy.run_path(request["script"], run_name="__main__")
                    code = 0
                except SystemExit as error:
                    code = _exit_code(error)
                except KeyboardInterrupt:
                    print("stopped: the client closed the connection", file=sys.stderr)
                    code = 130
                except BaseException:  # the script's failure is the request's result, not the server's
                    traceback.print_exc()
                    code = 1
        finally:
            sys.argv = saved_argv
            stdout.close_partial()
            stderr.close_partial()
            job_session.provide(None)
            context.setLocalProperty("spark.jobGroup.id", None)
            context.setLocalProperty("spark.job.description", None)
            session.catalog.clearCache()
        return 130 if cancelled.is_set() else code


def handler_for(server: JobServer):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            line = self.rfile.readline()
            if not line:
                return
            request = json.loads(line)
            write_lock = threading.Lock()

            def send(message):
                with write_lock:
                    try:
                        self.wfile.write((json.dumps(message) + "\n").encode("utf-8"))
                        self.wfile.flush()
                    except OSError:
                        pass  # the client left; the watcher cancels the request

            if request.get("ping"):
                send({"pong": True, "busy": server.lock.locked(), "requests": server.requests})
                return
            with server.lock:
                cancelled = threading.Event()
                finished = threading.Event()
                job_thread = threading.get_ident()
                tag = server.next_tag()
                send({"request": tag})

                def watch():
                    # The client sends nothing after its request: readable now means it closed the
                    # connection (Ctrl-C). Raw socket reads, as the handler's buffered file is not to
                    # be shared between threads.
                    while not finished.wait(0.2):
                        readable, _, _ = select.select([self.request], [], [], 0)
                        if readable and not self.request.recv(1):
                            cancelled.set()
                            server.spark.sparkContext.cancelJobGroup(tag)
                            _interrupt(job_thread)
                            return

                threading.Thread(target=watch, daemon=True).start()
                try:
                    code = server.run(request, tag, send, cancelled)
                except KeyboardInterrupt:
                    code = 130
                finished.set()
                send({"exit": code})

    return Handler


class ThreadingServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv):
    parser = argparse.ArgumentParser(prog="spark_job_server.py")
    parser.add_argument("--spark-dir", required=True, help="the folder of our PySpark scripts and their package")
    parser.add_argument("--port-file", required=True, help="written with the port once the server takes requests")
    options = parser.parse_args(argv)
    spark = SparkSession.builder.appName("clickstream-job-server").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    # A script that stops "its" session would stop the application every later request needs; the
    # process ends with the stack instead.
    SparkSession.stop = lambda self: None
    # Load Spark's SQL engine and Iceberg's catalog classes now rather than in the first request.
    spark.sql("SELECT 1").collect()
    server = ThreadingServer(("127.0.0.1", 0), handler_for(JobServer(spark, os.path.abspath(options.spark_dir))))
    temporary = f"{options.port_file}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    os.replace(temporary, options.port_file)
    print(f"spark job server: ready on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    socket.setdefaulttimeout(None)
    main(sys.argv[1:])
