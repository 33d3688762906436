package dev.splot.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An IDX file that cannot be read as declared: bad magic, unsupported type, wrong rank, or data
 * that does not match the header. The message always starts with the file's path.
 */
public class IdxFormatException extends IOException {
    private final transient Path file;
    private final String problem;

    public IdxFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    public IdxFormatException(Path file, String problem, Throwable cause) {
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
