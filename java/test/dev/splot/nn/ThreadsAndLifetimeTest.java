package dev.splot.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.Leaks;
import dev.splot.backend.Tensor;
import dev.splot.data.Dataset;
import dev.splot.testing.RequiredBackends;
import dev.splot.testing.Tiny;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a user serving a model from many threads relies on, on every backend: concurrent predictions
 * equal the single-threaded ones bit for bit, misuse of one model's own buffers from two threads is
 * refused, unclosed models are freed by the garbage collector, and a closed backend says so.
 */
class ThreadsAndLifetimeTest {
    private static final int THREADS = 4, PREDICTIONS = 12, SAMPLES = 7;

    private static Backend open(String name) {
        return RequiredBackends.open(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void concurrentPredictionsEqualTheSingleThreadedOnes(String name) throws Exception {
        Dataset data = Tiny.data(THREADS * PREDICTIONS * SAMPLES, 5);
        try (Backend be = open(name); Sequential model = Tiny.model(be, 3)) {
            int size = 64, k = model.classes();
            float[] expected = model.predict(data.images(), data.count(), SAMPLES); // one thread, batches of SAMPLES
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        // half the threads share the model's predict (a workspace per call), half keep a predictor
                        try (Predictor own = model.newPredictor()) {
                            for (int j = 0; j < PREDICTIONS; j++) {
                                int first = (thread * PREDICTIONS + j) * SAMPLES;
                                float[] images = java.util.Arrays.copyOfRange(data.images(), first * size, (first + SAMPLES) * size);
                                float[] got = thread % 2 == 0 ? model.predict(images, SAMPLES, SAMPLES) : own.predict(images, SAMPLES, SAMPLES);
                                float[] want = java.util.Arrays.copyOfRange(expected, first * k, (first + SAMPLES) * k);
                                assertArrayEquals(want, got, name + ": thread " + thread + ", prediction " + j);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void aSecondThreadInsideAnotherThreadsTrainingStepIsRefused(String name) throws Exception {
        try (Backend be = open(name); Sequential model = Tiny.model(be, 3); Tensor x = be.allocate(2, 1, 8, 8);
             Tensor dlogits = be.allocate(2, 3)) {
            model.forward(x, new ForwardContext(true, 1, 0)); // this thread's step, backward still to come
            IllegalStateException e = CompletableFuture.supplyAsync(() -> assertThrows(IllegalStateException.class,
                    () -> model.forward(x, ForwardContext.inference()))).get(60, TimeUnit.SECONDS);
            assertTrue(e.getMessage().contains("model used from two threads") && e.getMessage().contains("Predictor"), e.getMessage());
            model.backward(dlogits); // the owner finishes its step
            CompletableFuture.runAsync(() -> model.forward(x, ForwardContext.inference())).get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * 100 models of 8 MB dropped without close(): the cleaner frees every tensor, and on the native backend the
     * process's anonymous resident memory comes back too (tensor_memory.cpp returns large blocks to the operating
     * system): what stays resident after GC is at most 10% of what the models added. Anonymous memory (RssAnon)
     * rather than the whole resident size, so that code and jars paged in meanwhile do not count; the Java heap is
     * anonymous too, but this test allocates almost nothing on it, the models' memory is off-heap, and a full GC
     * runs before each measurement. 10% of 100 models is 40 MB or more: far above the JVM's own growth here (a few
     * MB of compiled code and metadata) and far below what glibc kept with plain malloc/free (most of it). The java
     * backend's tensors are Java arrays, given back to the OS as the garbage collector decides, and PoCL (the OpenCL
     * driver on a CPU) allocates buffers with malloc itself, so whether they leave glibc's heap depends on what the
     * process freed before, which splot does not control (on a GPU they are device memory): their resident sizes
     * are printed, not asserted.
     */
    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void unclosedModelsAreFreedByTheGarbageCollector(String name) throws Exception {
        try (Backend be = open(name)) {
            int models = 100, inputs = 1000;
            long weightBytes = 4L * (inputs * inputs + inputs);
            // One model of the same size made and closed first, as any program that closed a model did: with plain
            // malloc/free its free raises glibc's mmap threshold, and the 100 models below would then stay in glibc's heap.
            Sequential.builder(inputs).add(new Dense(inputs)).build(be, -1).close();
            collectGarbage();
            long liveBefore = be.liveTensors(), bytesBefore = be.liveBytes(), freedBefore = Leaks.freedByCleaner();
            long anonBefore = anonymousResidentBytes();
            List<Sequential> held = new ArrayList<>();
            for (int i = 0; i < models; i++) {
                Sequential m = Sequential.builder(inputs).add(new Dense(inputs)).build(be, i); // weights and gradients
                m.predict(new float[inputs], 1);
                held.add(m);
            }
            long anonFull = anonymousResidentBytes();
            assertEquals(liveBefore + 4L * models, be.liveTensors(), "weight, bias and their gradients of each model");
            assertEquals(bytesBefore + models * weightBytes * 2, be.liveBytes(), "the backend memory they hold");
            held.clear(); // dropped without close()
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (be.liveTensors() > liveBefore && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            assertEquals(liveBefore, be.liveTensors(), name + ": every unclosed tensor freed after GC");
            assertEquals(bytesBefore, be.liveBytes(), name + ": all of their memory given back to the backend's allocator");
            assertTrue(Leaks.freedByCleaner() - freedBefore >= 4L * models, "freed by the cleaner, not by close");
            collectGarbage();
            long added = anonFull - anonBefore, kept = anonymousResidentBytes() - anonBefore;
            String report = String.format("[%s] anonymous resident memory: +%d MiB with %d unclosed models, +%d MiB after GC",
                    name, added >> 20, models, kept >> 20);
            System.out.println(report);
            if (name.equals("native") && anonBefore > 0) {
                // the weights were written, so at least they are resident (untouched gradients may not be yet)
                assertTrue(added >= models * weightBytes * 9 / 10, report + ": the measurement does not see the models' weights");
                assertTrue(kept <= added / 10, report + ": more than 10% of the models' memory stayed with the process");
            }
        }
    }

    /** Full collections until the cleaner has nothing left to do; the last one settles the Java heap before a measurement. */
    private static void collectGarbage() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void aClosedBackendSaysSoOnEveryUse(String name) {
        Backend be = open(name);
        Sequential model = Tiny.model(be, 3);
        Tensor t = be.allocate(3);
        be.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.predict(new float[64], 1));
        assertTrue(e.getMessage().contains("the " + name + " backend was closed"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> be.fill(t, 1f));
        assertTrue(e.getMessage().contains("the " + name + " backend was closed, so fill cannot run"), e.getMessage());
        model.close(); // after the backend: harmless
        t.close();
        be.close();
    }

    /** The process's resident anonymous memory (RssAnon, Linux), 0 elsewhere: the native check then only counts tensors. */
    private static long anonymousResidentBytes() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) return 0;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("RssAnon:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024; // "RssAnon:  1234 kB"
        }
        return 0;
    }
}
