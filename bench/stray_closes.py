#!/usr/bin/env python3
"""Finds stray closes in an `strace -f` trace: close(N) succeeding in a process whose number N was
already closed and not made again since. Such a close hits whatever file holds N by then (an fd
of the fd table, say), and the program sees no error. Failed closes (EBADF) are counted too.

Usage: stray_closes.py TRACE   (made by bench/stray-closes.sh)
"""
import re
import sys

MAKERS = {'open', 'openat', 'creat', 'socket', 'accept', 'accept4', 'dup', 'dup2', 'dup3',
          'epoll_create', 'epoll_create1', 'eventfd', 'eventfd2', 'timerfd_create', 'signalfd',
          'signalfd4', 'inotify_init', 'inotify_init1', 'memfd_create', 'pidfd_open'}
LINE = re.compile(r'^(\d+)\s+(.*)$')
CALL = re.compile(r'^(\w+)\((.*)\)\s+=\s+(-?\d+)')


def calls(path):
    """(line number, tid, name, arguments, result) per finished call; split calls joined."""
    pending = {}
    for no, raw in enumerate(open(path, errors='replace'), 1):
        m = LINE.match(raw.rstrip('\n'))
        if not m:
            continue
        tid, rest = int(m.group(1)), m.group(2)
        if rest.endswith('<unfinished ...>'):
            pending[tid] = rest[:-len('<unfinished ...>')]
            yield no, tid, 'enter', pending[tid], None
            continue
        r = re.match(r'^<\.\.\. \w+ resumed>(.*)$', rest)
        if r:
            rest = pending.pop(tid, '') + r.group(1)
        c = CALL.match(rest)
        if c:
            yield no, tid, c.group(1), c.group(2), int(c.group(3))


def main(path):
    # Threads share their process's table: map each thread to the process that made it.
    parent = {}
    for _, tid, name, args, ret in calls(path):
        if name in ('clone', 'clone3') and ret and ret > 0 and 'CLONE_THREAD' in args:
            parent[ret] = tid

    def proc(tid):
        while tid in parent:
            tid = parent[tid]
        return tid

    tables = {}       # process -> {fd: ('open' | 'closed', line)}
    in_flight = {}    # (process, fd, thread) -> True once fd was made again before that close returned
    stray, failed = [], []
    for no, tid, name, args, ret in calls(path):
        p = proc(tid)
        t = tables.setdefault(p, {})
        if name == 'enter':
            if args.startswith('close('):
                in_flight[(p, int(args[6:].split(')')[0].strip()), tid)] = False
            continue

        def made(fd):
            t[fd] = ('open', no)
            for k in in_flight:
                if k[0] == p and k[1] == fd:
                    in_flight[k] = True

        if name == 'close':
            fd = int(args.strip())
            if in_flight.pop((p, fd, tid), False):
                continue  # the number was made again before this close's return was printed
            if ret != 0:
                failed.append((no, tid, fd))
                continue
            if t.get(fd, ('', 0))[0] == 'closed':
                stray.append((no, tid, fd, t[fd][1]))
            t[fd] = ('closed', no)
        elif ret < 0:
            continue
        elif name in MAKERS or (name == 'fcntl' and 'F_DUPFD' in args):
            made(ret)
        elif name in ('pipe', 'pipe2', 'socketpair'):
            pair = re.search(r'\[(\d+), (\d+)\]', args)
            if pair:
                made(int(pair.group(1)))
                made(int(pair.group(2)))
        elif name == 'recvmsg':
            for rights in re.finditer(r'SCM_RIGHTS, cmsg_data=\[([\d, ]+)\]', args):
                for fd in rights.group(1).split(','):
                    made(int(fd))
        elif name == 'close_range':
            r = re.match(r'(\d+), (\d+)', args)
            if r:
                for fd in list(t):
                    if int(r.group(1)) <= fd <= int(r.group(2)):
                        t[fd] = ('closed', no)
        elif name in ('clone', 'clone3', 'fork', 'vfork') and 'CLONE_THREAD' not in args:
            if ret not in tables:  # unless the child's own calls were printed first
                tables[ret] = dict(t)  # a child process starts with a copy of the table
        elif name == 'execve':
            tables[p] = {}  # close-on-exec numbers are gone, the others unknown: start afresh
    print('stray closes (a number closed again, succeeding):', len(stray))
    for s in stray[:50]:
        print('  line %d tid %d fd %d (closed before at line %d)' % s)
    print('failed closes:', len(failed))
    for f in failed[:20]:
        print('  line %d tid %d fd %d' % f)
    return 1 if stray else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
