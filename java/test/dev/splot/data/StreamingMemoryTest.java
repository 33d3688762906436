package dev.splot.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.nn.Dense;
import dev.splot.nn.Flatten;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.IdxFiles;
import dev.splot.testing.SmallHeapCommand;
import dev.splot.train.EpochStats;
import dev.splot.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming keeps memory flat whatever the file size: a JVM with a 64 MB heap trains an epoch on
 * a 150 MB IDX file, where reading the same file into memory runs out of heap.
 */
class StreamingMemoryTest {
    static final String HEAP = "-Xmx64m";
    /** 36,621 images of 64x64 bytes: 150 MB of pixels, 600 MB as the floats an in-memory data set would hold. */
    static final int COUNT = 36_621, SIDE = 64;

    @Test
    void anEpochOnAFileLargerThanTheHeap(@TempDir Path dir) throws Exception {
        Path x = dir.resolve("big-images.idx"), y = dir.resolve("big-labels.idx");
        IdxFiles.writeRandomImages(x, y, COUNT, SIDE, 2, 1);
        assertTrue(Files.size(x) > 140L << 20, "the file must exceed the forked JVM's heap twice over");
        String cp = System.getProperty("java.class.path");
        SmallHeapCommand.Result streamed = SmallHeapCommand.runWithHeap(HEAP, dir, Duration.ofMinutes(3), cp,
                StreamOneEpoch.class.getName(), "stream", x.toString(), y.toString());
        streamed.assertNoStackTrace();
        assertEquals(0, streamed.status(), streamed.err());
        assertTrue(streamed.out().contains("trained " + COUNT + " samples"), streamed.out());
        // the control: the in-memory reader on the same file in the same heap fails, so the file really is too large
        SmallHeapCommand.Result inMemory = SmallHeapCommand.runWithHeap(HEAP, dir, Duration.ofMinutes(1), cp,
                StreamOneEpoch.class.getName(), "memory", x.toString(), y.toString());
        assertTrue(inMemory.status() != 0 && inMemory.err().contains("OutOfMemoryError"), "status " + inMemory.status() + ":\n"
                + inMemory.err());
    }

    /** The forked program: one epoch of a linear model on the streamed file, or the in-memory read of it. */
    public static final class StreamOneEpoch {
        public static void main(String[] args) throws Exception {
            Path x = Path.of(args[1]), y = Path.of(args[2]);
            if (args[0].equals("memory")) {
                System.out.println("read " + Idx.readImages(x).count() + " images");
                return;
            }
            try (IdxStream data = IdxStream.open("big", x, y, 2); Backend be = new JavaBackend();
                 Sequential m = Sequential.builder(1, SIDE, SIDE).add(new Flatten()).add(new Dense(2)).build(be, 1);
                 AdaDelta opt = new AdaDelta()) {
                List<EpochStats> h = new Trainer(m, opt, 256, 1).fit(data, null, 1, null);
                System.out.println("trained " + data.count() + " samples: " + h.get(0));
            }
        }
    }
}
