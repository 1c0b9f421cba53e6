/* TCP socket wrappers: non-blocking, close-on-exec, IPv4 and IPv6. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <linux/sockios.h>
#include <sys/stat.h>
#include "epoxy.h"

/* Fills a sockaddr_storage at out from a numeric host; returns its length or -EINVAL. */
int epoxy_sockaddr(const char *host, int port, void *out)
{
    memset(out, 0, sizeof(struct sockaddr_storage));
    struct sockaddr_in *a4 = out;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        return sizeof(*a4);
    }
    struct sockaddr_in6 *a6 = out;
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        return sizeof(*a6);
    }
    return -EINVAL;
}

int epoxy_socket(int family)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

int epoxy_listen(const void *sa, int salen, int backlog, int reuseport)
{
    const struct sockaddr *s = sa;
    int fd = epoxy_socket(s->sa_family);
    if (fd < 0)
        return fd;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
        (s->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
        epoxy_set_nodelay(fd, 1) < 0 ||
        bind(fd, s, (socklen_t)salen) < 0 || listen(fd, backlog) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int epoxy_accept(int lfd, void *sa_out)
{
    struct sockaddr_storage tmp;
    socklen_t len = sizeof(tmp);
    int fd;
    do {
        fd = accept4(lfd, sa_out ? sa_out : (void *)&tmp, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

/* A new non-blocking TCP socket with TCP_NODELAY, connecting to sa: one crossing from Java for
 * the three calls of every server connection. Returns the fd (connected, or the poller must
 * confirm it) or -errno, the socket closed. */
int epoxy_connect_new(const void *sa, int salen)
{
    int fd = epoxy_socket(((const struct sockaddr *)sa)->sa_family);
    if (fd < 0)
        return fd;
    epoxy_set_nodelay(fd, 1); /* best effort: a socket without it still connects */
    int r = epoxy_connect(fd, sa, salen);
    if (r < 0 && r != -EINPROGRESS) {
        close(fd);
        return r;
    }
    return fd;
}

/* 0 when connected at once, -EINPROGRESS when the poller must confirm, else -errno. */
int epoxy_connect(int fd, const void *sa, int salen)
{
    int r;
    do {
        r = connect(fd, sa, (socklen_t)salen);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

int epoxy_so_error(int fd)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -errno;
    return -err;
}

/* Bytes received and not yet read (FIONREAD); for diagnostics only (the stall watchdog). */
int epoxy_unread(int fd)
{
    int n = 0;
    if (ioctl(fd, FIONREAD, &n) < 0)
        return -errno;
    return n;
}

/* 1 when the socket would take more output now (POLLOUT), 0 when the peer holds it back; one
 * poll() with no wait. Diagnostics only: tells a stalled writer from a peer that does not read. */
/* Bytes written to a TCP socket that the kernel has not sent yet (SIOCOUTQNSD), or -errno: what a
   send with MSG_MORE may hold back. Tests and diagnostics. */
int epoxy_unsent(int fd)
{
    int n = 0;
    if (ioctl(fd, SIOCOUTQNSD, &n) < 0)
        return -errno;
    return n;
}

int epoxy_writable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int r = poll(&p, 1, 0);
    if (r < 0)
        return -errno;
    return r > 0 && (p.revents & POLLOUT) ? 1 : 0;
}

int epoxy_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

int epoxy_socketpair(int32_t *out)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    out[0] = sv[0];
    out[1] = sv[1];
    return 0;
}

/* Sets the boolean TCP option opt on fd: 0, else -errno. */
static int set_tcp_flag(int fd, int opt, int on)
{
    return setsockopt(fd, IPPROTO_TCP, opt, &on, sizeof(on)) < 0 ? -errno : 0;
}

int epoxy_set_nodelay(int fd, int on)
{
    return set_tcp_flag(fd, TCP_NODELAY, on);
}

/* 1 when the boolean TCP option opt is set on fd, 0 when not, else -errno. */
static int tcp_flag(int fd, int opt)
{
    int on = 0;
    socklen_t len = sizeof(on);
    if (getsockopt(fd, IPPROTO_TCP, opt, &on, &len) < 0)
        return -errno;
    return on != 0;
}

/* TCP_QUICKACK 0 on a listener puts the sockets it accepts in delayed-ACK mode: the ACK of a
 * request then leaves with the response instead of as a segment of its own (HAProxy's
 * smart-accept). Linux copies the mode into every accepted socket. */
int epoxy_set_quickack(int fd, int on)
{
    return set_tcp_flag(fd, TCP_QUICKACK, on);
}

/* 1 when the socket acknowledges at once, 0 in delayed-ACK mode, else -errno. */
int epoxy_quickack(int fd)
{
    return tcp_flag(fd, TCP_QUICKACK);
}

int epoxy_set_linger0(int fd)
{
    struct linger l = { .l_onoff = 1, .l_linger = 0 };
    return setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0 ? -errno : 0;
}

/* Closes with a reset (SO_LINGER 0, then close): one crossing from Java instead of two. */
int epoxy_close_reset(int fd)
{
    epoxy_set_linger0(fd);
    return close(fd) < 0 ? -errno : 0;
}

/* 1 when TCP_NODELAY is set on fd, 0 when not, else -errno. */
int epoxy_nodelay(int fd)
{
    return tcp_flag(fd, TCP_NODELAY);
}

int epoxy_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -errno;
    return 0;
}

int64_t epoxy_read(int fd, void *buf, int64_t len)
{
    ssize_t r;
    do {
        r = read(fd, buf, (size_t)len);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

int64_t epoxy_write(int fd, const void *buf, int64_t len)
{
    ssize_t r;
    do {
        r = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    if (r < 0 && errno == ENOTSOCK) {
        do {
            r = write(fd, buf, (size_t)len);
        } while (r < 0 && errno == EINTR);
    }
    return r < 0 ? -errno : r;
}

/* As epoxy_write, with MSG_MORE: the caller writes again at once, so the kernel need not push a
   partial segment now. */
int64_t epoxy_write_more(int fd, const void *buf, int64_t len)
{
    ssize_t r;
    do {
        r = send(fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_MORE);
    } while (r < 0 && errno == EINTR);
    if (r < 0 && errno == ENOTSOCK)
        return epoxy_write(fd, buf, len);
    return r < 0 ? -errno : r;
}

/* A non-blocking, close-on-exec pipe for splice(2), resized to size bytes when size > 0 (the kernel
   may round it up; a refused size keeps the default). Returns read_fd << 32 | write_fd, or -errno. */
int64_t epoxy_pipe(int size)
{
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
        return -errno;
    if (size > 0)
        (void)fcntl(fds[1], F_SETPIPE_SZ, size);
    return ((int64_t)fds[0] << 32) | (uint32_t)fds[1];
}

/* splice(2) of up to len bytes from fd_in to fd_out, one of them a pipe, without blocking on the
   pipe (the sockets are non-blocking already). Returns the bytes moved, 0 at the end of fd_in,
   or -errno; EAGAIN when fd_in has nothing, or the pipe is full, or fd_out has no room. A peer
   that has gone gives EPIPE: the JVM ignores SIGPIPE. */
static int64_t splice_flags(int fd_in, int fd_out, int64_t len, unsigned int flags)
{
    ssize_t r;
    do {
        r = splice(fd_in, NULL, fd_out, NULL, (size_t)len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK | flags);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

int64_t epoxy_splice(int fd_in, int fd_out, int64_t len)
{
    return splice_flags(fd_in, fd_out, len, 0);
}

/* As epoxy_splice from a pipe to a socket, with SPLICE_F_MORE (MSG_MORE): more of the message
   follows at once, so the kernel need not push a partial segment now. */
int64_t epoxy_splice_more(int fd_in, int fd_out, int64_t len)
{
    return splice_flags(fd_in, fd_out, len, SPLICE_F_MORE);
}

int64_t epoxy_writev(int fd, const void *iov, int cnt)
{
    ssize_t r;
    do {
        r = writev(fd, (const struct iovec *)iov, cnt);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

int epoxy_shutdown(int fd, int how)
{
    return shutdown(fd, how) < 0 ? -errno : 0;
}

int epoxy_close(int fd)
{
    /* Linux releases the fd even when close() reports EINTR: never retry. */
    return close(fd) < 0 && errno != EINTR ? -errno : 0;
}

/* A second descriptor for the same open file (close-on-exec). Tests use it to keep a file, and so
 * its epoll registration, alive after the first number is closed: the stale-generation case. */
int epoxy_dup(int fd)
{
    int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    return r < 0 ? -errno : r;
}

/* A listening AF_UNIX stream socket at path (the stats socket), or in the abstract namespace when
 * path starts with '@' (the reload hand-over: no file, nothing to clean up). Like HAProxy, an
 * existing socket file is replaced; mode >= 0 is applied with chmod before listen, so no client
 * connects with the wrong permissions. Returns the fd or -errno. */
int epoxy_unix_listen(const char *path, int backlog, int mode)
{
    struct sockaddr_un sa;
    size_t len = strlen(path);
    int abstract = path[0] == '@';
    if (len == 0 || len >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, len + 1);
    if (abstract)
        sa.sun_path[0] = '\0';
    socklen_t salen = abstract ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len) : sizeof(sa);
    int fd = epoxy_socket(AF_UNIX);
    if (fd < 0)
        return fd;
    struct stat st;
    if (!abstract && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, salen) < 0 ||
        (!abstract && mode >= 0 && chmod(path, (mode_t)mode) < 0) || listen(fd, backlog) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}
