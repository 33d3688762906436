package dev.splot.viz;

/**
 * Whether XChart, which {@link TrainingPlots#writeCurves} draws with, is on the class path. XChart is an
 * optional dependency of splot (it and what it pulls weigh more than splot itself): a program that
 * writes curves checks here first, before any work, instead of failing with a NoClassDefFoundError
 * after training. This class itself names no XChart type, so loading it never needs XChart.
 */
public final class ChartLibrary {
    static final String PROBE_CLASS = "org.knowm.xchart.XYChart";
    /** What to add, as the README's dependency section says it. */
    public static final String COORDINATES = "org.knowm.xchart:xchart:3.8.8";

    private ChartLibrary() {}

    /**
     * Whether {@link TrainingPlots#writeCurves} can run.
     *
     * @return true when XChart's classes can be loaded by the loader that loaded splot
     */
    public static boolean isPresent() {
        try {
            Class.forName(PROBE_CLASS, false, ChartLibrary.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The error for a program whose {@code what} (e.g. "--plots") needs XChart while it is missing.
     *
     * @param what the option or feature that needs XChart, as the user wrote it
     * @return one sentence naming XChart's Maven coordinates and what to do
     */
    public static String missingMessage(String what) {
        return what + " needs XChart (" + COORDINATES + "), an optional dependency of splot that is not on the class path:"
                + " add it to use " + what;
    }
}
