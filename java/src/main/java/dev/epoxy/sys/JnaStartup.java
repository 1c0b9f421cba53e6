package dev.epoxy.sys;

import com.sun.jna.Structure;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Spares JNA's first {@code Native.register} the one annotation it reads. Registering natives
 * builds JNA's {@code Structure.FFIType} descriptors, and JNA learns their field order from the
 * {@code @FieldOrder} annotation; reading an annotation the first time makes the JDK generate two
 * proxy classes, 15-20 ms of every start-up, which JDK 17's class-data sharing cannot archive.
 * JNA caches each structure's field order in a map, so the order is put there first.
 *
 * <p>Only done when {@code FFIType}'s public fields are the four named here (JNA 5's layout;
 * {@code JnaStartupTest} also checks them against the annotation, in order); otherwise, or if
 * JNA's map is not where it was, JNA reads the annotation as before. Runs in {@code Sys}'s static
 * initialiser, before any thread can use JNA; the map's own lock is taken all the same.
 */
final class JnaStartup {
    static final List<String> FFI_TYPE_FIELDS = List.of("size", "alignment", "type", "elements");

    /** Returns true if JNA's map now holds FFIType's field order. */
    @SuppressWarnings("unchecked")
    static boolean primeFieldOrder() {
        try {
            Class<?> ffiType = Class.forName("com.sun.jna.Structure$FFIType", false, Structure.class.getClassLoader());
            List<String> declared = new ArrayList<>();
            for (Field f : ffiType.getDeclaredFields())
                if (Modifier.isPublic(f.getModifiers()) && !Modifier.isStatic(f.getModifiers()))
                    declared.add(f.getName());
            if (declared.size() != FFI_TYPE_FIELDS.size() || !declared.containsAll(FFI_TYPE_FIELDS))
                return false;
            Field order = Structure.class.getDeclaredField("fieldOrder");
            Field lock = Structure.class.getDeclaredField("fieldOrderLock");
            order.setAccessible(true);
            lock.setAccessible(true);
            Lock w = ((ReentrantReadWriteLock) lock.get(null)).writeLock();
            w.lock();
            try {
                Map<Class<?>, List<String>> m = (Map<Class<?>, List<String>>) order.get(null);
                m.putIfAbsent(ffiType, FFI_TYPE_FIELDS);
                return FFI_TYPE_FIELDS.equals(m.get(ffiType));
            } finally {
                w.unlock();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private JnaStartup() {}
}
