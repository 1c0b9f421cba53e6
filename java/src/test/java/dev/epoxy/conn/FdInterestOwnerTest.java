package dev.epoxy.conn;

import static org.junit.jupiter.api.Assertions.*;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fd interest rule as a build check: only the packages {@code conn}, {@code fd} and
 * {@code poller} call the fd table's interest methods (want/stop/cant); muxes, streams and the
 * runtime state their needs through {@link Connection} (or {@link ListenerFd}). The compiled
 * classes are read, so a call cannot hide behind a local variable or a lambda.
 */
class FdInterestOwnerTest {
    private static final String FD_TABLE = "dev/epoxy/fd/FdTable";
    private static final Set<String> INTEREST = Set.of("wantRecv", "wantSend", "stopRecv", "stopSend", "stopBoth",
            "cantRecv", "cantSend", "mayRecv", "maySend");
    private static final Set<String> OWNERS = Set.of("dev/epoxy/conn/", "dev/epoxy/fd/", "dev/epoxy/poller/");

    @Test
    void onlyTheConnectionLayerSetsFdInterest() throws Exception {
        Path classes = Path.of(Connection.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> offenders = new ArrayList<>();
        int scanned = 0;
        boolean connectionSeen = false;
        try (Stream<Path> files = Files.walk(classes.resolve("dev/epoxy"))) {
            for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".class"))::iterator) {
                String name = classes.relativize(f).toString().replace('\\', '/');
                List<String> calls = interestCalls(f);
                scanned++;
                if (name.equals("dev/epoxy/conn/Connection.class"))
                    connectionSeen = !calls.isEmpty();
                if (!calls.isEmpty() && OWNERS.stream().noneMatch(name::startsWith))
                    offenders.add(name + " calls FdTable." + calls);
            }
        }
        assertTrue(scanned > 50, "the compiled classes were found (" + scanned + ")");
        assertTrue(connectionSeen, "the scan recognises Connection's own calls (the check itself works)");
        assertEquals(List.of(), offenders, "fd interest set outside conn/fd/poller (see docs/fd-protocol.md)");
    }

    /** The FdTable interest methods a class file refers to (its constant pool's method references). */
    static List<String> interestCalls(Path classFile) throws IOException {
        try (InputStream in = Files.newInputStream(classFile)) {
            DataInputStream d = new DataInputStream(new java.io.BufferedInputStream(in));
            if (d.readInt() != 0xCAFEBABE)
                throw new IOException("not a class file: " + classFile);
            d.readUnsignedShort(); // minor
            d.readUnsignedShort(); // major
            int n = d.readUnsignedShort();
            String[] utf8 = new String[n];
            int[] classNameIdx = new int[n], natNameIdx = new int[n];
            List<int[]> methodRefs = new ArrayList<>(); // {class index, name-and-type index}
            for (int i = 1; i < n; i++) {
                int tag = d.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = d.readUTF();
                    case 3, 4 -> d.readInt();
                    case 5, 6 -> {
                        d.readLong();
                        i++; // takes two slots
                    }
                    case 7 -> classNameIdx[i] = d.readUnsignedShort();
                    case 8, 16, 19, 20 -> d.readUnsignedShort();
                    case 9, 17, 18 -> d.readInt();
                    case 10, 11 -> methodRefs.add(new int[] {d.readUnsignedShort(), d.readUnsignedShort()});
                    case 12 -> {
                        natNameIdx[i] = d.readUnsignedShort();
                        d.readUnsignedShort();
                    }
                    case 15 -> {
                        d.readUnsignedByte();
                        d.readUnsignedShort();
                    }
                    default -> throw new IOException("constant pool tag " + tag + " in " + classFile);
                }
            }
            List<String> found = new ArrayList<>();
            for (int[] r : methodRefs) {
                String owner = utf8[classNameIdx[r[0]]], method = utf8[natNameIdx[r[1]]];
                if (FD_TABLE.equals(owner) && INTEREST.contains(method))
                    found.add(method);
            }
            return found;
        }
    }
}
