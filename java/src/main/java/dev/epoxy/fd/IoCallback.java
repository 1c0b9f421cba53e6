package dev.epoxy.fd;

/**
 * I/O callback of an fd (HAProxy's iocb). Called on a poller thread that holds the fd's running
 * bit and is in its thread mask; it reads the fd's state ({@link FdTable#recvReady} etc.) and may
 * call want/stop/cant/may, or {@link FdTable#delete} on the fd.
 */
@FunctionalInterface
public interface IoCallback {
    void onIo(int fd);
}
