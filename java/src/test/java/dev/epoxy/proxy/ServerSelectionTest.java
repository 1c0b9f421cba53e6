package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.epoxy.config.Balance;
import dev.epoxy.sys.SockAddr;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Load balancing skips servers that are DOWN, in maintenance or draining; the health counter as HAProxy's. */
class ServerSelectionTest {
    private static Backend backend(Balance b, int n) {
        Backend be = new Backend("be");
        be.balance = b;
        for (int i = 0; i < n; i++)
            be.servers.add(new Server(be, "s" + i, SockAddr.of("127.0.0.1", 1000 + i), false));
        return be;
    }

    @Test
    void everyAlgorithmSkipsUnusableServers() {
        for (Balance b : Balance.values()) {
            Backend be = backend(b, 3);
            Server s0 = be.servers.get(0), s1 = be.servers.get(1), s2 = be.servers.get(2);
            s0.state.setOperational(ServerState.Op.DOWN);
            s1.state.setMaint(true);
            for (int i = 0; i < 10; i++)
                assertSame(s2, be.pick(0), b + " picks the only usable server");
            assertSame(s2, be.pick(s2, 0), b + ": the server to avoid when it is the only one");
            s2.state.setDrain(true);
            assertNull(be.pick(0), b + ": none usable");
            assertEquals(0, be.usableCount());
            s1.state.setMaint(false);
            s2.state.setDrain(false);
            Set<Server> seen = new HashSet<>();
            for (int i = 0; i < 10; i++)
                seen.add(be.pick(s1, 0));
            assertEquals(Set.of(s2), seen, b + " avoids s1 (a redispatch) when s2 is usable");
        }
    }

    @Test
    void roundRobinAlternatesBetweenTheUsableServers() {
        Backend be = backend(Balance.ROUNDROBIN, 3);
        be.servers.get(0).state.setOperational(ServerState.Op.DOWN);
        int[] hits = new int[3];
        for (int i = 0; i < 100; i++)
            hits[be.servers.indexOf(be.pick(0))]++;
        assertEquals(0, hits[0]);
        assertTrue(Math.abs(hits[1] - hits[2]) <= 2, "even spread, got " + hits[1] + "/" + hits[2]);
    }

    @Test
    void weightsAndCheckStateShareOneUsableFlag() {
        Backend be = backend(Balance.ROUNDROBIN, 3);
        Server s0 = be.servers.get(0), s1 = be.servers.get(1), s2 = be.servers.get(2);
        s1.state.setWeight(3);
        s2.state.setOperational(ServerState.Op.DOWN);
        int[] hits = new int[3];
        for (int i = 0; i < 40; i++)
            hits[be.servers.indexOf(be.pick(0))]++;
        assertEquals(10, hits[0]);
        assertEquals(30, hits[1], "weight 3 against 1, the DOWN server skipped");
        s1.state.setWeight(0);
        assertEquals(1, be.usableCount(), "weight 0 takes a server out");
        assertSame(s0, be.pick(0));
        assertSame(s0, be.pick(s0, 0), "the server to avoid when it is the only one");
        s0.state.setAdmin(true, false);
        assertNull(be.pick(0));
        assertEquals(12, s0.counters.sum(dev.epoxy.metrics.Counters.LBTOT), "lbtot counts every choice");
        assertEquals(30, s1.counters.sum(dev.epoxy.metrics.Counters.LBTOT));
    }

    @Test
    void statusColumnAsHAProxys() {
        ServerState st = new ServerState(true, 2, 3);
        ServerState.CheckResult ko = new ServerState.CheckResult(ServerState.CheckStatus.L4CON, 0, "Connection refused", 0);
        ServerState.CheckResult ok = new ServerState.CheckResult(ServerState.CheckStatus.L4OK, 0, null, 0);
        assertEquals("UP", Stats.status(st.snapshot()));
        st.checkResult(ko);
        assertEquals("UP 2/3", Stats.status(st.snapshot()), "going down");
        st.checkResult(ko);
        st.checkResult(ko);
        assertEquals("DOWN", Stats.status(st.snapshot()));
        st.setAdmin(false, true);
        assertEquals("DOWN", Stats.status(st.snapshot()), "DOWN from checks wins over drain");
        st.checkResult(ok);
        assertEquals("DOWN 1/2", Stats.status(st.snapshot()), "going up");
        st.setAdmin(true, false);
        assertEquals("MAINT", Stats.status(st.snapshot()));
        assertNull(st.setAdmin(true, false), "no change, nothing to log");
        assertEquals("no check", Stats.status(new ServerState(false, 2, 3).snapshot()));
    }

    @Test
    void healthCounterFollowsRiseAndFall() {
        ServerState st = new ServerState(true, 2, 3);
        ServerState.CheckResult ok = new ServerState.CheckResult(ServerState.CheckStatus.L4OK, 0, null, 0);
        ServerState.CheckResult ko = new ServerState.CheckResult(ServerState.CheckStatus.L4CON, 0, "Connection refused", 0);
        assertEquals(4, st.snapshot().health(), "starts UP with rise+fall-1");
        assertNull(st.checkResult(ko));
        assertNull(st.checkResult(ok), "a success in between restores full health");
        assertNull(st.checkResult(ko));
        assertNull(st.checkResult(ko));
        assertEquals(ServerState.Op.DOWN, st.checkResult(ko), "fall 3");
        assertEquals(0, st.snapshot().health());
        assertEquals(1000, st.nextInterval(2000, 500, 1000), "downinter while fully down");
        assertNull(st.checkResult(ok));
        assertEquals(500, st.nextInterval(2000, 500, 1000), "fastinter while rising");
        assertEquals(ServerState.Op.UP, st.checkResult(ok), "rise 2");
        assertEquals(2000, st.nextInterval(2000, 500, 1000));
        assertEquals(1, st.snapshot().downTransitions());
        assertEquals(4, st.snapshot().failedChecks());
    }
}
