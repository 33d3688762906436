package dev.splot.backend.opencl;

import dev.splot.testing.RequiredBackends;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk program cache: keys, atomic entries, corrupt entries, and a real backend start from a fresh and a warm cache. */
class ProgramCacheTest {

    @Test
    void keyChangesWithEveryInput() {
        String k = ProgramCache.key("src", "-DTM=8", "dev", "drv", "plat");
        assertEquals(64, k.length());
        assertEquals(k, ProgramCache.key("src", "-DTM=8", "dev", "drv", "plat"));
        assertNotEquals(k, ProgramCache.key("src ", "-DTM=8", "dev", "drv", "plat"));
        assertNotEquals(k, ProgramCache.key("src", "-DTM=4", "dev", "drv", "plat"));
        assertNotEquals(k, ProgramCache.key("src", "-DTM=8", "dev2", "drv", "plat"));
        assertNotEquals(k, ProgramCache.key("src", "-DTM=8", "dev", "drv2", "plat"));
        assertNotEquals(k, ProgramCache.key("src", "-DTM=8", "dev", "drv", "plat2"));
        // field boundaries matter: ("ab", "c") is not ("a", "bc")
        assertNotEquals(ProgramCache.key("ab", "c", "", "", ""), ProgramCache.key("a", "bc", "", "", ""));
    }

    @Test
    void storesLoadsAndRejectsCorruptEntries(@TempDir Path dir) throws IOException {
        ProgramCache cache = new ProgramCache(dir.resolve("nested"));
        byte[] bin = {1, 2, 3, 4, 5, 6, 7};
        assertNull(cache.load("k"));
        cache.store("k", bin);
        assertArrayEquals(bin, cache.load("k"));
        try (Stream<Path> files = Files.list(dir.resolve("nested"))) {
            assertEquals(List.of("k.bin"), files.map(p -> p.getFileName().toString()).toList(), "no temporary files left");
        }
        Path entry = cache.entry("k");
        byte[] raw = Files.readAllBytes(entry);
        raw[raw.length - 1] ^= 1; // flip one payload bit
        Files.write(entry, raw);
        assertNull(cache.load("k"), "a corrupt entry reads as a miss");
        assertFalse(Files.exists(entry), "and is deleted");
        cache.store("k", bin);
        Files.write(entry, new byte[] {1, 2, 3}); // truncated
        assertNull(cache.load("k"));
        assertFalse(new ProgramCache(null).enabled());
        assertNull(new ProgramCache(null).load("k"));
    }

    @Test
    void backendStartsFromAFreshThenAWarmCacheAndRebuildsCorruptEntries(@TempDir Path dir) throws IOException {
        ProgramCache cache = new ProgramCache(dir);
        long cold, warm;
        try (OpenClBackend be = start(cache)) {
            assertFalse(be.programsFromCache());
            cold = be.buildMillis();
        }
        List<Path> entries;
        try (Stream<Path> files = Files.list(dir)) {
            entries = files.toList();
        }
        assertFalse(entries.isEmpty(), "binaries were written");
        try (OpenClBackend be = start(cache)) {
            assertTrue(be.programsFromCache(), be.buildReport().toString());
            warm = be.buildMillis();
        }
        for (Path p : entries) Files.write(p, new byte[] {0x53, 0x50, 0x4c, 0x4f, 0x54}); // garbage
        try (OpenClBackend be = start(cache)) {
            assertFalse(be.programsFromCache(), "corrupt entries are rebuilt");
            assertEquals(0f, be.allocate(3).toFloatArray()[2]); // and the backend works
        }
        try (OpenClBackend be = start(cache)) {
            assertTrue(be.programsFromCache(), "rebuilt entries were stored again");
        }
        System.out.println("[opencl] program build into an empty cache " + cold + " ms, from the cache " + warm + " ms");
    }

    private static OpenClBackend start(ProgramCache cache) {
        return RequiredBackends.open("opencl", () -> OpenClBackend.create(null, cache));
    }
}
