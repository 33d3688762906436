package dev.splot.train;

import java.io.PrintStream;

/**
 * Progress of one epoch on one line: rewritten in place on a terminal, and printed at every
 * tenth of the epoch when the output is a log file (so logs stay readable).
 */
final class Progress {
    private final PrintStream out;
    private final boolean interactive;
    private final int total;
    private final String label;
    private final long start = System.nanoTime();
    private long lastPrint;
    private int lastDecile;

    Progress(PrintStream out, String label, int total) {
        this.out = out;
        this.interactive = System.console() != null;
        this.label = label;
        this.total = total;
    }

    void update(int done, double loss, double accuracy) {
        if (out == null) return;
        long now = System.nanoTime();
        int decile = (int) (10L * done / total);
        boolean due = interactive ? now - lastPrint > 250_000_000L || done == total : decile > lastDecile;
        if (!due) return;
        lastPrint = now;
        lastDecile = decile;
        double seconds = (now - start) / 1e9;
        String line = String.format("%s %6d/%d  loss %.4f  acc %.4f  %.0f samples/s", label, done, total, loss, accuracy,
                done / Math.max(seconds, 1e-9));
        if (interactive) {
            out.print("\r" + line + (done == total ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }
}
