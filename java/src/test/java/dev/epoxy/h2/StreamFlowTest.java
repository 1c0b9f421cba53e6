package dev.epoxy.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StreamFlowTest {

    @Test
    void sendingTakesFromTheStreamAndTheSharedConnectionWindow() throws H2Exception {
        FlowWindow conn = new FlowWindow(0, 100_000);
        StreamFlow a = new StreamFlow(1, 65_535, 65_535, conn);
        StreamFlow b = new StreamFlow(3, 65_535, 65_535, conn);
        assertEquals(65_535, a.sendable());
        a.sent(60_000);
        assertEquals(5_535, a.sendable(), "the stream's window is the smaller");
        assertEquals(40_000, b.sendable(), "the connection's window is the smaller");
        b.sent(40_000);
        assertEquals(0, a.sendable());
        assertEquals(0, b.sendable());
        conn.credit(10_000);
        assertEquals(5_535, a.sendable());
        a.peerCredit(100_000);
        assertEquals(10_000, a.sendable());
        assertEquals(105_535, a.sendWindow());
        assertEquals(10_000, a.connSendWindow());
    }

    @Test
    void initialWindowChangeMayCloseTheSendWindow() throws H2Exception {
        StreamFlow f = new StreamFlow(1, 65_535, 65_535, new FlowWindow(0, 1 << 30));
        f.sent(60_000);
        assertFalse(f.peerInitialWindowChanged(-10_000), "5535 - 10000 < 0");
        assertEquals(0, f.sendable());
        assertTrue(f.peerInitialWindowChanged(5_000));
        assertEquals(535, f.sendable());
        H2Exception e = assertThrows(H2Exception.class, () -> f.peerInitialWindowChanged(H2Frame.MAX_WINDOW_SIZE));
        assertTrue(e.isConnectionError());
    }

    @Test
    void receivingBeyondTheGrantIsAStreamFlowControlError() throws H2Exception {
        StreamFlow f = new StreamFlow(5, 1_000, 65_535, new FlowWindow(0, 65_535));
        f.received(600);
        H2Exception e = assertThrows(H2Exception.class, () -> f.received(401));
        assertTrue(e.isStreamError());
        assertEquals(5, e.streamId());
        assertEquals(H2Error.FLOW_CONTROL_ERROR, e.error());
        f.received(400);
        assertEquals(0, f.recvWindow());
    }

    @Test
    void drainedBytesAreCreditedAtTheThresholdOrWhenTheChannelIsEmpty() throws H2Exception {
        StreamFlow f = new StreamFlow(1, 65_535, 65_535, new FlowWindow(0, 65_535));
        f.received(40_000);
        assertEquals(0, f.creditDue(0, 40_000), "nothing drained");
        assertEquals(0, f.creditDue(10_000, 30_000), "below the threshold, channel not empty");
        assertEquals(StreamFlow.CREDIT_THRESHOLD, f.creditDue(StreamFlow.CREDIT_THRESHOLD, 40_000 - StreamFlow.CREDIT_THRESHOLD));
        f.granted(StreamFlow.CREDIT_THRESHOLD);
        assertEquals(0, f.creditDue(StreamFlow.CREDIT_THRESHOLD, 40_000 - StreamFlow.CREDIT_THRESHOLD), "already credited");
        assertEquals(40_000 - StreamFlow.CREDIT_THRESHOLD, f.creditDue(40_000, 0), "the channel is empty");
        f.granted(40_000 - StreamFlow.CREDIT_THRESHOLD);
        assertEquals(65_535, f.recvWindow(), "everything received was given back");
        assertEquals(40_000, f.creditedOut());
    }

    @Test
    void deferredCreditIsDueAgainAtTheNextLookEvenWithoutAFurtherDrain() throws H2Exception {
        StreamFlow f = new StreamFlow(1, 65_535, 65_535, new FlowWindow(0, 65_535));
        f.received(65_535); // the peer is blocked on this window
        int n = f.creditDue(65_535, 0);
        assertEquals(65_535, n);
        f.defer(n); // no output room for the WINDOW_UPDATE
        assertEquals(65_535, f.deferred());
        assertEquals(65_535, f.creditDue(65_535, 0), "due although nothing more was drained");
        assertEquals(0, f.deferred());
        f.granted(35_535);
        f.defer(30_000); // part of it went out, the rest found no room again
        f.received(35_535);
        assertEquals(0, f.recvWindow());
        assertEquals(30_000 + 5_000, f.creditDue(65_535 + 5_000, 30_535), "deferred credit joins newly drained bytes");
        f.granted(35_000);
        assertEquals(35_000, f.recvWindow());
    }

    @Test
    void settleDropsDeferredCreditAndCreditsNothingMore() throws H2Exception {
        FlowWindow conn = new FlowWindow(0, 65_535);
        StreamFlow f = new StreamFlow(1, 65_535, 65_535, conn);
        f.received(30_000);
        f.defer(f.creditDue(20_000, 10_000));
        assertEquals(20_000, f.deferred());
        f.sent(1_000);
        f.settle();
        assertTrue(f.settled());
        assertEquals(0, f.deferred(), "the stream is reset: its credit is never sent");
        assertEquals(0, f.creditDue(30_000, 0), "nothing is due after settling");
        f.defer(5);
        assertEquals(0, f.deferred());
        assertEquals(64_535, conn.size(), "DATA really sent stays taken from the connection");
        f.settle();
        assertTrue(f.settled(), "idempotent");
    }
}
