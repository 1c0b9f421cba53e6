/* epoll and eventfd wrappers. epoll_event.data carries (generation << 32) | fd, built in Java. */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include "epoxy.h"

int epoxy_epoll_create(void)
{
    int r = epoll_create1(EPOLL_CLOEXEC);
    return r < 0 ? -errno : r;
}

int epoxy_epoll_ctl(int ep, int op, int fd, int events, int64_t data)
{
    struct epoll_event ev;
    ev.events = (uint32_t)events;
    ev.data.u64 = (uint64_t)data;
    return epoll_ctl(ep, op, fd, &ev) < 0 ? -errno : 0;
}

int epoxy_epoll_wait(int ep, void *events, int max, int timeout_ms)
{
    int r;
    do {
        r = epoll_wait(ep, (struct epoll_event *)events, max, timeout_ms);
    } while (r < 0 && errno == EINTR && timeout_ms == 0);
    if (r < 0)
        return errno == EINTR ? 0 : -errno;   /* a signal ends a sleep early: report no event */
    return r;
}

int epoxy_eventfd(void)
{
    int r = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return r < 0 ? -errno : r;
}

int epoxy_eventfd_write(int fd)
{
    uint64_t one = 1;
    ssize_t r;
    do {
        r = write(fd, &one, sizeof(one));
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

int epoxy_eventfd_read(int fd)
{
    uint64_t v;
    ssize_t r;
    do {
        r = read(fd, &v, sizeof(v));
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : (int)(v > 0x7fffffff ? 0x7fffffff : v);
}

/* Sleeps ns nanoseconds on a timer, on no wait queue: what arrives meanwhile wakes no one. */
int epoxy_nap(long ns)
{
    struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };
    int r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    return r == EINTR ? 0 : -r;
}
