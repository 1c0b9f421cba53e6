/* Process life: listener hand-over between an old and a new process over an AF_UNIX socket
 * (SCM_RIGHTS), signals, privileges (setgid/setuid/chroot), detaching (setsid, dup2). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "epoxy.h"

/* sockaddr_un for a name; a leading '@' means the abstract namespace (no file, no chroot issue). */
static int unix_addr(const char *name, struct sockaddr_un *sa)
{
    size_t n = strlen(name);
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (n == 0 || n >= sizeof(sa->sun_path))
        return -ENAMETOOLONG;
    memcpy(sa->sun_path, name, n);
    if (name[0] == '@')
        sa->sun_path[0] = '\0';
    return (int)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '@' ? 0 : 1));
}

/* Waits up to timeout_ms for a connection; returns a blocking fd with 5 s send/receive timeouts. */
int epoxy_unix_accept(int lfd, int timeout_ms)
{
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    int r = poll(&p, 1, timeout_ms);
    if (r < 0)
        return -errno;
    if (r == 0)
        return -EAGAIN;
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct timeval tv = { .tv_sec = 5, .tv_usec = 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return fd;
}

/* A blocking connected AF_UNIX stream socket with 5 s send/receive timeouts. */
int epoxy_unix_connect(const char *name)
{
    struct sockaddr_un sa;
    int len = unix_addr(name, &sa);
    if (len < 0)
        return len;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct timeval tv = { .tv_sec = 5, .tv_usec = 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, (socklen_t)len) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* The peer's uid (SO_PEERCRED). */
int epoxy_peer_uid(int fd)
{
    struct ucred c;
    socklen_t len = sizeof(c);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) < 0)
        return -errno;
    return (int)c.uid;
}

#define MAX_PASSED_FDS 200

/* Sends len bytes and nfds descriptors (at most 200) in one message. */
int epoxy_send_fds(int sock, const void *buf, int len, const int32_t *fds, int nfds)
{
    if (nfds < 0 || nfds > MAX_PASSED_FDS || len <= 0)
        return -EINVAL;
    union { char b[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)]; struct cmsghdr align; } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = (size_t)len };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (nfds > 0) {
        m.msg_control = ctl.b;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    ssize_t r;
    do {
        r = sendmsg(sock, &m, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : (int)r;
}

/* Receives one message: its bytes into buf, its descriptors (close-on-exec) into fds, their
 * count into *nfds. Returns the byte count (0 at end of stream). */
int epoxy_recv_fds(int sock, void *buf, int len, int32_t *fds, int maxfds, int32_t *nfds)
{
    union { char b[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)]; struct cmsghdr align; } ctl;
    struct iovec iov = { .iov_base = buf, .iov_len = (size_t)len };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
    ssize_t r;
    *nfds = 0;
    do {
        r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *got = (int *)CMSG_DATA(c);
        for (int i = 0; i < n; i++) {
            if (*nfds < maxfds)
                fds[(*nfds)++] = got[i];
            else
                close(got[i]);
        }
    }
    return (int)r;
}

/* 1 when fd is a listening TCP socket bound to exactly sa (family, address, port), else 0. */
int epoxy_listens_on(int fd, const void *sa, int salen)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int acc = 0;
    socklen_t alen = sizeof(acc);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &alen) < 0 || !acc)
        return 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    const struct sockaddr *want = sa;
    if (ss.ss_family != want->sa_family)
        return 0;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)&ss, *b = sa;
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    if (ss.ss_family == AF_INET6 && salen >= (int)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *a = (const void *)&ss, *b = sa;
        return a->sin6_port == b->sin6_port && memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0;
    }
    return 0;
}

int epoxy_getpid(void) { return (int)getpid(); }
int epoxy_geteuid(void) { return (int)geteuid(); }
int epoxy_kill(int pid, int sig) { return kill((pid_t)pid, sig) < 0 ? -errno : 0; }
int epoxy_setsid(void) { return setsid() < 0 ? -errno : 0; }

/* glibc applies these to every thread of the process (the JVM's included). */
int epoxy_setgid(int gid)
{
    if (setgroups(0, NULL) < 0)
        return -errno;
    return setgid((gid_t)gid) < 0 ? -errno : 0;
}

int epoxy_setuid(int uid) { return setuid((uid_t)uid) < 0 ? -errno : 0; }

int epoxy_chroot(const char *dir)
{
    if (chroot(dir) < 0 || chdir("/") < 0)
        return -errno;
    return 0;
}

/* Points fd at /dev/null (stdin, stdout, stderr of a detached process). */
int epoxy_devnull(int fd)
{
    int n = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (n < 0)
        return -errno;
    int r = dup2(n, fd) < 0 ? -errno : 0;
    close(n);
    return r;
}
