package dev.splot.backend.opencl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * On-disk cache of compiled OpenCL program binaries. An entry is named by the SHA-256 of the
 * kernel source, the build options, the device name, the driver version and the platform version,
 * so any change to one of them misses the cache. Entries are written to a temporary file and then
 * renamed (readers never see half a file) and carry a checksum of their payload: a corrupt or
 * truncated entry reads as a miss and is rebuilt.
 *
 * <p>Location: {@code $SPLOT_OPENCL_CACHE_DIR}, else {@code ~/.cache/splot/opencl};
 * {@code SPLOT_OPENCL_CACHE=0} turns the cache off. The system properties
 * {@code splot.opencl.cache.dir} and {@code splot.opencl.cache} do the same and win over the
 * environment.
 */
public final class ProgramCache {
    private static final byte[] MAGIC = "SPLOTCL1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 8 + 32;

    private final Path dir; // null: off

    /**
     * A cache in a given directory, created on the first store.
     *
     * @param dir where the entries live; null: a cache that is off (never hits, stores nothing)
     */
    public ProgramCache(Path dir) {
        this.dir = dir;
    }

    /**
     * The cache configured by the environment and system properties (see the class comment).
     *
     * @return the cache; off when turned off ("0", "false" or "off") or when there is no home directory
     */
    public static ProgramCache fromEnvironment() {
        String enabled = firstNonNull(System.getProperty("splot.opencl.cache"), System.getenv("SPLOT_OPENCL_CACHE"));
        if (enabled != null && (enabled.equals("0") || enabled.equalsIgnoreCase("false") || enabled.equalsIgnoreCase("off"))) {
            return new ProgramCache(null);
        }
        String where = firstNonNull(System.getProperty("splot.opencl.cache.dir"), System.getenv("SPLOT_OPENCL_CACHE_DIR"));
        if (where != null && !where.isBlank()) {
            return new ProgramCache(Path.of(where));
        }
        String home = System.getProperty("user.home");
        return new ProgramCache(home == null ? null : Path.of(home, ".cache", "splot", "opencl"));
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }

    /**
     * Whether this cache reads and writes entries at all.
     *
     * @return false for a cache that is off
     */
    public boolean enabled() {
        return dir != null;
    }

    /**
     * Where the entries live, for messages.
     *
     * @return the directory, or null for a cache that is off
     */
    public Path directory() {
        return dir;
    }

    /**
     * The cache key: SHA-256 over every input that changes the compiled binary. Each part is hashed
     * after its length, so moving text from one part to the next changes the key.
     *
     * @param source the kernel source
     * @param options the build options
     * @param deviceName the device's {@code CL_DEVICE_NAME}
     * @param driverVersion the device's {@code CL_DRIVER_VERSION}
     * @param platformVersion the platform's {@code CL_PLATFORM_VERSION}
     * @return 64 lower-case hex digits, the entry's file name without {@code .bin}
     */
    public static String key(String source, String options, String deviceName, String driverVersion, String platformVersion) {
        MessageDigest sha = sha256();
        for (String part : new String[] {source, options, deviceName, driverVersion, platformVersion}) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            sha.update(ByteBuffer.allocate(8).putLong(bytes.length).array());
            sha.update(bytes);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * The file of one entry (it need not exist).
     *
     * @param key a key from {@link #key}
     * @return {@code <directory>/<key>.bin}, or null for a cache that is off
     */
    public Path entry(String key) {
        return dir == null ? null : dir.resolve(key + ".bin");
    }

    /**
     * The cached binary, or null when absent, unreadable or corrupt (a corrupt entry is deleted).
     * Never throws for I/O problems: a miss only costs a rebuild.
     *
     * @param key a key from {@link #key}
     * @return the binary whose checksum matched, or null
     */
    public byte[] load(String key) {
        if (dir == null) return null;
        Path file = entry(key);
        byte[] all;
        try {
            if (!Files.isRegularFile(file)) return null;
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
        if (all.length < HEADER || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            discard(key);
            return null;
        }
        ByteBuffer buf = ByteBuffer.wrap(all);
        buf.position(MAGIC.length);
        long length = buf.getLong();
        byte[] checksum = new byte[32];
        buf.get(checksum);
        if (length != all.length - HEADER) {
            discard(key);
            return null;
        }
        byte[] payload = Arrays.copyOfRange(all, HEADER, all.length);
        if (!MessageDigest.isEqual(checksum, sha256().digest(payload))) {
            discard(key);
            return null;
        }
        return payload;
    }

    /**
     * Stores a binary atomically (temporary file, then rename); failures only cost the next start a rebuild,
     * so they are ignored, never thrown.
     *
     * @param key a key from {@link #key}
     * @param binary the program binary; null or empty stores nothing
     */
    public void store(String key, byte[] binary) {
        if (dir == null || binary == null || binary.length == 0) return;
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, key, ".tmp");
            ByteBuffer buf = ByteBuffer.allocate(HEADER + binary.length);
            buf.put(MAGIC).putLong(binary.length).put(sha256().digest(binary)).put(binary);
            Files.write(tmp, buf.array());
            try {
                Files.move(tmp, entry(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, entry(key), StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException | RuntimeException e) {
            // the cache is an optimisation: a read-only or full disk must not stop training
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /**
     * Deletes one entry, for a binary the driver rejected; best effort, never throws.
     *
     * @param key a key from {@link #key}
     */
    public void discard(String key) {
        if (dir == null) return;
        try {
            Files.deleteIfExists(entry(key));
        } catch (IOException ignored) {
            // best effort: a later store replaces it
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
