/* Epoxy native shim: thin syscall wrappers for JNA direct mapping.
 * Every function takes primitives or raw addresses and returns a result >= 0 or -errno.
 * EINTR is retried here; nothing else is policy. */
#ifndef EPOXY_H
#define EPOXY_H
#include <stdint.h>

/* abi.c */
int  epoxy_abi(int32_t *out, int n);
int  epoxy_errno_name(int err, char *buf, int len);

/* epoll.c */
int  epoxy_epoll_create(void);
int  epoxy_epoll_ctl(int ep, int op, int fd, int events, int64_t data);
int  epoxy_epoll_wait(int ep, void *events, int max, int timeout_ms);
int  epoxy_eventfd(void);
int  epoxy_eventfd_write(int fd);
int  epoxy_eventfd_read(int fd);
int  epoxy_nap(long ns);

/* socket.c */
int  epoxy_sockaddr(const char *host, int port, void *out);
int  epoxy_listen(const void *sa, int salen, int backlog, int reuseport);
int  epoxy_accept(int lfd, void *sa_out);
int  epoxy_socket(int family);
int  epoxy_connect(int fd, const void *sa, int salen);
int  epoxy_connect_new(const void *sa, int salen);
int  epoxy_so_error(int fd);
int  epoxy_local_port(int fd);
int  epoxy_unread(int fd);
int  epoxy_writable(int fd);
int  epoxy_unsent(int fd);
int  epoxy_socketpair(int32_t *out);
int  epoxy_set_nodelay(int fd, int on);
int  epoxy_set_linger0(int fd);
int  epoxy_set_quickack(int fd, int on);
int  epoxy_quickack(int fd);
int  epoxy_close_reset(int fd);
int  epoxy_nodelay(int fd);
int  epoxy_set_nonblock(int fd);
int64_t epoxy_read(int fd, void *buf, int64_t len);
int64_t epoxy_write(int fd, const void *buf, int64_t len);
int64_t epoxy_write_more(int fd, const void *buf, int64_t len);
int64_t epoxy_writev(int fd, const void *iov, int cnt);
int64_t epoxy_pipe(int size);
int64_t epoxy_splice(int fd_in, int fd_out, int64_t len);
int64_t epoxy_splice_more(int fd_in, int fd_out, int64_t len);
int  epoxy_shutdown(int fd, int how);
int  epoxy_close(int fd);
int  epoxy_dup(int fd);
int  epoxy_unix_listen(const char *path, int backlog, int mode);
int  epoxy_noop(int x);
int64_t epoxy_raise_nofile(void);

/* dgram.c: syslog targets */
int  epoxy_dgram_socket(int family);
int  epoxy_unix_sockaddr(const char *path, void *out);
int  epoxy_bind(int fd, const void *sa, int salen);
int64_t epoxy_sendto(int fd, const void *buf, int64_t len, const void *sa, int salen);
int64_t epoxy_recv_wait(int fd, void *buf, int64_t len, int timeout_ms);

/* mem.c: buffer memory */
int64_t epoxy_mem_reserve(int64_t len);
int  epoxy_mem_release(int64_t addr, int64_t len);
int  epoxy_mem_unmap(int64_t addr, int64_t len);

/* proc.c: listener hand-over (SCM_RIGHTS), signals, privileges, detaching */
int  epoxy_unix_accept(int lfd, int timeout_ms);
int  epoxy_unix_connect(const char *name);
int  epoxy_peer_uid(int fd);
int  epoxy_send_fds(int sock, const void *buf, int len, const int32_t *fds, int nfds);
int  epoxy_recv_fds(int sock, void *buf, int len, int32_t *fds, int maxfds, int32_t *nfds);
int  epoxy_listens_on(int fd, const void *sa, int salen);
int  epoxy_getpid(void);
int  epoxy_geteuid(void);
int  epoxy_kill(int pid, int sig);
int  epoxy_setsid(void);
int  epoxy_setgid(int gid);
int  epoxy_setuid(int uid);
int  epoxy_chroot(const char *dir);
int  epoxy_devnull(int fd);

#endif
