package dev.epoxy.fd;

import dev.epoxy.sys.Abi;
import dev.epoxy.sys.Sys;
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
 * FdTable bookkeeping on the fd's own poller thread (private update list), the common case: a
 * connection fd runs on one thread and its callbacks change its own polling interest.
 * See {@link FdTableRemoteBench} for the same operations from another thread (shared inbox).
 *
 * <ul>
 *   <li>{@code stopWantApply}: interest dropped and taken back before the poller runs, then the
 *       poller consumes the update list and finds nothing to change (no syscall): the pure cost of
 *       want/stop, the update bit, the list and the consume.</li>
 *   <li>{@code dispatchEvent}: one EPOLLIN report through generation check and updateEvents
 *       (reference, running bit, state CAS, callback, release), callback doing nothing.</li>
 *   <li>{@code cycleWithEpollCtl}: stop, event (lazy removal queues an update), consume (EPOLL_CTL_DEL),
 *       want, consume (EPOLL_CTL_ADD): bookkeeping plus two real epoll_ctl calls.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.epoxy.fd.FdBenchThreads"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FdTableBench {
    FdTable table;
    FdThreadCtx ctx;
    int fd;
    long data;
    int callbacks;

    boolean expectOwnerThread() {
        return true;
    }

    @Setup
    public void setup() {
        if (FdBenchThreads.onOwnerThread() != expectOwnerThread()) {
            throw new IllegalStateException("benchmark thread is not the expected kind (executor setting?)");
        }
        table = FdBenchThreads.TABLE;
        ctx = FdBenchThreads.CTX;
        int[] pair = Sys.socketpair();
        Sys.epoxy_eventfd_write(pair[0]); // unused data, only to have a real fd
        fd = pair[0];
        table.insert(fd, this, f -> callbacks++, 0);
        table.wantRecv(fd);
        ctx.applyUpdates();
        if (table.polledRecvMask(fd) != 1) throw new IllegalStateException("fd not polled");
        data = ((long) table.generation(fd) << 32) | fd;
    }

    @Benchmark
    public int stopWantApply() {
        table.stopRecv(fd);
        table.wantRecv(fd);
        ctx.applyUpdates();
        return table.state(fd);
    }

    @Benchmark
    public int dispatchEvent() {
        ctx.dispatch(data, Abi.EPOLLIN);
        return callbacks;
    }

    @Benchmark
    public long cycleWithEpollCtl() {
        table.stopRecv(fd);
        ctx.dispatch(data, Abi.EPOLLIN); // inactive direction reported: queue its removal
        ctx.applyUpdates();              // EPOLL_CTL_DEL
        table.wantRecv(fd);
        ctx.applyUpdates();              // EPOLL_CTL_ADD
        return ctx.epollCtl();
    }
}
