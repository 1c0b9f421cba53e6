/* ABI facts read once by Java at start (Native.Abi): struct sizes, offsets, constants. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include "epoxy.h"

/* Order is the contract with dev.epoxy.sys.Abi; append only. */
int epoxy_abi(int32_t *out, int n)
{
    int32_t v[] = {
        sizeof(struct epoll_event), offsetof(struct epoll_event, data),
        EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, (int32_t)EPOLLET,
        EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL,
        EAGAIN, EINPROGRESS, ECONNREFUSED, EBADF, EPIPE, ECONNRESET, ENOTCONN, EINTR, ETIMEDOUT,
        sizeof(struct sockaddr_storage), sizeof(struct iovec), AF_INET, AF_INET6,
        SHUT_RD, SHUT_WR, SHUT_RDWR, EADDRINUSE, ENOENT, EEXIST,
        EMFILE, ENFILE, AF_UNIX,
        SIGUSR1, SIGTERM, ESRCH, EPERM,
        (int32_t)EPOLLEXCLUSIVE, EINVAL,
    };
    int count = (int)(sizeof(v) / sizeof(v[0]));
    if (n < count)
        return -EINVAL;
    memcpy(out, v, sizeof(v));
    return count;
}

int epoxy_errno_name(int err, char *buf, int len)
{
    const char *s = strerror(err);
    int l = (int)strlen(s);
    if (l >= len)
        l = len - 1;
    memcpy(buf, s, l);
    buf[l] = 0;
    return l;
}

/* Raises the soft open-file limit to the hard one, as HAProxy does at start; returns the new limit. */
int64_t epoxy_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            return -errno;
    }
    return rl.rlim_cur == RLIM_INFINITY ? INT64_MAX : (int64_t)rl.rlim_cur;
}

int epoxy_noop(int x)
{
    return x;
}
