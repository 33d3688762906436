package dev.splot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.io.Checkpoint;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.HostileFiles;
import dev.splot.testing.SmallHeapCommand;
import dev.splot.testing.Tiny;
import dev.splot.train.Trainer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mnist and Classify given hostile files and options, as a user runs them: each ends in a clear
 * error with a non-zero exit status and no stack trace, within a time limit. Where an unbounded
 * allocation is the risk the program runs in its own JVM with a 256 MB heap
 * ({@link SmallHeapCommand}), so a regression fails with an OutOfMemoryError instead of passing on
 * a big machine; the rest runs in-process ({@link Mnist#execute}, {@link Classify#run}).
 */
class HostileCommandLineTest {
    static final Duration LIMIT = Duration.ofSeconds(60); // a JVM start and a few tiny steps on a busy machine

    @TempDir
    Path dir;

    Path data;

    @BeforeEach
    void tinyMnist() throws IOException {
        data = dir.resolve("data");
        MnistTest.writeTinyMnist(data);
    }

    record Run(int status, String out, String err) {
        void assertCleanFailure(int expectedStatus, String expected) {
            assertEquals(expectedStatus, status, "exit status; stderr:\n" + err);
            assertTrue(err.contains(expected), () -> "expected \"" + expected + "\" in stderr:\n" + err);
            assertFalse(err.contains("\tat "), () -> "stack trace:\n" + err);
        }

        void assertNoTraining() {
            assertFalse(out.contains("Epoch 1/"), "refused before the first step:\n" + out);
        }
    }

    /** Mnist in-process with the tiny data on the Java backend; System.out and System.err captured. */
    Run mnist(String... args) {
        List<String> all = new ArrayList<>(List.of("--batch-size", "4", "--seed", "3"));
        all.addAll(List.of(args));
        return mnistWithoutBatchSize(all.toArray(String[]::new));
    }

    Run mnistWithoutBatchSize(String... args) {
        List<String> all = new ArrayList<>(List.of("--data", data.toString(), "--backend", "java", "--test-limit", "4"));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out, oldErr = System.err;
        int status;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            status = Mnist.execute(all.toArray(String[]::new));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Run classify(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Classify.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void optimizerSettingsMustBeFiniteAndInRange() {
        mnist("--lr", "Infinity").assertCleanFailure(2, "--lr needs a finite number, got 'Infinity'");
        mnist("--lr", "1e39").assertCleanFailure(2, "--lr needs a finite number, got '1e39'"); // beyond float: Infinity
        mnist("--eps", "Infinity").assertCleanFailure(2, "--eps needs a finite number");
        mnist("--eps", "NaN").assertCleanFailure(2, "--eps needs a finite number");
        mnist("--rho", "1").assertCleanFailure(2, "AdaDelta needs lr > 0, 0 <= rho < 1, eps > 0, all finite; got lr=1.0 rho=1.0");
        mnist("--lr", "0").assertCleanFailure(2, "AdaDelta needs lr > 0");
    }

    @Test
    void aBatchSizeBeyondTheTensorBoundIsRefusedWithTheLargestAllowed() throws Exception {
        SmallHeapCommand.Result r = SmallHeapCommand.run(dir, LIMIT, "Mnist", "--data", data.toString(), "--backend", "java",
                "--batch-size", "3000000", "--epochs", "1");
        r.assertCleanFailure("batch size 3000000 is too large for this model");
        assertTrue(r.err().contains("the largest batch size it allows is 7281"), r.err());
        assertEquals(2, r.status());
    }

    @Test
    void outputPathsAreCheckedBeforeTheFirstStepWithTheCause() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Path folder = Files.createDirectories(dir.resolve("a-folder"));
        Run r = mnist("--epochs", "1", "--save", file.resolve("m.safetensors").toString());
        r.assertCleanFailure(1, "--save " + file.resolve("m.safetensors") + ": " + file + ": Not a directory");
        r.assertNoTraining();
        r = mnist("--epochs", "1", "--save", folder.toString());
        r.assertCleanFailure(1, "--save " + folder + ": Is a directory");
        r.assertNoTraining();
        r = mnist("--epochs", "1", "--plots", file.toString());
        r.assertCleanFailure(1, "--plots " + file + ": " + file + ": Not a directory");
        r.assertNoTraining();
        r = mnist("--epochs", "1", "--checkpoint-dir", file.resolve("ck").toString());
        r.assertCleanFailure(1, ": Not a directory");
        r.assertNoTraining();
        // the name fits, the save's temporary ".NAME.<random>.tmp" beside it would not
        Path longName = dir.resolve("m".repeat(240) + ".safetensors");
        r = mnist("--epochs", "1", "--save", longName.toString());
        r.assertCleanFailure(1, "cannot write there: ");
        assertTrue(r.err().contains("File name too long"), r.err());
        r.assertNoTraining();
    }

    @Test
    void aDirectoryIsReportedAsADirectory() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("folder.safetensors"));
        mnist("--epochs", "1", "--resume", folder.toString()).assertCleanFailure(1, "--resume " + folder + ": Is a directory");
        classify("--model", folder.toString(), "x.png").assertCleanFailure(1, "--model " + folder + ": Is a directory");
        Path model = tinyModel(dir.resolve("tiny.safetensors"));
        Path good = picture("good.png");
        Run r = classify("--model", model.toString(), folder.toString(), good.toString());
        r.assertCleanFailure(1, "picture " + folder + ": Is a directory");
        assertTrue(r.out().startsWith(good + ": "), "the good picture is still classified: " + r.out());
        classify("--model", dir.resolve("none").toString(), "x.png").assertCleanFailure(1, "--model " + dir.resolve("none") + ": no such file");
    }

    @Test
    void nonFiniteWeightsAreRefusedNotAnsweredWithNaN() throws IOException {
        Path nan = HostileFiles.withValue(tinyModel(dir.resolve("tiny.safetensors")), dir.resolve("nan.safetensors"), "dense.weight",
                4, Float.NaN);
        Run r = classify("--model", nan.toString(), picture("good.png").toString());
        r.assertCleanFailure(1, "tensor \"dense.weight\" holds NaN at index 4");
        assertEquals("", r.out());
        Path checkpoint = dir.resolve("ck.safetensors");
        assertEquals(0, mnist("--epochs", "1", "--save", checkpoint.toString()).status());
        Path inf = HostileFiles.withValue(checkpoint, dir.resolve("inf.safetensors"), "conv2d.weight", 0, Float.POSITIVE_INFINITY);
        mnist("--epochs", "2", "--resume", inf.toString()).assertCleanFailure(1, "tensor \"conv2d.weight\" holds Infinity at index 0");
    }

    @Test
    void aResumeThatCouldNotBeExactIsRefusedWithTheOverride() throws IOException {
        Path ck = dir.resolve("ck.safetensors");
        assertEquals(0, mnist("--epochs", "1", "--limit", "8", "--save", ck.toString()).status());
        Run r = mnist("--epochs", "2", "--resume", ck.toString());
        r.assertCleanFailure(2, "was trained on \"mnist train (first 8)\" (8 samples); this run would train on \"mnist train\" (12 samples)");
        assertTrue(r.err().contains("--inexact-resume"), r.err());
        r.assertNoTraining();
        mnist("--epochs", "2", "--resume", ck.toString(), "--limit", "4").assertCleanFailure(2, "\"mnist train (first 4)\" (4 samples)");
        // other files under another dataset's name
        MnistTest.writeTinyMnist(dir.resolve("other"));
        Files.move(dir.resolve("other/mnist"), data.resolve("fashion"));
        mnist("--epochs", "2", "--resume", ck.toString(), "--limit", "8", "--dataset", "fashion")
                .assertCleanFailure(2, "this run would train on \"fashion train (first 8)\"");
        assertEquals(0, mnist("--epochs", "2", "--resume", ck.toString(), "--limit", "8").status());
        assertEquals(0, mnist("--epochs", "2", "--resume", ck.toString(), "--inexact-resume").status());

        Path skewed = HostileFiles.withMetadata(ck, dir.resolve("skewed.safetensors"), Map.of(Checkpoint.KEY_STEP, "5"));
        mnist("--epochs", "2", "--resume", skewed.toString(), "--limit", "8")
                .assertCleanFailure(2, "is inconsistent: step 5 after 1 epochs of 2 steps should be 2");
        Path overflowing = HostileFiles.withMetadata(ck, dir.resolve("overflow.safetensors"),
                Map.of(Checkpoint.KEY_STEP, Long.toString(Long.MAX_VALUE - 1)));
        mnist("--epochs", "2", "--resume", overflowing.toString(), "--limit", "8", "--inexact-resume")
                .assertCleanFailure(2, "more steps would overflow the step counter");
        Path hugeBatch = HostileFiles.withMetadata(ck, dir.resolve("batch.safetensors"), Map.of(Checkpoint.KEY_BATCH_SIZE, "3000000"));
        mnistWithoutBatchSize("--epochs", "2", "--resume", hugeBatch.toString(), "--limit", "8", "--inexact-resume")
                .assertCleanFailure(2, "batch size 3000000 is too large for this model");
    }

    @Test
    void anIdxFileDeclaringMoreThanTheBoundOnceDecodedIsRefusedBeforeReading() throws Exception {
        Files.delete(data.resolve("mnist/train-images-idx3-ubyte"));
        Path gz = HostileFiles.gzipIdx(data.resolve("mnist/train-images-idx3-ubyte.gz"), 700_000, 28, 28);
        assertTrue(Files.size(gz) < 2_000_000, "548 MB of pixels in a small file: " + Files.size(gz));
        SmallHeapCommand.run(dir, LIMIT, "Mnist", "--data", data.toString(), "--backend", "java", "--epochs", "1")
                .assertCleanFailure("too large: header declares 700000x28x28 = 548800000 bytes of data, 2195200000 bytes once decoded");
    }

    @Test
    void hugePicturesAreReportedEachAndTheOthersStillClassified() throws Exception {
        Path model = tinyModel(dir.resolve("tiny.safetensors"));
        Path png = HostileFiles.pngDeclaring(dir.resolve("huge.png"), 40000, 40000);
        Path gif = HostileFiles.declaring(dir.resolve("huge.gif"), "gif", 65535, 65535);
        Path bmp = HostileFiles.declaring(dir.resolve("huge.bmp"), "bmp", 30000, 30000);
        Path good = picture("good.png");
        SmallHeapCommand.Result r = SmallHeapCommand.run(dir, LIMIT, "Classify", "--model", model.toString(), png.toString(),
                good.toString(), gif.toString(), bmp.toString());
        r.assertCleanFailure(png + ": the picture is 40000x40000 = 1600000000 pixels, more than the limit of 50000000");
        assertTrue(r.err().contains(gif + ": the picture is 65535x65535"), r.err());
        assertTrue(r.err().contains(bmp + ": the picture is 30000x30000"), r.err());
        assertTrue(r.out().startsWith(good + ": "), "the good picture is still classified: " + r.out());
        assertEquals(1, r.status());
    }

    @Test
    void hostileModelFilesFailCleanlyInASmallHeap() throws Exception {
        Path good = picture("good.png");
        Path wide = HostileFiles.checkpointWithArchitecture(dir.resolve("wide.safetensors"), "{\"input_shape\":[1,40000,40000],"
                + "\"layers\":[{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":10}]}");
        SmallHeapCommand.run(dir, LIMIT, "Classify", "--model", wide.toString(), good.toString())
                .assertCleanFailure("the model input (1, 40000, 40000) holds 1600000000 values per sample");
        Path kernel = HostileFiles.checkpointWithArchitecture(dir.resolve("kernel.safetensors"), "{\"input_shape\":[1,28,28],"
                + "\"layers\":[{\"type\":\"conv2d\",\"filters\":32,\"kernel_size\":[3000000,1],\"stride\":1,\"padding\":\"same\"},"
                + "{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":10}]}");
        SmallHeapCommand.run(dir, LIMIT, "Classify", "--model", kernel.toString(), good.toString())
                .assertCleanFailure("parts of the 3000000x1 kernel never overlap the input");
        Path sparse = HostileFiles.withSparseTensor(tinyModel(dir.resolve("tiny.safetensors")), dir.resolve("sparse.safetensors"),
                "extra", 2_000_000_000L);
        SmallHeapCommand.run(dir, LIMIT, "Classify", "--model", sparse.toString(), good.toString())
                .assertCleanFailure("unexpected tensor \"extra\"");
    }

    /** The Tiny model (1x8x8 inputs, 3 classes), trained a little and saved. */
    static Path tinyModel(Path file) throws IOException {
        try (Backend b = new JavaBackend(); Sequential m = Tiny.model(b, 4); AdaDelta opt = new AdaDelta()) {
            new Trainer(m, opt, 8, 4).fit(Tiny.data(32, 1), null, 1, null);
            Checkpoint.save(file, m, null, null);
        }
        return file;
    }

    Path picture(String name) throws IOException {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(5, 5, 0, 200);
        Path f = dir.resolve(name);
        ImageIO.write(img, "png", f.toFile());
        return f;
    }
}
