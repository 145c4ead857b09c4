"""
Times an interactive session as a person's terminal sees it: COMMAND runs on a pty of its own (Python's pty,
so the docker CLI puts it in raw mode as on a real terminal); prints one JSON line with
  firstByte  ms from the fork to the first byte of output,
  prompt     ms to the prompt (PROMPT, a regular expression),
  echo       ms from each of KEYS single keystrokes to its echo,
then types `exit` and waits for the command's end (its exit status in `code`).
Usage: pty-probe.py KEYS PROMPT COMMAND...
"""
import fcntl, json, os, pty, re, select, struct, sys, termios, time

keys, prompt_re, argv = int(sys.argv[1]), re.compile(sys.argv[2].encode()), sys.argv[3:]
TIMEOUT = 20.0


def now():
    return time.perf_counter() * 1000.0


def read_until(fd, test, since, seen):
    """Reads until test(seen) holds; returns the time it first held."""
    deadline = time.monotonic() + TIMEOUT
    while not test(seen):
        left = deadline - time.monotonic()
        if left <= 0:
            raise SystemExit(f"pty-probe: timed out; output so far: {bytes(seen)[-300:]!r}")
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                raise SystemExit(f"pty-probe: the command ended; output: {bytes(seen)[-300:]!r}")
            seen.extend(chunk)
    return now() - since


t0 = now()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
# a terminal has a size (a line editor on a 0×0 terminal does not echo)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
seen = bytearray()
first = read_until(fd, lambda s: len(s) > 0, t0, seen)
prompt = read_until(fd, lambda s: prompt_re.search(bytes(s)) is not None, t0, seen)


def cursor_report(seen):
    """Where a terminal's cursor would be after the output so far: the row does not matter here, the column does
    (the line editor takes it as where its prompt ends)."""
    line = bytes(seen).replace(b"\r", b"\n").rsplit(b"\n", 1)[-1]
    return b"\x1b[1;%dR" % (len(re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", line)) + 1)


def settle(fd, seen):
    """Reads until the output has been quiet for 500 ms (keys typed while the docker CLI still sets up its terminal
    are lost), answering the line editor's cursor position queries (busybox sh with TERM set asks once its prompt
    is out) as a terminal does."""
    asked = seen.count(b"\x1b[6n")
    while True:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            if asked == 0:
                return
            os.write(fd, cursor_report(seen) * asked)
            asked = 0
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            raise SystemExit(f"pty-probe: the command ended; output: {bytes(seen)[-300:]!r}")
        seen.extend(chunk)
        asked += chunk.count(b"\x1b[6n")


settle(fd, seen)
echo = []
for i in range(keys):
    mark = len(seen)
    t = now()
    os.write(fd, b"x")
    echo.append(read_until(fd, lambda s: b"x" in s[mark:], t, seen))
os.write(fd, b"\x15exit\r")
code = None
deadline = time.monotonic() + TIMEOUT
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            if not os.read(fd, 65536):
                break
        except OSError:
            break
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"firstByte": first, "prompt": prompt, "echo": echo, "code": code}))
