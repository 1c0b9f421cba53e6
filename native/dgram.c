/* Datagram sockets for syslog targets: UDP (IPv4/IPv6) and the local AF_UNIX socket (/dev/log). */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "epoxy.h"

/* A non-blocking, close-on-exec datagram socket of family (AF_INET, AF_INET6 or AF_UNIX). */
int epoxy_dgram_socket(int family)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

/* Fills a sockaddr_un at out (sizeof(struct sockaddr_storage) bytes) for path; returns its length or -ENAMETOOLONG. */
int epoxy_unix_sockaddr(const char *path, void *out)
{
    struct sockaddr_un *a = out;
    size_t n = strlen(path);
    if (n >= sizeof(a->sun_path))
        return -ENAMETOOLONG;
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path, path, n + 1);
    return (int)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

/* Binds fd to sa (tests bind a receiving AF_UNIX datagram socket with it). */
int epoxy_bind(int fd, const void *sa, int salen)
{
    return bind(fd, sa, (socklen_t)salen) < 0 ? -errno : 0;
}

/* One datagram of len bytes at buf to sa; returns the bytes sent or -errno (-EAGAIN when the socket buffer is full). */
int64_t epoxy_sendto(int fd, const void *buf, int64_t len, const void *sa, int salen)
{
    ssize_t n;
    do {
        n = sendto(fd, buf, (size_t)len, MSG_NOSIGNAL, sa, (socklen_t)salen);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

/* Receives one datagram into buf, waiting at most timeout_ms for it; -EAGAIN on timeout. */
int64_t epoxy_recv_wait(int fd, void *buf, int64_t len, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r;
    do {
        r = poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    if (r == 0)
        return -EAGAIN;
    ssize_t n = recv(fd, buf, (size_t)len, 0);
    return n < 0 ? -errno : n;
}
