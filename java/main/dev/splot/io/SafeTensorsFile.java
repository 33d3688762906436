package dev.splot.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** The content of a safetensors file: its string metadata and its tensors in file order. */
public record SafeTensorsFile(Map<String, String> metadata, List<NamedTensor> tensors) {
    public SafeTensorsFile {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /** The tensor with this name. */
    public NamedTensor tensor(String name) {
        for (NamedTensor t : tensors) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new NoSuchElementException("no tensor named \"" + name + "\"");
    }
}
