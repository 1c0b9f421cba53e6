package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.epoxy.sys.Abi;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The peer address text of an accepted connection, as the logs print it (%ci). */
class ListenerPeerHostTest {
    private static String host(int a, int b, int c, int d) {
        ByteBuffer sa = ByteBuffer.allocate(Abi.SOCKADDR_STORAGE_SIZE).order(ByteOrder.nativeOrder());
        sa.putShort(0, (short) Abi.AF_INET);
        sa.put(4, (byte) a).put(5, (byte) b).put(6, (byte) c).put(7, (byte) d);
        return Listener.peerHost(sa);
    }

    @Test
    void ipv4AsInetAddressWouldPrintIt() throws Exception {
        int[][] cases = {{127, 0, 0, 1}, {0, 0, 0, 0}, {255, 255, 255, 255}, {10, 99, 100, 9}, {192, 168, 1, 200}, {1, 20, 120, 250}};
        for (int[] c : cases) {
            String expected = InetAddress.getByAddress(new byte[] {(byte) c[0], (byte) c[1], (byte) c[2], (byte) c[3]}).getHostAddress();
            assertEquals(expected, host(c[0], c[1], c[2], c[3]));
        }
    }
}
