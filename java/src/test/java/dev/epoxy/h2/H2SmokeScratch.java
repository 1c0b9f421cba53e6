package dev.epoxy.h2;

import dev.epoxy.testutil.TestBackend;
import org.junit.jupiter.api.Test;

class H2SmokeScratch {
    @Test
    void smoke() throws Exception {
        try (TestBackend be = TestBackend.ok();
             EpoxyUnderTest p = new EpoxyUnderTest(EpoxyUnderTest.config(1, "proto h2", "    server s1 127.0.0.1:" + be.port() + "\n"))) {
            EpoxyUnderTest.Run r = EpoxyUnderTest.run(10, "curl", "-sv", "--http2-prior-knowledge", "http://127.0.0.1:" + p.port("fe") + "/abc");
            System.out.println("exit=" + r.exit() + " out=" + r.text() + "\nerr=" + r.err());
        }
    }
}
