package dev.splot.testing.partial;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Makes {@link PartialBackendProvider} discoverable for the duration of one call, as a jar added to the class path would. */
public final class PartialBackends {
    /** Holds only META-INF/services/dev.splot.backend.BackendProvider naming the partial provider. */
    static final Path REGISTRATION = Path.of("java/test-fixtures/partial-backend");

    private PartialBackends() {}

    public static <T> T discoverable(Callable<T> body) throws Exception {
        if (!Files.isDirectory(REGISTRATION.resolve("META-INF/services"))) {
            throw new IllegalStateException("missing test fixture " + REGISTRATION.toAbsolutePath() + " (tests run from the project root)");
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader withPartial = new URLClassLoader(new URL[] {url(REGISTRATION)}, previous)) {
            thread.setContextClassLoader(withPartial);
            return body.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static URL url(Path dir) throws MalformedURLException {
        return dir.toAbsolutePath().toUri().toURL();
    }
}
