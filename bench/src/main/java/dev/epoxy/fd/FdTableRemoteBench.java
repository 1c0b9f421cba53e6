package dev.epoxy.fd;

import org.openjdk.jmh.annotations.Fork;

/**
 * The FdTableBench operations called from a thread that is not the fd's poller (as a stream on
 * another thread waking a connection): want goes through the target thread's shared inbox (a
 * lock) and a wake-up. The consume still runs here, which stands for the poller doing it.
 */
@Fork(value = 1, jvmArgsAppend = {"-Djmh.executor=PLATFORM"})
public class FdTableRemoteBench extends FdTableBench {
    @Override
    boolean expectOwnerThread() {
        return false;
    }
}
