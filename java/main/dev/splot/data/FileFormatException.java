package dev.splot.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data or model file that cannot be read as its format says. The message always starts with the
 * file's path; {@link #problem} is the rest, for callers that name the file themselves.
 */
public class FileFormatException extends IOException {
    private final transient Path file;
    private final String problem;

    public FileFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    public FileFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** The file that failed to parse. */
    public Path file() {
        return file;
    }

    /** What is wrong, without the file name. */
    public String problem() {
        return problem;
    }
}
