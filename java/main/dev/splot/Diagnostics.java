package dev.splot;

/** Lists what this machine can run. */
public final class Diagnostics {
    private Diagnostics() {}

    public static String report() {
        return "java: available (" + Runtime.getRuntime().availableProcessors() + " threads)";
    }
}
