package dev.splot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.io.NamedTensor;
import dev.splot.io.SafeTensors;
import dev.splot.io.SafeTensorsFile;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Mnist command line: options and usage in sync, clear errors, and save / checkpoint / resume / plots end to end on a dozen images. */
class MnistTest {
    @TempDir
    Path dir;

    /** A sample value for every option the usage text names; a new option must be added here (and so gets parsed). */
    static final Map<String, String> SAMPLE = Map.ofEntries(
            Map.entry("--backend", "java"), Map.entry("--device", "0"), Map.entry("--list-devices", ""),
            Map.entry("--epochs", "2"), Map.entry("--batch-size", "4"), Map.entry("--seed", "3"), Map.entry("--data", "d"),
            Map.entry("--dataset", "fashion"), Map.entry("--limit", "8"), Map.entry("--test-limit", "4"),
            Map.entry("--lr", "0.5"), Map.entry("--rho", "0.9"), Map.entry("--eps", "1e-6"), Map.entry("--save", "m.safetensors"),
            Map.entry("--resume", "r.safetensors"), Map.entry("--inexact-resume", ""), Map.entry("--checkpoint-dir", "ck"), Map.entry("--plots", "p"),
            Map.entry("--help", ""), Map.entry("--optimizer", "adam"), Map.entry("--momentum", "0.9"), Map.entry("--nesterov", ""),
            Map.entry("--weight-decay", "0.01"), Map.entry("--lr-schedule", "warmup:10@step,cosine:3"),
            Map.entry("--validation-split", "0.2"), Map.entry("--early-stopping", "3"),
            Map.entry("--model", "bn-cnn"), Map.entry("--spark", "local[2]"), Map.entry("--workers", "2"));

    /** Options that apply to some optimizers only are parsed with one they apply to. */
    static final Map<String, String[]> CONTEXT = Map.of("--momentum", new String[] {"--optimizer", "sgd"},
            "--nesterov", new String[] {"--optimizer", "sgd", "--momentum", "0.9"}, "--weight-decay", new String[] {"--optimizer", "adam"});

    @Test
    void usageAndParserAgree() {
        Set<String> inUsage = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*").matcher(Mnist.USAGE);
        while (m.find()) inUsage.add(m.group());
        assertEquals(new TreeSet<>(SAMPLE.keySet()), inUsage);
        for (Map.Entry<String, String> e : SAMPLE.entrySet()) {
            String[] option = e.getValue().isEmpty() ? new String[] {e.getKey()} : new String[] {e.getKey(), e.getValue()};
            String[] context = CONTEXT.getOrDefault(e.getKey(), new String[0]);
            String[] args = java.util.stream.Stream.concat(Arrays.stream(context), Arrays.stream(option)).toArray(String[]::new);
            Mnist.Options o = Mnist.parse(args);
            if (e.getKey().equals("--help")) {
                assertNull(o);
            } else {
                assertTrue(o.given().contains(e.getKey()), e.getKey());
            }
        }
        Mnist.Options o = Mnist.parse(new String[] {"--save", "a", "--resume", "b", "--checkpoint-dir", "c", "--plots", "d", "--test-limit", "5"});
        assertEquals(Path.of("a"), o.save());
        assertEquals(Path.of("b"), o.resume());
        assertEquals(Path.of("c"), o.checkpointDir());
        assertEquals(Path.of("d"), o.plots());
        assertEquals(5, o.testLimit());
        assertEquals(0, o.validationSplit(), "the seed run holds nothing out");
        assertEquals(0.1, Mnist.parse(new String[] {"--early-stopping", "2"}).validationSplit(), "early stopping holds out 10% by default");
        assertEquals(0.3, Mnist.parse(new String[] {"--early-stopping", "2", "--validation-split", "0.3"}).validationSplit());
    }

    @Test
    void earlyStoppingKeepsTheBestEpochInTheCheckpointFolder() throws IOException {
        writeTinyMnist();
        Path ck = dir.resolve("ck");
        assertEquals(0, run("--epochs", "4", "--early-stopping", "1", "--validation-split", "0.25", "--checkpoint-dir", ck.toString()));
        SafeTensorsFile best = SafeTensors.read(ck.resolve("best.safetensors"));
        int bestEpoch = Integer.parseInt(best.metadata().get("splot.training.epochs_done"));
        assertTrue(bestEpoch >= 1 && bestEpoch <= 4, "epoch " + bestEpoch);
        assertEquals("mnist train (training part, 0.25 of mnist train held out with seed 3)", best.metadata().get("splot.training.dataset"));
        assertEquals("9", best.metadata().get("splot.training.samples"), "12 training images less 3 held out");
    }

    @Test
    void theModelIsTheSeedCnnUnlessChosen() {
        assertEquals("cnn", Mnist.parse(new String[0]).model());
        assertEquals("bn-cnn", Mnist.parse(new String[] {"--model", "bn-cnn"}).model());
    }

    @Test
    void invalidOptionsAreUsageErrors() {
        for (String[] args : new String[][] {{"--frobnicate"}, {"--save"}, {"--epochs", "0"}, {"--epochs", "x"},
            {"--backend", "cuda"}, {"--lr", "fast"}, {"--test-limit", "-1"}, {"--optimizer", "rmsprop"}, {"--momentum", "0.9"},
            {"--optimizer", "adam", "--rho", "0.9"}, {"--optimizer", "sgd", "--nesterov"}, {"--lr-schedule", "cosine"},
            {"--validation-split", "1"}, {"--validation-split", "0"}, {"--validation-split", "NaN"}, {"--early-stopping", "0"},
            {"--model", "resnet"}}) {
            assertThrows(IllegalArgumentException.class, () -> Mnist.parse(args), String.join(" ", args));
        }
    }

    /** Twelve training and six test images of 28x28 in IDX format under dir/data/mnist. */
    void writeTinyMnist() throws IOException {
        writeTinyMnist(dir.resolve("data"));
    }

    /** Twelve training and six test images of 28x28 in IDX format under dataDir/mnist. */
    static void writeTinyMnist(Path dataDir) throws IOException {
        Path d = Files.createDirectories(dataDir.resolve("mnist"));
        Random r = new Random(5);
        for (String[] split : new String[][] {{"train", "12"}, {"t10k", "6"}}) {
            int n = Integer.parseInt(split[1]);
            try (DataOutputStream x = new DataOutputStream(Files.newOutputStream(d.resolve(split[0] + "-images-idx3-ubyte")));
                 DataOutputStream y = new DataOutputStream(Files.newOutputStream(d.resolve(split[0] + "-labels-idx1-ubyte")))) {
                x.writeInt(0x803);
                x.writeInt(n);
                x.writeInt(28);
                x.writeInt(28);
                y.writeInt(0x801);
                y.writeInt(n);
                for (int i = 0; i < n; i++) {
                    int label = i % 10;
                    y.writeByte(label);
                    for (int p = 0; p < 784; p++) x.writeByte((p / 28) % 10 == label ? 200 + r.nextInt(56) : r.nextInt(30));
                }
            }
        }
    }

    int run(String... args) throws IOException {
        String[] common = {"--data", dir.resolve("data").toString(), "--backend", "java", "--batch-size", "4", "--seed", "3",
            "--test-limit", "4"};
        String[] all = new String[common.length + args.length];
        System.arraycopy(common, 0, all, 0, common.length);
        System.arraycopy(args, 0, all, common.length, args.length);
        return Mnist.run(Mnist.parse(all));
    }

    @Test
    void checkpointThenResumeEqualsAnUninterruptedRunAndWritesPlots() throws IOException {
        writeTinyMnist();
        Path full = dir.resolve("full.safetensors"), resumed = dir.resolve("resumed.safetensors");
        assertEquals(0, run("--epochs", "2", "--save", full.toString()));
        assertEquals(0, run("--epochs", "1", "--checkpoint-dir", dir.resolve("ck").toString()));
        Path epoch1 = dir.resolve("ck/epoch-1.safetensors");
        assertTrue(Files.isRegularFile(epoch1));
        assertEquals(0, run("--epochs", "2", "--resume", epoch1.toString(), "--save", resumed.toString(),
                "--plots", dir.resolve("plots").toString()));
        SafeTensorsFile a = SafeTensors.read(full), b = SafeTensors.read(resumed);
        assertEquals(a.metadata(), b.metadata());
        assertEquals(a.tensors().size(), b.tensors().size());
        for (NamedTensor t : a.tensors()) assertArrayEquals(t.data(), b.tensor(t.name()).data(), t.name());
        assertEquals("2", b.metadata().get("splot.training.epochs_done"));
        assertEquals("6", b.metadata().get("splot.training.step"));
        for (String png : new String[] {"curves.png", "digits.png", "confusion.png"}) {
            assertTrue(Files.size(dir.resolve("plots").resolve(png)) > 1000, png);
        }
        // a resume that could not be exact is refused, with the option named
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run("--epochs", "2", "--resume", epoch1.toString(), "--batch-size", "5"));
        assertTrue(e.getMessage().startsWith("--batch-size 5 differs from the checkpoint's 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("--epochs", "2", "--resume", epoch1.toString(), "--optimizer", "adam"));
        assertTrue(e.getMessage().startsWith("--optimizer adam differs from the checkpoint's adadelta"), e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> run("--resume", dir.resolve("nope").toString()));
        assertTrue(missing.getMessage().contains("--resume " + dir.resolve("nope") + ": no such file"), missing.getMessage());
    }

    /**
     * Another optimizer with a schedule, through the command line: an epoch, a resume for the
     * second, bit-identical to two epochs in one run, the schedule and the step count in the file.
     */
    @Test
    void adamWithAScheduleResumesExactly() throws IOException {
        writeTinyMnist();
        Path full = dir.resolve("full.safetensors"), resumed = dir.resolve("resumed.safetensors");
        String[] adam = {"--optimizer", "adamw", "--lr", "0.002", "--lr-schedule", "warmup:2@step,exp:0.5"};
        assertEquals(0, run(concat(adam, "--epochs", "2", "--save", full.toString())));
        assertEquals(0, run(concat(adam, "--epochs", "1", "--checkpoint-dir", dir.resolve("ck").toString())));
        Path epoch1 = dir.resolve("ck/epoch-1.safetensors");
        assertEquals(0, run("--epochs", "2", "--resume", epoch1.toString(), "--save", resumed.toString()));
        SafeTensorsFile a = SafeTensors.read(full), b = SafeTensors.read(resumed);
        assertEquals(a.metadata(), b.metadata());
        for (NamedTensor t : a.tensors()) assertArrayEquals(t.data(), b.tensor(t.name()).data(), t.name());
        assertEquals("adamw", b.metadata().get("splot.optimizer"));
        assertEquals("6", b.metadata().get("splot.optimizer.steps"));
        assertEquals("0.002", b.metadata().get("splot.optimizer.lr"));
        assertEquals("warmup:2:0.3333333333333333@step,exp:0.5@epoch", b.metadata().get("splot.training.lr_schedule"));
        assertTrue(a.tensors().stream().anyMatch(t -> t.name().equals("dense_1.bias.adam_exp_avg_sq")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run("--epochs", "2", "--resume", epoch1.toString(), "--lr-schedule", "exp:0.5"));
        assertTrue(e.getMessage().startsWith("--lr-schedule exp:0.5@epoch differs from the checkpoint's warmup:2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("--epochs", "2", "--resume", epoch1.toString(), "--rho", "0.9"));
        assertEquals("--rho does not apply to the checkpoint's optimizer adamw", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("--epochs", "2", "--resume", epoch1.toString(), "--lr", "0.1"));
        assertTrue(e.getMessage().startsWith("--lr 0.1 differs from the checkpoint's 0.002"), e.getMessage());
    }

    static String[] concat(String[] a, String... b) {
        return java.util.stream.Stream.concat(Arrays.stream(a), Arrays.stream(b)).toArray(String[]::new);
    }
}
