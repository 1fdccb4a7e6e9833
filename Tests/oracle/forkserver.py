#!/usr/bin/env python3
"""A Python that has already imported numpy, h5py and larpix-control, and runs each test's oracle
call in a fork of itself: the call then costs a fork instead of the half second of CPU those
imports take (about 200 calls per suite run). scripts/test.sh starts one per oracle Python and
stops it at the end; TestSupport.run reaches it through LARPIX_ORACLE_SERVER / LARPIX_H5PY2_SERVER
and runs the Python itself when neither is set.

A fork is as isolated as a new interpreter: nothing a script sets or leaves open reaches the next
one, a script that calls os._exit or is killed ends only its own process, and a script that
returns exits as through the interpreter's normal shutdown (its objects released, atexit, flushed
streams, HDF5's close of open files), without finalizing every module (see leave).

  forkserver.py SOCKET      serve on the Unix stream socket SOCKET until SIGTERM

One request per connection, a JSON line:
  {"argv": ["script.py" | "-c", ...], "env": {...}, "cwd": DIR,
   "stdin": PATH | null, "stdout": PATH, "stderr": PATH}
answered, once the run has ended, by {"status": N} (exit status) or {"signal": N}. A request may
also carry "who" (the test that asks); with LARPIX_FORKSERVER_LOG=FILE in the server's environment,
each call's CPU seconds, wall seconds, who and script are appended to FILE as a JSON line: where
the suite's oracle CPU goes.
"""
import atexit
import ctypes
import gc
import json
import os
import runpy
import signal
import socket
import sys
import time

# Imported here, once, so that every fork finds them loaded.
import numpy  # noqa: F401
import h5py  # noqa: F401
try:
    import larpix  # noqa: F401
    import larpix.format.rawhdf5format  # noqa: F401
    import larpix.format.hdf5format  # noqa: F401
    import larpix.format.pacman_msg_format  # noqa: F401
except ImportError:
    pass  # a Python without larpix-control: the scripts' own imports say so


def run_request(req):
    """In the worker: become the process `python ARGV...` would have been, run, exit."""
    numpy.random.seed()  # a fresh seed from the OS, as a new interpreter's (random reseeds itself at fork)
    os.environ.clear()
    os.environ.update(req['env'])
    os.chdir(req.get('cwd') or '/')
    fds = [os.open(req['stdin'] or os.devnull, os.O_RDONLY),
           os.open(req['stdout'], os.O_WRONLY | os.O_APPEND),
           os.open(req['stderr'], os.O_WRONLY | os.O_APPEND)]
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    argv = req['argv']
    code = 0
    script_globals = {'__name__': '__main__', '__builtins__': __builtins__}
    try:
        if argv[0] == '-c':
            sys.argv = ['-c'] + argv[2:]
            sys.path[0] = ''
            exec(compile(argv[1], '<string>', 'exec'), script_globals)
        else:
            sys.argv = list(argv)
            sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
            script_globals = runpy.run_path(argv[0], run_name='__main__')
    except SystemExit as e:
        code = e.code
    except BaseException as e:
        import traceback
        # The traceback as python would print it: without this file's frame.
        traceback.print_exception(type(e), e, e.__traceback__.tb_next)
        code = 1
    leave(code, script_globals)


def leave(code, script_globals):
    """Ends the worker as the interpreter's exit would for what a script can see, without the
    interpreter's finalization of every module (numpy, h5py, larpix-control): that took 220 ms of
    CPU per call, most of a short oracle call's cost. Seen by the script, in this order: its
    globals released (objects it left open are closed and flushed, as at the interpreter's exit),
    the atexit functions, the standard streams flushed, the exit status (a non-integer code
    printed to stderr, status 1, as sys.exit does), and C's exit, so that C libraries' exit
    handlers still run (HDF5 closes and flushes the files left open)."""
    script_globals.clear()
    gc.collect()
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    ctypes.CDLL(None).exit(status & 0xFF)


def supervise(conn):
    """In a fork per connection: fork the worker, wait for it, answer with how it ended."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with conn.makefile('rb') as f:
        req = json.loads(f.readline())
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        conn.close()
        run_request(req)
    _, status, usage = os.wait4(pid, 0)
    log = os.environ.get('LARPIX_FORKSERVER_LOG')
    if log:
        argv = req['argv']
        script = argv[0] if argv[0] != '-c' else '-c ' + argv[1].strip().splitlines()[-1][:80]
        record = {'cpu': round(usage.ru_utime + usage.ru_stime, 3), 'wall': round(time.monotonic() - started, 3),
                  'who': req.get('who'), 'script': script, 'args': argv[1 if argv[0] != '-c' else 2:][:2]}
        with open(log, 'a') as f:
            f.write(json.dumps(record) + '\n')
    reply = {'signal': os.WTERMSIG(status)} if os.WIFSIGNALED(status) else {'status': os.WEXITSTATUS(status)}
    try:
        conn.sendall((json.dumps(reply) + '\n').encode())
    finally:
        os._exit(0)


def main():
    path = sys.argv[1]
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    # The supervisors are reaped by the kernel; each worker is waited for by its supervisor.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # What is loaded now is never collected in a fork: gc.collect there (see leave) scans only what
    # the call itself made, and does not touch, and so copy, the server's pages.
    gc.freeze()
    me = os.getpid()
    try:
        while True:
            try:
                conn, _ = server.accept()
            except InterruptedError:
                continue
            if os.fork() == 0:
                server.close()
                supervise(conn)
            conn.close()
    finally:
        # A worker's exit passes through here too: only the server removes its socket.
        if os.getpid() == me:
            server.close()
            if os.path.exists(path):
                os.unlink(path)


if __name__ == '__main__':
    main()
