package dev.splot.backend.nativecpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.testing.RequiredBackends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The native library brings its OpenMP runtime: libgomp is packaged next to the JNI library and
 * loaded from there (JavaCPP's preload) before the JNI library, so a machine without GCC's runtime
 * still starts the native backend. Checked from the process's memory map: the libgomp in use is
 * the packaged one, not the system's.
 */
class NativeRuntimeBundleTest {
    @Test
    void libgompIsLoadedFromThePackagedCopy() throws Exception {
        Path maps = Path.of("/proc/self/maps");
        Assumptions.assumeTrue(Files.isReadable(maps), "needs Linux's /proc/self/maps");
        try (NativeBackend be = RequiredBackends.nativeBackend()) {
            List<String> gomp = Files.readAllLines(maps).stream().filter(l -> l.contains("libgomp")).map(l -> l.substring(l.indexOf('/')))
                    .distinct().toList();
            assertFalse(gomp.isEmpty(), "libgomp is mapped once the native backend runs");
            assertTrue(gomp.stream().allMatch(p -> p.contains("linux-x86_64")),
                    "libgomp must come from the packaged copy (…/linux-x86_64/libgomp.so.1, or JavaCPP's cache of it), not the system: " + gomp);
        }
    }
}
