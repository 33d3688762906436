package dev.splot.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The checked header of a safetensors file ({@link SafeTensors#readHeader}): metadata, tensor
 * names and shapes in file order. Tensor data is read only when asked for, so a reader can refuse
 * unexpected names and shapes first.
 */
public final class SafeTensorsHeader {
    private final Path file;
    private final Map<String, String> metadata;
    private final Map<String, SafeTensors.Entry> entries = new LinkedHashMap<>();
    private final long bufferStart;
    private final long fileSize;

    SafeTensorsHeader(Path file, Map<String, String> metadata, List<SafeTensors.Entry> entries, long bufferStart, long fileSize) {
        this.file = file;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        for (SafeTensors.Entry e : entries) this.entries.put(e.name(), e);
        this.bufferStart = bufferStart;
        this.fileSize = fileSize;
    }

    public Path file() {
        return file;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in file order. */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    public int[] shape(String name) {
        return entry(name).shape().clone();
    }

    /** The number of values all tensors hold together. */
    public long totalValues() {
        return entries.values().stream().mapToLong(SafeTensors.Entry::elements).sum();
    }

    /** Reads the data of tensor {@code name} from the file. */
    public float[] data(String name) throws IOException {
        return SafeTensors.readData(file, entry(name), bufferStart, fileSize);
    }

    private SafeTensors.Entry entry(String name) {
        SafeTensors.Entry e = entries.get(name);
        if (e == null) throw new NoSuchElementException("no tensor named \"" + name + "\" in " + file);
        return e;
    }
}
