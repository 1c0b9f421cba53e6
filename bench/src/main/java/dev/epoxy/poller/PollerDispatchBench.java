package dev.epoxy.poller;

import dev.epoxy.fd.FdTable;
import dev.epoxy.fd.FdThreadCtx;
import dev.epoxy.sys.Abi;
import dev.epoxy.sys.Sys;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One poller loop's event phase as {@code Poller.loop} runs it: epoll_wait with a zero timeout on
 * a level-triggered set where {@code ready} socket fds are readable, then decoding each event from
 * the off-heap array and dispatching it through the fd protocol to a callback that does nothing
 * (so the fds stay readable). Costs per op: one syscall plus {@code ready} dispatches.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PollerDispatchBench {
    @Param({"1", "16", "64"})
    public int ready;

    private final FdTable table = new FdTable(4096);
    private FdThreadCtx ctx;
    private int epfd;
    private ByteBuffer events;
    private long eventsAddr;
    private int evSize;
    private int evDataOff;
    private long callbacks;

    @Setup
    public void setup() {
        epfd = Sys.epoxy_epoll_create();
        if (epfd < 0) throw new IllegalStateException("epoll_create " + epfd);
        ctx = new FdThreadCtx(table, 0, epfd, () -> { });
        table.bindThreads(new FdThreadCtx[] {ctx}, false);
        evSize = Abi.EPOLL_EVENT_SIZE;
        evDataOff = Abi.EPOLL_DATA_OFFSET;
        events = Sys.allocate(Poller.MAX_EVENTS * evSize);
        eventsAddr = Sys.address(events);
        ByteBuffer one = Sys.allocate(1);
        for (int i = 0; i < ready; i++) {
            int[] pair = Sys.socketpair();
            if (Sys.epoxy_write(pair[1], Sys.address(one), 1) != 1) throw new IllegalStateException("write");
            table.insert(pair[0], this, fd -> callbacks++, 0);
            table.wantRecv(pair[0]);
        }
        ctx.applyUpdates();
        if (poll() != ready) throw new IllegalStateException("expected " + ready + " ready fds");
    }

    @Benchmark
    public int poll() {
        int n = Sys.epoxy_epoll_wait(epfd, eventsAddr, Poller.MAX_EVENTS, 0);
        for (int i = 0; i < n; i++) {
            int base = i * evSize;
            int ev = events.getInt(base);
            long data = events.getLong(base + evDataOff);
            ctx.dispatch(data, ev);
        }
        return n;
    }
}
