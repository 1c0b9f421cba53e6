package dev.epoxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** stdout lines go out in batches: a writer making one write(2) per line fell behind a busy proxy. */
class LogWriterTest {
    /** What System.out's file would receive, and in how many writes. */
    private static final class CountingStream extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int writes;

        @Override
        public void write(int b) {
            writes++;
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes++;
            bytes.write(b, off, len);
        }
    }

    /**
     * Lines offered one by one, 50 us apart, while the writer waits between passes (it is not
     * woken during that wait): every line is written, in order, within a second, and the writer
     * made a pass per few milliseconds rather than one per line (a wake-up per logged request
     * cost a poller about a tenth of its CPU).
     */
    @Test
    void linesKeepComingWhileTheWriterGathersAndNoneIsLost() throws Exception {
        java.util.List<String> got = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
        int n = 1000;
        try (LogWriter w = new LogWriter()) {
            LogWriter.Output o = w.register(new LogWriter.Output() {
                @Override
                void write(String line) {
                    got.add(line);
                }

                @Override
                void flush() {
                    passes.incrementAndGet();
                }
            });
            for (int i = 0; i < n; i++) {
                w.offer(o, "line " + i);
                for (long t = System.nanoTime(); System.nanoTime() - t < 50_000; )
                    Thread.onSpinWait();
            }
            long end = System.nanoTime() + 1_000_000_000L;
            while (got.size() < n && System.nanoTime() < end)
                Thread.sleep(1);
            assertEquals(n, got.size(), "lines written");
            for (int i = 0; i < n; i++)
                assertEquals("line " + i, got.get(i));
            assertTrue(passes.get() < n / 10, passes.get() + " passes for " + n + " lines");
        }
    }

    @Test
    void stdoutLinesAreWrittenInBatchesAndInOrder() {
        CountingStream file = new CountingStream();
        PrintStream saved = System.out;
        LogWriter.StdOutput out;
        // As the JVM makes System.out: autoflush, a 128-byte buffer (a write per line before).
        System.setOut(new PrintStream(new java.io.BufferedOutputStream(file, 128), true));
        try {
            out = new LogWriter.StdOutput(false);
        } finally {
            System.setOut(saved);
        }
        StringBuilder want = new StringBuilder();
        int lines = 1000;
        for (int i = 0; i < lines; i++) {
            String line = "127.0.0.1:40000 [03/Dec/2026:14:50:00.000] fe be/s1 0/0/0/1/1 200 120 - - ---- 1/1/0/0/0 0/0 \"GET /"
                    + i + " HTTP/1.1\"";
            want.append(line).append('\n');
            out.write(line);
        }
        assertTrue(file.bytes.size() >= LogWriter.BATCH, "a full batch is written without waiting for the end of the pass: "
                + file.bytes.size() + " bytes");
        out.flush();
        assertEquals(want.toString(), file.bytes.toString(StandardCharsets.UTF_8));
        int perLine = want.length() / lines;
        // PrintStream's encoder hands the stream 8 KiB at a time.
        assertTrue(file.writes <= want.length() / 8192 + 4, file.writes + " writes for " + lines + " lines of " + perLine + " bytes");
    }
}
