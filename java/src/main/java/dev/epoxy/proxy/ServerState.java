package dev.epoxy.proxy;

/**
 * A server's state as load balancing, health checks and the runtime API see it.
 *
 * <p>Two parts, as in HAProxy: the <b>operational</b> state ({@link Op#UP} or {@link Op#DOWN}),
 * driven by health checks (or forced with {@link #setOperational}), and the <b>administrative</b>
 * flags MAINT and DRAIN, set by an operator ({@link #setMaint}, {@link #setDrain}). The state a
 * user sees ({@link #effective}) is MAINT if maintenance is set, else DOWN if the checks say so,
 * else DRAIN if draining, else UP. Only an UP server with a weight above 0 gets new requests
 * from load balancing (HAProxy's srv_currently_usable: a zero effective weight also takes a
 * server out). The weight is the runtime API's ({@code set server ... weight}, HAProxy's uweight,
 * 0..256, 1 by default); weighted round-robin and leastconn read it with {@link #weight()}.
 *
 * <p>Check counters follow HAProxy's {@code check->health}: from 0 to {@code rise + fall - 1}.
 * A server is operationally UP while health &ge; rise. A failed check decrements health, and once
 * it drops below rise it falls to 0 (DOWN): from fully up that takes {@code fall} consecutive
 * failures. A passed check increments it, and once it reaches rise it jumps to the maximum (UP):
 * from 0 that takes {@code rise} consecutive successes. A server starts UP with full health.
 *
 * <p>Threading protocol: every change (check results, on the check task's poller thread; runtime
 * API commands, on whatever thread serves them) is made by a {@code synchronized} method of this
 * object, which recomputes the volatile {@link #usable} flag before returning. The hot path
 * (server selection on every poller thread) reads only {@link #usable()}, one volatile read, and
 * never locks. Readers that need several fields together (display, log lines) take
 * {@link #snapshot()}, which copies them under the monitor. A selection racing with a change may
 * still pick the server once; HAProxy has the same window between its state change and the load
 * balancer update.
 */
public final class ServerState {
    public enum Op { UP, DOWN }

    /** What {@code show servers state} would print: the admin flags win over the checks. */
    public enum Effective { UP, DOWN, MAINT, DRAIN }

    /** HAProxy's check statuses (the short names of {@code show stat}'s check_status), with the log reason. */
    public enum CheckStatus {
        UNK("Unknown"),
        L4OK("Layer4 check passed"),
        L4TOUT("Layer4 timeout"),
        L4CON("Layer4 connection problem"),
        L7OK("Layer7 check passed"),
        L7STS("Layer7 wrong status"),
        L7RSP("Layer7 invalid response"),
        L7TOUT("Layer7 timeout");

        public final String reason;

        CheckStatus(String reason) {
            this.reason = reason;
        }

        public boolean passed() {
            return this == L4OK || this == L7OK;
        }

        /** HAProxy prints ", code: N" for these. */
        boolean showsCode() {
            return this == L7OK || this == L7STS;
        }
    }

    /** The outcome of one check, for the log line and the state. {@code code} 0 when none. */
    public record CheckResult(CheckStatus status, int code, String info, long durationMs) {
        /** {@code reason: R[, code: C][, info: "I"], check duration: Nms}, as HAProxy words it. */
        public String describe() {
            StringBuilder b = new StringBuilder(96);
            b.append("reason: ").append(status.reason);
            if (status.showsCode() && code > 0)
                b.append(", code: ").append(code);
            if (info != null && !info.isEmpty())
                b.append(", info: \"").append(info).append('"');
            return b.append(", check duration: ").append(durationMs).append("ms").toString();
        }
    }

    /** A consistent copy of every field, for display (runtime API) and log lines. */
    public record Snapshot(Effective state, Op op, boolean maint, boolean drain, boolean checked, int health,
                           int rise, int fall, CheckResult last, long failedChecks, long downTransitions,
                           long lastChangeMs, int weight) {
    }

    private final int rise, fall;
    private final boolean checked;
    private Op op = Op.UP;
    private boolean maint, drain;
    private int health;
    private CheckResult last;
    private long failedChecks, downTransitions;
    private long lastChangeMs = System.currentTimeMillis();
    private volatile int weight = 1;
    private volatile boolean usable = true;

    /** {@code checked}: the server has {@code check}; rise and fall as configured (defaults 2 and 3). */
    public ServerState(boolean checked, int rise, int fall) {
        this.checked = checked;
        this.rise = Math.max(1, rise);
        this.fall = Math.max(1, fall);
        this.health = this.rise + this.fall - 1;
    }

    /** Any thread, lock-free: the server may get new requests (UP, not draining, not in maintenance, weight above 0). */
    public boolean usable() {
        return usable;
    }

    /** Any thread, lock-free: the user weight (0..256), for weighted selection. */
    public int weight() {
        return weight;
    }

    /** The runtime API's {@code set server ... weight}: 0 takes the server out of load balancing. */
    public synchronized void setWeight(int w) {
        weight = w;
        recompute();
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(effective(), op, maint, drain, checked, health, rise, fall, last, failedChecks,
                downTransitions, lastChangeMs, weight);
    }

    public synchronized Effective effective() {
        if (maint)
            return Effective.MAINT;
        if (op == Op.DOWN)
            return Effective.DOWN;
        return drain ? Effective.DRAIN : Effective.UP;
    }

    /** HAProxy's srv_getinter: which interval the next check waits, from the health counter. */
    public synchronized long nextInterval(long inter, long fastinter, long downinter) {
        if (health == rise + fall - 1)
            return inter;
        if (op == Op.DOWN && health == 0)
            return downinter > 0 ? downinter : inter;
        return fastinter > 0 ? fastinter : inter;
    }

    /**
     * Applies one check result (check thread). Returns the operational state the server moved
     * to, or null when it did not change.
     */
    public synchronized Op checkResult(CheckResult r) {
        last = r;
        Op before = op;
        if (r.status().passed()) {
            if (health < rise + fall - 1) {
                health++;
                if (health >= rise)
                    health = rise + fall - 1;
            }
            if (health >= rise)
                op = Op.UP;
        } else {
            failedChecks++;
            if (health > 0) {
                health--;
                if (health < rise)
                    health = 0;
            }
            if (health < rise)
                op = Op.DOWN;
        }
        return changed(before);
    }

    /**
     * Forces the operational state (runtime API, HAProxy's {@code set server health up|down}):
     * health goes to its maximum or to 0. Returns the new state, or null if unchanged.
     */
    public synchronized Op setOperational(Op o) {
        Op before = op;
        op = o;
        health = o == Op.UP ? rise + fall - 1 : 0;
        return changed(before);
    }

    /** Maintenance (runtime API {@code set server ... state maint|ready}): no traffic, checks keep running. */
    public synchronized void setMaint(boolean on) {
        maint = on;
        lastChangeMs = System.currentTimeMillis();
        recompute();
    }

    /** Drain (runtime API {@code set server ... state drain|ready}): no new requests from load balancing. */
    public synchronized void setDrain(boolean on) {
        drain = on;
        lastChangeMs = System.currentTimeMillis();
        recompute();
    }

    /**
     * Sets both admin flags at once (runtime API: {@code ready} clears both, {@code drain} sets
     * DRAIN and clears MAINT, {@code maint} sets MAINT and clears DRAIN, as HAProxy's
     * srv_adm_set_*). Returns the state before the change, or null when nothing changed, so the
     * caller logs each change once even when two operators act at the same time.
     */
    public synchronized Snapshot setAdmin(boolean maint, boolean drain) {
        if (this.maint == maint && this.drain == drain)
            return null;
        Snapshot before = snapshot();
        this.maint = maint;
        this.drain = drain;
        lastChangeMs = System.currentTimeMillis();
        recompute();
        return before;
    }

    private Op changed(Op before) {
        recompute();
        if (op == before)
            return null;
        lastChangeMs = System.currentTimeMillis();
        if (op == Op.DOWN)
            downTransitions++;
        return op;
    }

    private void recompute() {
        usable = op == Op.UP && !maint && !drain && weight > 0;
    }
}
