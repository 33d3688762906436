package dev.splot;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package graph of the library is one-way (docs/architecture.md):
 *
 * <pre>
 *   programs (dev.splot.cli: Mnist, Classify; dev.splot.Diagnostics; the default-package launchers of the two)
 *     distributed (data-parallel training: the socket allreduce; .spark, the only package that uses Spark)
 *     io, viz (formats: checkpoints, safetensors, pictures, plots)
 *       train (the loop)  ── data (datasets)
 *         optim
 *           nn (layers, Sequential)
 *             backend (the SPI)  ◄── backend.java, backend.nativecpu, backend.opencl (side by side), platform
 * </pre>
 *
 * Checked on the compiled main classes (target/classes) with ArchUnit, and the absence of package
 * cycles a second time with the JDK's own jdeps, so the rule does not rest on one tool.
 */
class ArchitectureTest {
    private static final Path MAIN_CLASSES = Path.of("target/classes");
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        assertTrue(Files.isDirectory(MAIN_CLASSES.resolve("dev/splot")), "run from the project root after compiling: " + MAIN_CLASSES.toAbsolutePath());
        main = new ClassFileImporter().importPath(MAIN_CLASSES);
    }

    @Test
    void packagesFormNoCycles() {
        slices().matching("dev.splot.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void packagesFormOneWayLayers() {
        layeredArchitecture().consideringOnlyDependenciesInAnyPackage("dev.splot..", "")
                .layer("programs").definedBy("", "dev.splot", "dev.splot.cli..")
                .layer("distributed").definedBy("dev.splot.distributed..")
                .layer("formats").definedBy("dev.splot.io..", "dev.splot.viz..")
                .layer("training").definedBy("dev.splot.train..")
                .layer("data").definedBy("dev.splot.data..")
                .layer("optimizers").definedBy("dev.splot.optim..")
                .layer("model").definedBy("dev.splot.nn..")
                .layer("backend implementations").definedBy("dev.splot.backend.*..")
                .layer("platform").definedBy("dev.splot.platform..")
                .layer("backend SPI").definedBy("dev.splot.backend")
                .whereLayer("programs").mayNotBeAccessedByAnyLayer()
                .whereLayer("distributed").mayOnlyBeAccessedByLayers("programs")
                .whereLayer("formats").mayOnlyBeAccessedByLayers("distributed", "programs")
                .whereLayer("training").mayOnlyBeAccessedByLayers("formats", "distributed", "programs")
                .whereLayer("data").mayOnlyBeAccessedByLayers("training", "formats", "distributed", "programs")
                .whereLayer("optimizers").mayOnlyBeAccessedByLayers("training", "formats", "distributed", "programs")
                .whereLayer("model").mayOnlyBeAccessedByLayers("optimizers", "training", "formats", "distributed", "programs")
                // found through ServiceLoader: only the programs may name a concrete backend (the reference in Diagnostics)
                .whereLayer("backend implementations").mayOnlyBeAccessedByLayers("programs")
                .whereLayer("platform").mayOnlyBeAccessedByLayers("backend implementations", "programs")
                .withOptionalLayers(true)
                .check(main);
    }

    @Test
    void theSpiDependsOnNothingButTheJdkAndTheLoggingApi() {
        classes().that().resideInAPackage("dev.splot.backend").should().onlyDependOnClassesThat()
                .resideInAnyPackage("dev.splot.backend", "java..", "org.slf4j..").check(main);
    }

    @Test
    void backendsNeverImportOneAnother() {
        slices().matching("dev.splot.backend.(*)..").should().notDependOnEachOther().check(main);
        noClasses().that().resideInAPackage("dev.splot.backend.*..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.splot.nn..", "dev.splot.optim..", "dev.splot.train..", "dev.splot.data..",
                        "dev.splot.io..", "dev.splot.viz..")
                .check(main);
    }

    /**
     * Library code logs through SLF4J and hands progress to listeners; only the programs (and the OpenCL setup check,
     * a program of its own) write to the console, and no public method or constructor takes a PrintStream except the
     * {@code Progress} listener, whose job is printing.
     */
    @Test
    void libraryCodeNeitherPrintsNorTakesPrintStreams() {
        String[] programs = {"", "dev.splot", "dev.splot.cli.."};
        noClasses().that().resideOutsideOfPackages(programs)
                .and().doNotHaveFullyQualifiedName("dev.splot.backend.opencl.OpenClSetupCheck")
                .should().accessField(System.class, "out").orShould().accessField(System.class, "err")
                .check(main);
        List<String> takingPrintStreams = new ArrayList<>();
        for (JavaClass c : main) {
            if (c.getPackageName().isEmpty() || c.getPackageName().equals("dev.splot") || c.getPackageName().startsWith("dev.splot.cli")
                    || c.getName().equals("dev.splot.train.Progress")) {
                continue;
            }
            for (JavaCodeUnit u : c.getCodeUnits()) {
                if (u.getModifiers().contains(JavaModifier.PUBLIC) && u.getRawParameterTypes().stream()
                        .anyMatch(t -> t.isAssignableTo(java.io.PrintStream.class))) {
                    takingPrintStreams.add(u.getFullName());
                }
            }
        }
        assertEquals(List.of(), takingPrintStreams, "public library methods that take a PrintStream (log through SLF4J instead)");

    }

    /**
     * Spark is provided, not shipped: only dev.splot.distributed.spark and the program that starts it
     * (MnistOnSpark) may name it, so the rest of the library loads without it, and the allreduce
     * stays testable with plain threads.
     */
    @Test
    void onlyTheSparkPackageAndItsProgramUseSpark() {
        noClasses().that().resideOutsideOfPackages("dev.splot.distributed.spark..").and().doNotHaveFullyQualifiedName("dev.splot.cli.MnistOnSpark")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "scala..").check(main);
    }

    /** jdeps, run in-process, lists package-to-package edges; a depth-first search finds any cycle. */
    @Test
    void jdepsAgreesThereAreNoPackageCycles() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("this JDK has no jdeps"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none", MAIN_CLASSES.toString());
        assertEquals(0, status, err.toString());
        Map<String, Set<String>> edges = new TreeMap<>();
        Matcher m = Pattern.compile("^\\s+(dev\\.splot\\S*|<unnamed>)\\s+->\\s+(dev\\.splot\\S*)\\s", Pattern.MULTILINE).matcher(out.toString());
        while (m.find()) {
            if (!m.group(1).equals(m.group(2))) edges.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
        }
        assertTrue(edges.getOrDefault("dev.splot.nn", Set.of()).contains("dev.splot.backend"),
                "the parser must see real edges (nn -> backend): " + edges);
        List<String> cycle = findCycle(edges);
        assertTrue(cycle.isEmpty(), "package cycle: " + String.join(" -> ", cycle));
    }

    private static List<String> findCycle(Map<String, Set<String>> edges) {
        Set<String> done = new HashSet<>();
        for (String start : edges.keySet()) {
            List<String> path = new ArrayList<>();
            if (dfs(start, edges, done, path)) return path;
        }
        return List.of();
    }

    private static boolean dfs(String node, Map<String, Set<String>> edges, Set<String> done, List<String> path) {
        int i = path.indexOf(node);
        if (i >= 0) {
            path.subList(0, i).clear();
            path.add(node);
            return true;
        }
        if (done.contains(node)) return false;
        path.add(node);
        for (String next : edges.getOrDefault(node, Set.of())) if (dfs(next, edges, done, path)) return true;
        path.remove(path.size() - 1);
        done.add(node);
        return false;
    }
}
