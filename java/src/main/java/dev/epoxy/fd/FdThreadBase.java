package dev.epoxy.fd;

/**
 * A thread that takes part in the fd protocol: it carries its {@link FdThreadCtx} so that
 * {@link FdTable} finds the caller's thread id and private update list with one type test instead
 * of a ThreadLocal lookup. Poller threads extend it.
 */
public class FdThreadBase extends Thread {
    final FdThreadCtx fdCtx;

    protected FdThreadBase(FdThreadCtx ctx, Runnable body, String name) {
        super(body, name);
        this.fdCtx = ctx;
        ctx.thread = this;
    }
}
