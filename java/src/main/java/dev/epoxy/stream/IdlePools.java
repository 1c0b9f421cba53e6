package dev.epoxy.stream;

import dev.epoxy.conn.Connection;
import dev.epoxy.poller.Poller;
import dev.epoxy.poller.Task;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The idle connections of one server, one set per thread, as HAProxy keeps them: an "idle" list
 * (connections that served one request) and a "safe" list (connections reused at least once,
 * so the server is known to keep them alive).
 *
 * <p>Protocol: each thread's lists are guarded by that thread's lock. The owner thread adds,
 * takes and removes under it; another thread may only steal: under the owner's lock (tryLock,
 * never waiting), it calls {@link dev.epoxy.fd.FdTable#takeover}, which fails if the owner is
 * running the fd's I/O callback at that moment, and removes the connection only on success.
 * The owner's I/O callback for an idle connection takes the same lock and acts only if the
 * connection is still listed ({@link #removeIfListed}); a connection taken over is no longer
 * listed and its callback no longer runs on the old thread (the fd table's thread mask).
 * {@code size} counts pooled connections over all threads, growing only within {@code pool-max-conn}
 * ({@link dev.epoxy.conn.BoundedCounter});
 * a connection that cannot move to another thread ({@link BackendConn#movable()}, HTTP/2) is
 * never stolen. Each thread also lists its multiplexed connections that are in use and can take
 * one more stream ({@code avail}, HAProxy's available list): the owner thread alone touches it,
 * so it needs no lock.
 * {@code used} counts connections attached to streams and {@code estNeed} its recent peak
 * (decaying at each purge), which bound how many idle connections are worth keeping.
 */
public final class IdlePools {
    private static final class PerThread {
        final ReentrantLock lock = new ReentrantLock();
        final ArrayDeque<BackendConn> idle = new ArrayDeque<>(), safe = new ArrayDeque<>();
        /** Multiplexed connections in use with room for another stream; owner thread only. */
        final ArrayDeque<BackendConn> avail = new ArrayDeque<>();
        Task purge;
    }

    private final PerThread[] threads;
    private final int maxConn;
    private final long purgeDelayMs;
    private final dev.epoxy.conn.BoundedCounter size = new dev.epoxy.conn.BoundedCounter();
    private final AtomicInteger next = new AtomicInteger();
    /** Connections to this server attached to streams right now, and the recent peak of that. */
    private final AtomicInteger used = new AtomicInteger(), estNeed = new AtomicInteger();
    /** Connections moved from one thread to another (for tests and stats). */
    public final AtomicInteger takeovers = new AtomicInteger();

    /** {@code tune.idle-pool.shared}: other threads' idle connections may be taken over. */
    private final boolean shared;

    public IdlePools(int nbThreads, int maxConn, long purgeDelayMs) {
        this(nbThreads, maxConn, purgeDelayMs, true);
    }

    public IdlePools(int nbThreads, int maxConn, long purgeDelayMs, boolean shared) {
        this.shared = shared;
        threads = new PerThread[nbThreads];
        for (int i = 0; i < nbThreads; i++)
            threads[i] = new PerThread();
        this.maxConn = maxConn;
        this.purgeDelayMs = purgeDelayMs;
    }

    /** {@code pool-max-conn}: -1 unlimited, 0 no pooling. */
    public int maxConn() {
        return maxConn;
    }

    public int size() {
        return size.get();
    }

    /** A stream starts using a connection to this server (new or reused). */
    public void acquired() {
        int u = used.incrementAndGet();
        int e;
        while ((e = estNeed.get()) < u && !estNeed.compareAndSet(e, u)) {
        }
    }

    /** A stream stopped using one (before it is pooled or closed). */
    public void released() {
        used.decrementAndGet();
    }

    /**
     * Pools an idle connection on the calling (owner) thread; false when the pool is full or
     * pooling is off ({@code pool-max-conn 0}, {@code pool-purge-delay 0}): then close it.
     */
    public boolean add(Poller me, BackendConn c, boolean safe) {
        if (maxConn == 0 || purgeDelayMs <= 0)
            return false;
        if (!size.tryIncrement(maxConn)) // maxConn < 0: no bound
            return false;
        PerThread t = threads[me.tid()];
        t.lock.lock();
        try {
            // HAProxy's admission rule: keep it if this thread has none of its kind yet, or if
            // idle plus used connections stay within the recent need; otherwise it is surplus.
            boolean firstOfKind = safe ? t.safe.isEmpty() : t.safe.isEmpty() && t.idle.isEmpty();
            if (!firstOfKind && size.get() - 1 + used.get() >= Math.max(1, estNeed.get())) {
                size.decrement();
                return false;
            }
            c.idleSince(me.nowMs());
            (safe ? t.safe : t.idle).addFirst(c);
            if (t.purge == null)
                t.purge = new Task(me, () -> purge(me));
            if (t.purge.expire() == Task.NEVER)
                t.purge.expireAt(me.nowMs() + purgeDelayMs);
        } finally {
            t.lock.unlock();
        }
        return true;
    }

    /**
     * Takes a connection for a stream on the calling thread: from its own lists first, then
     * stolen from another thread. {@code safeOnly}: only proven connections (first requests in
     * aggressive mode); {@code safeFirst}: prefer them (first requests in always mode).
     */
    public BackendConn take(Poller me, boolean safeOnly, boolean safeFirst) {
        if (size.get() == 0)
            return null;
        PerThread own = threads[me.tid()];
        own.lock.lock();
        try {
            BackendConn c = pick(own, safeOnly, safeFirst);
            if (c != null)
                return c;
        } finally {
            own.lock.unlock();
        }
        if (!shared)
            return null;
        int n = threads.length;
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            int tid = (start + i) % n;
            if (tid == me.tid())
                continue;
            PerThread t = threads[tid];
            if (!t.lock.tryLock())
                continue;
            try {
                BackendConn c = steal(me, t, safeOnly, safeFirst);
                if (c != null)
                    return c;
            } finally {
                t.lock.unlock();
            }
        }
        return null;
    }

    private BackendConn pick(PerThread t, boolean safeOnly, boolean safeFirst) {
        ArrayDeque<BackendConn> first = safeOnly || safeFirst ? t.safe : t.idle;
        ArrayDeque<BackendConn> second = safeOnly ? null : safeFirst ? t.idle : t.safe;
        BackendConn c = first.pollFirst();
        if (c == null && second != null)
            c = second.pollFirst();
        if (c != null)
            size.decrement();
        return c;
    }

    private BackendConn steal(Poller me, PerThread t, boolean safeOnly, boolean safeFirst) {
        ArrayDeque<BackendConn> first = safeOnly || safeFirst ? t.safe : t.idle;
        ArrayDeque<BackendConn> second = safeOnly ? null : safeFirst ? t.idle : t.safe;
        for (ArrayDeque<BackendConn> list : new ArrayDeque[] {first, second}) {
            if (list == null)
                continue;
            for (Iterator<BackendConn> it = list.iterator(); it.hasNext();) {
                BackendConn c = it.next();
                Connection conn = c.connection();
                if (c.movable() && me.fdTable().takeover(conn.fd, conn)) {
                    it.remove();
                    size.decrement();
                    conn.adopt(me);
                    takeovers.incrementAndGet();
                    me.countTakeover();
                    return c;
                }
            }
        }
        return null;
    }

    /**
     * A multiplexed connection of the calling thread with room for another stream (the first
     * listed that still has it), or null. It stays listed: its owner withdraws it when full.
     */
    public BackendConn takeAvail(Poller me) {
        for (BackendConn c : threads[me.tid()].avail)
            if (c.acceptsStream())
                return c;
        return null;
    }

    /** Lists a multiplexed connection of the calling thread as able to take another stream. */
    public void addAvail(Poller me, BackendConn c) {
        threads[me.tid()].avail.addLast(c);
    }

    /** Withdraws it (full, dying, or without streams and going to the idle lists or closed). */
    public void removeAvail(Poller me, BackendConn c) {
        threads[me.tid()].avail.remove(c);
    }

    /**
     * Called by the owner thread when an idle connection saw an event: removes it if it is still
     * pooled here and returns true (the caller then closes it), false if a stream or another
     * thread has taken it.
     */
    public boolean removeIfListed(Poller me, BackendConn c) {
        PerThread t = threads[me.tid()];
        t.lock.lock();
        try {
            if (t.idle.remove(c) || t.safe.remove(c)) {
                size.decrement();
                return true;
            }
            return false;
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Every {@code pool-purge-delay}, closes half (rounded up) of the connections that have been
     * idle for a whole delay, oldest first; re-arms while connections remain.
     */
    private void purge(Poller me) {
        PerThread t = threads[me.tid()];
        long now = me.nowMs();
        estNeed.set(Math.max(used.get(), estNeed.get() / 2));
        ArrayDeque<BackendConn> doomed = new ArrayDeque<>();
        t.lock.lock();
        try {
            int old = 0;
            for (BackendConn c : t.idle)
                if (now - c.idleSince() >= purgeDelayMs)
                    old++;
            for (BackendConn c : t.safe)
                if (now - c.idleSince() >= purgeDelayMs)
                    old++;
            int kill = (old + 1) / 2;
            while (kill > 0 && (!t.idle.isEmpty() || !t.safe.isEmpty())) {
                ArrayDeque<BackendConn> list = t.idle.isEmpty() ? t.safe
                        : t.safe.isEmpty() ? t.idle
                        : t.idle.peekLast().idleSince() <= t.safe.peekLast().idleSince() ? t.idle : t.safe;
                if (now - list.peekLast().idleSince() < purgeDelayMs)
                    break;
                doomed.add(list.pollLast());
                size.decrement();
                kill--;
            }
            t.purge.expireAt(t.idle.isEmpty() && t.safe.isEmpty() ? Task.NEVER : now + purgeDelayMs);
        } finally {
            t.lock.unlock();
        }
        for (BackendConn c : doomed)
            c.close(false);
    }
}
