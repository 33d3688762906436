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
            Map.entry("--spark", "local[2]"), Map.entry("--workers", "2"), Map.entry("--help", ""));

    @Test
    void usageAndParserAgree() {
        Set<String> inUsage = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*").matcher(Mnist.USAGE);
        while (m.find()) inUsage.add(m.group());
        assertEquals(new TreeSet<>(SAMPLE.keySet()), inUsage);
        for (Map.Entry<String, String> e : SAMPLE.entrySet()) {
            String[] args = e.getValue().isEmpty() ? new String[] {e.getKey()} : new String[] {e.getKey(), e.getValue()};
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
    }

    @Test
    void invalidOptionsAreUsageErrors() {
        for (String[] args : new String[][] {{"--frobnicate"}, {"--save"}, {"--epochs", "0"}, {"--epochs", "x"},
            {"--backend", "cuda"}, {"--lr", "fast"}, {"--test-limit", "-1"}}) {
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
        IOException missing = assertThrows(IOException.class, () -> run("--resume", dir.resolve("nope").toString()));
        assertTrue(missing.getMessage().contains("--resume " + dir.resolve("nope") + ": no such file"), missing.getMessage());
    }

}
