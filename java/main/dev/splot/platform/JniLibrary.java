package dev.splot.platform;

import org.bytedeco.javacpp.Loader;

/**
 * The JNI library that the JavaCPP Maven plugin built for one binding class (a class annotated with
 * {@code @Platform}), loaded once; where it cannot load, the precise reason. The plugin puts the
 * library at {@code <package path>/<platform>/libjni<ClassName>.so} in target/classes (and the
 * jar). A build run with {@code -Dsplot.native.skip=true} (or for another platform) has no such
 * file, and the reason then says that splot was built without it rather than showing
 * {@link UnsatisfiedLinkError}'s library-path message.
 */
public final class JniLibrary {
    /** The Maven switch that leaves out the CMake and JavaCPP steps (pom.xml). */
    public static final String SKIP_SWITCH = "-Dsplot.native.skip=true";

    private final String failure;
    private final Throwable cause;

    private JniLibrary(String failure, Throwable cause) {
        this.failure = failure;
        this.cause = cause;
    }

    /**
     * Loads the library of {@code binding} (JavaCPP's {@link Loader#load(Class)}: from the class path or java.library.path).
     * Never throws: a failure is recorded in the result. Call it once per binding (a static field).
     *
     * @param binding the class annotated with {@code @Platform} whose JNI library to load
     * @return the outcome: loaded, or why not
     */
    public static JniLibrary load(Class<?> binding) {
        String name = "jni" + binding.getSimpleName();
        try {
            Loader.load(binding);
            return new JniLibrary(null, null);
        } catch (NoClassDefFoundError e) {
            return new JniLibrary("JavaCPP is not on the class path (" + e + ")", e);
        } catch (Throwable e) {
            String resource = resourcePath(binding, name);
            if (resource != null && binding.getClassLoader().getResource(resource) == null) {
                return new JniLibrary("splot was built without the native library: the class path has no " + resource
                        + " (the Maven build leaves it out with " + SKIP_SWITCH + ", and builds it only for its own platform;"
                        + " rebuild without that switch, with CMake and g++ installed)", e);
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            return new JniLibrary("could not load the native library " + name + " (" + e + (root != e ? "; caused by " + root : "")
                    + ")", e);
        }
    }

    /** Where the JavaCPP plugin puts the library on the class path; null when JavaCPP cannot name this platform. */
    private static String resourcePath(Class<?> binding, String name) {
        try {
            return binding.getPackageName().replace('.', '/') + "/" + Loader.getPlatform() + "/" + System.mapLibraryName(name);
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * Whether the binding's native methods can be called.
     *
     * @return true when the library loaded
     */
    public boolean loaded() {
        return failure == null;
    }

    /**
     * Why the library did not load, for messages.
     *
     * @return the reason in words (e.g. that splot was built without it), or null when it loaded
     */
    public String failure() {
        return failure;
    }

    /**
     * The error behind {@link #failure()}, to chain as the cause of a user-facing exception.
     *
     * @return the throwable from the load, or null when the library loaded
     */
    public Throwable cause() {
        return cause;
    }
}
