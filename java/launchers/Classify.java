/**
 * Launcher for {@link dev.splot.cli.Classify}, so that {@code mvn -q compile exec:java -Dexec.mainClass=Classify}
 * keeps working. In the default package, which a module may not contain, so it is compiled from its own
 * source root and left out of the library jar (maven-jar-plugin excludes).
 */
public final class Classify {
    private Classify() {}

    /**
     * Runs {@link dev.splot.cli.Classify#main}, with its exit statuses.
     *
     * @param args the command line, passed on unchanged
     */
    public static void main(String[] args) {
        dev.splot.cli.Classify.main(args);
    }
}
