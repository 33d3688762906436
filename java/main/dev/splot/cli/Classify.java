package dev.splot.cli;

import dev.splot.backend.Backend;
import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.Backends;
import dev.splot.io.Checkpoint;
import dev.splot.io.Images;
import dev.splot.io.PathChecks;
import dev.splot.nn.ModelLimits;
import dev.splot.nn.Sequential;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Classifies picture files with a model saved by {@code Mnist --save} or {@code --checkpoint-dir}:
 * prints the most likely class of each file with its probability and the top three.
 * Run: {@code mvn -q compile exec:java -Dexec.mainClass=Classify -Dexec.args="--model m.safetensors digit.png"}.
 */
public final class Classify {
    static final String USAGE = String.join("\n",
            "Usage: Classify --model FILE [options] IMAGE...   (mvn -q compile exec:java -Dexec.mainClass=Classify -Dexec.args=\"...\")",
            "Prints the class of each picture (PNG, JPEG, GIF, BMP; any size, colour or grey) and its probability.",
            "Pictures are made greyscale and resized to the model's input; a light picture (a dark digit on",
            "paper) is inverted to MNIST's light-on-dark, and the output says so.",
            "",
            "  --model FILE       a checkpoint saved by Mnist --save or --checkpoint-dir (required)",
            "  --backend B        " + Backends.namesForUsage() + " (default java: one batch of pictures needs no accelerator)",
            "  --device SEL       OpenCL device: index or name substring",
            "  --top K            also list the K most likely classes (default 3)",
            "  --help             this text");

    /** Parsed command line. */
    record Options(Path model, String backend, String device, int top, List<Path> images) {}

    /**
     * Runs the program on the pictures named by the options (see the usage text). Exits with status 2
     * for bad options, 1 when the model, a picture or the backend fails, and returns normally on success.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        // the program owns this JVM: pictures are decoded and drawn off screen, so no display toolkit may start
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        int status = run(args, System.out, System.err);
        if (status != 0) System.exit(status); // under exec:java the JVM is Maven's: return normally on success
    }

    /** Runs the command; returns the exit status (0 ok, 1 a file failed, 2 bad options). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println();
            err.println(USAGE);
            return 2;
        }
        if (o == null) {
            out.println(USAGE);
            return 0;
        }
        try {
            PathChecks.requireReadableFile("--model", o.model());
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        try (Backend backend = Backends.open(o.backend(), o.device(), err::println);
             Checkpoint c = Checkpoint.load(o.model(), backend)) {
            return classify(c.model(), o, out, err);
        } catch (IOException | BackendUnavailableException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static int classify(Sequential model, Options o, PrintStream out, PrintStream err) {
        int[] in = model.inputShape();
        if (in.length != 3 || in[0] != 1) {
            err.println("error: " + o.model() + " takes inputs of shape " + Arrays.toString(in)
                    + "; Classify reads greyscale pictures, so it needs (1, height, width)");
            return 1;
        }
        int h = in[1], w = in[2], size = h * w;
        List<Path> read = new ArrayList<>();
        List<Images.Greyscale> pictures = new ArrayList<>();
        int status = 0;
        for (Path p : o.images()) {
            try {
                pictures.add(Images.readGreyscale(p, w, h));
                read.add(p);
            } catch (IOException e) { // one unreadable file does not stop the others
                err.println("error: " + e.getMessage());
                status = 1;
            }
        }
        if (read.isEmpty()) return status;
        float[] x = new float[read.size() * size];
        for (int i = 0; i < read.size(); i++) System.arraycopy(pictures.get(i).pixels(), 0, x, i * size, size);
        int k = model.classes();
        int batch = Math.min(64, ModelLimits.check(in, model.layers()).maxBatch()); // a big model's batch must fit a tensor
        float[] probs = model.predict(x, read.size(), batch);
        for (int i = 0; i < read.size(); i++) {
            if (!allFinite(probs, i * k, k)) { // finite weights can still overflow on an extreme picture: never print NaN%
                err.println("error: " + read.get(i) + ": the model's output is not a number (NaN or infinite logits)");
                status = 1;
                continue;
            }
            Integer[] order = new Integer[k];
            for (int j = 0; j < k; j++) order[j] = j;
            final int row = i * k;
            Arrays.sort(order, (a, b) -> Float.compare(probs[row + b], probs[row + a])); // stable: ties keep the lower class first
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s: %d (%.2f%%)", read.get(i), order[0],
                    100 * probs[row + order[0]]));
            int top = Math.min(o.top(), k);
            if (top > 1) {
                line.append("   top-").append(top).append(':');
                for (int j = 0; j < top; j++) {
                    line.append(String.format(Locale.ROOT, "%s %d %.2f%%", j == 0 ? "" : ",", order[j], 100 * probs[row + order[j]]));
                }
            }
            if (pictures.get(i).inverted()) line.append("   (light picture: inverted to light-on-dark)");
            out.println(line);
        }
        return status;
    }

    private static boolean allFinite(float[] values, int from, int n) {
        for (int j = from; j < from + n; j++) if (!Float.isFinite(values[j])) return false;
        return true;
    }

    /** Returns null for --help. */
    static Options parse(String[] args) {
        Path model = null;
        String backend = "java", device = null;
        int top = 3;
        List<Path> images = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> { return null; }
                case "--model" -> model = Path.of(value(args, ++i, a));
                case "--backend" -> {
                    backend = value(args, ++i, a);
                    if (!Backends.names().contains(backend)) {
                        throw new IllegalArgumentException("--backend must be one of " + Backends.names() + ", got '" + backend + "'");
                    }
                }
                case "--device" -> device = value(args, ++i, a);
                case "--top" -> {
                    String v = value(args, ++i, a);
                    try {
                        top = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        top = 0;
                    }
                    if (top <= 0) throw new IllegalArgumentException("--top needs a positive integer, got '" + v + "'");
                }
                default -> {
                    if (a.startsWith("--")) throw new IllegalArgumentException("unknown option '" + a + "'");
                    images.add(Path.of(a));
                }
            }
        }
        if (model == null) throw new IllegalArgumentException("--model FILE is required");
        if (images.isEmpty()) throw new IllegalArgumentException("no pictures to classify");
        return new Options(model, backend, device, top, List.copyOf(images));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }
}
