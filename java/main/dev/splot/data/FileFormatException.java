package dev.splot.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data or model file that cannot be read as its format says. The message always starts with the
 * file's path; {@link #problem} is the rest, for callers that name the file themselves.
 */
public class FileFormatException extends IOException {
    private final transient Path file;
    /** What is wrong, without the file name (serialized with the exception; the path is not). */
    private final String problem;

    /**
     * @param file the file that cannot be read
     * @param problem what is wrong with it, without the file name
     */
    public FileFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    /**
     * @param file the file that cannot be read
     * @param problem what is wrong with it, without the file name
     * @param cause the lower-level failure (e.g. a ZipException), or {@code null}
     */
    public FileFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** @return the file that failed to parse */
    public Path file() {
        return file;
    }

    /** @return what is wrong, without the file name */
    public String problem() {
        return problem;
    }
}
