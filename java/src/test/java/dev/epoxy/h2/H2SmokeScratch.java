package dev.epoxy.h2;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class H2SmokeScratch {
    @Test
    void smoke() throws Exception {
        Path dir = Files.createTempDirectory("h2d");
        Files.write(dir.resolve("big"), new byte[20 << 20]);
        Files.writeString(dir.resolve("small"), "small file\n");
        int port = EpoxyUnderTest.freePort();
        Process srv = EpoxyUnderTest.start("nghttpd", "--no-tls", "-d", dir.toString(), "-a", "127.0.0.1", String.valueOf(port));
        Thread.sleep(300);
        try (EpoxyUnderTest p = new EpoxyUnderTest(EpoxyUnderTest.config(1, "", "    server s1 127.0.0.1:" + port + " proto h2\n"))) {
            String url = "http://127.0.0.1:" + p.port("fe") + "/small";
            EpoxyUnderTest.Run r = EpoxyUnderTest.run(10, "curl", "-sv", url);
            System.out.println("h1 exit=" + r.exit() + " out=" + r.text() + " err=" + r.err());
            r = EpoxyUnderTest.run(10, "curl", "-s", "--http2-prior-knowledge", url);
            System.out.println("h2 exit=" + r.exit() + " out=" + r.text() + " err=" + r.err());
            long t0 = System.nanoTime();
            r = EpoxyUnderTest.run(20, "curl", "-s", "-o", "/dev/null", "-w", "%{size_download} %{http_code}", "http://127.0.0.1:" + p.port("fe") + "/big");
            System.out.println("big exit=" + r.exit() + " out=" + r.text() + " err=" + r.err() + " ms=" + (System.nanoTime() - t0) / 1000000);
            r = EpoxyUnderTest.run(20, "curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{size_download} %{http_code}", "http://127.0.0.1:" + p.port("fe") + "/big");
            System.out.println("big h2 exit=" + r.exit() + " out=" + r.text() + " err=" + r.err() + " ms=" + (System.nanoTime() - t0) / 1000000);
        } finally {
            srv.destroyForcibly();
        }
    }
}
