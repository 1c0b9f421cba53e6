package dev.epoxy.sys;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of crossing into the C shim through JNA direct mapping: a call that does nothing, then the
 * two cheapest real syscalls a poller makes all the time (epoll_wait with a zero timeout on an
 * empty set, and a read that finds no data).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SysBench {
    private int epfd;
    private long eventsAddr;
    private ByteBuffer events;
    private int sock;
    private ByteBuffer buf;
    private long bufAddr;
    private int x;

    @Setup
    public void setup() {
        epfd = Sys.epoxy_epoll_create();
        events = Sys.allocate(200 * Abi.EPOLL_EVENT_SIZE);
        eventsAddr = Sys.address(events);
        sock = Sys.socketpair()[0];
        buf = Sys.allocate(4096);
        bufAddr = Sys.address(buf);
        if (Sys.epoxy_read(sock, bufAddr, 4096) != -Abi.EAGAIN) throw new IllegalStateException("expected EAGAIN");
    }

    @Benchmark
    public int noop() {
        return Sys.epoxy_noop(x++);
    }

    @Benchmark
    public int epollWaitZero() {
        return Sys.epoxy_epoll_wait(epfd, eventsAddr, 200, 0);
    }

    @Benchmark
    public long readEagain() {
        return Sys.epoxy_read(sock, bufAddr, 4096);
    }
}
