package dev.splot.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.splot.testing.FuzzedFiles;
import java.io.IOException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random and randomly damaged IDX files: the reader either parses them consistently or throws
 * {@link IdxFormatException} — never another exception, never an {@link OutOfMemoryError}.
 */
class IdxFuzzTest {
    /** How a valid file is damaged before reading. */
    enum Mode { RAW, GZIP_THEN_MUTATE, MUTATE_THEN_GZIP }

    enum Kind { SET, FLIP_BIT, TRUNCATE, APPEND, INSERT, DELETE }

    record Mutation(Kind kind, int position, byte value) {
        byte[] apply(byte[] b) {
            int p = b.length == 0 ? 0 : Math.floorMod(position, b.length + 1);
            switch (kind) {
                case SET -> {
                    if (p < b.length) {
                        b = b.clone();
                        b[p] = value;
                    }
                }
                case FLIP_BIT -> {
                    if (p < b.length) {
                        b = b.clone();
                        b[p] ^= (byte) (1 << (value & 7));
                    }
                }
                case TRUNCATE -> b = java.util.Arrays.copyOf(b, p);
                case APPEND -> {
                    b = java.util.Arrays.copyOf(b, b.length + 1 + (value & 15));
                    b[b.length - 1] = value;
                }
                case INSERT -> {
                    byte[] out = new byte[b.length + 1];
                    System.arraycopy(b, 0, out, 0, p);
                    out[p] = value;
                    System.arraycopy(b, p, out, p + 1, b.length - p);
                    b = out;
                }
                case DELETE -> {
                    if (p < b.length) {
                        byte[] out = new byte[b.length - 1];
                        System.arraycopy(b, 0, out, 0, p);
                        System.arraycopy(b, p + 1, out, p, b.length - p - 1);
                        b = out;
                    }
                }
            }
            return b;
        }
    }

    @Provide
    Arbitrary<Mutation> mutation() {
        // most damage lands in the header (the first 20 bytes), where the interesting checks are
        Arbitrary<Integer> position = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 20)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 100_000)));
        Arbitrary<Byte> value = Arbitraries.oneOf(Arbitraries.bytes(),
                Arbitraries.of((byte) 0, (byte) 0x7F, (byte) 0x80, (byte) 0xFF, (byte) 1, (byte) 3, (byte) 8));
        return Combinators.combine(Arbitraries.of(Kind.class), position, value).as(Mutation::new);
    }

    @Property(tries = 300)
    void randomBytes(@ForAll @Size(max = 64) byte[] bytes, @ForAll @IntRange(min = 1, max = 4) int rank,
            @ForAll boolean gzip) throws IOException {
        check(gzip ? IdxTest.gzip(bytes) : bytes, rank);
    }

    @Property(tries = 300)
    void randomBodyAfterAValidMagic(@ForAll @Size(max = 40) byte[] rest, @ForAll @IntRange(min = 1, max = 3) int rank)
            throws IOException {
        byte[] b = new byte[4 + rest.length];
        b[2] = 8;
        b[3] = (byte) rank;
        System.arraycopy(rest, 0, b, 4, rest.length);
        check(b, rank);
    }

    @Property(tries = 400)
    void mutatedValidFiles(@ForAll @Size(min = 1, max = 3) List<@IntRange(min = 1, max = 9) Integer> dims,
            @ForAll Mode mode, @ForAll @Size(min = 1, max = 4) List<@From("mutation") Mutation> mutations)
            throws IOException {
        int n = dims.stream().reduce(1, (a, c) -> a * c);
        byte[] valid = IdxTest.idx(8, dims.stream().mapToInt(Integer::intValue).toArray(), IdxTest.ramp(n));
        byte[] b = mode == Mode.GZIP_THEN_MUTATE ? IdxTest.gzip(valid) : valid;
        for (Mutation m : mutations) {
            b = m.apply(b);
        }
        check(mode == Mode.MUTATE_THEN_GZIP ? IdxTest.gzip(b) : b, dims.size());
    }

    private static void check(byte[] bytes, int rank) throws IOException {
        FuzzedFiles.readOrFailClearly(bytes, ".bin", IdxFormatException.class, f -> {
            IdxArray a = Idx.read(f, rank);
            long product = 1;
            for (int d : a.dims()) {
                product *= d;
            }
            assertEquals(rank, a.rank());
            assertEquals(product, a.data().length, "data length must match the header");
        });
    }
}
