package dev.epoxy.sys;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.jna.Structure;
import java.util.List;
import org.junit.jupiter.api.Test;

class JnaStartupTest {
    /** The order put in JNA's cache is the one its annotation gives: a wrong one would corrupt libffi's type descriptors. */
    @Test
    void fieldOrderIsTheAnnotations() throws Exception {
        Class<?> ffiType = Class.forName("com.sun.jna.Structure$FFIType", false, Structure.class.getClassLoader());
        Structure.FieldOrder a = ffiType.getAnnotation(Structure.FieldOrder.class);
        assertNotNull(a, "FFIType has no @FieldOrder: JNA changed, see JnaStartup");
        assertEquals(List.of(a.value()), JnaStartup.FFI_TYPE_FIELDS);
    }

    /** Fails when a JNA upgrade moves the cache: start-up would silently be 15-20 ms slower again. */
    @Test
    void cacheHoldsTheOrderOnceSysIsLoaded() {
        assertEquals(7, Sys.epoxy_noop(7));
        assertTrue(JnaStartup.primeFieldOrder());
    }
}
